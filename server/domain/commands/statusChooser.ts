/** An agent chooses to be online or away (POST /serv/status). */
import type { Deps } from '../../deps.js';
import type { ChosenStatus, Presence } from '../../realtime/agentPresence.js';
import type { Actor } from '../actor.js';
import { authorizeChooseStatus } from '../policies.js';

/**
 * Records the choice and answers the agent's presence now: `away` or `online` while a socket of
 * one of its sessions is connected, `offline` otherwise (the choice then applies once one connects).
 * Only a change of presence is announced.
 */
export async function statusChooser(deps: Deps, props: { actor: Actor; servId: string; status: ChosenStatus }): Promise<Presence> {
  const agent = authorizeChooseStatus(props.actor, props.servId);
  const { presence, changed } = await deps.presence.choose(agent.servId, props.status);
  if (changed) deps.events.record({ type: 'agent.presence', servId: agent.servId, presence });
  return presence;
}
