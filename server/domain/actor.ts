/**
 * The caller of a request, resolved from its session: always a user of one app, and an agent too
 * when the device session is bound to an agent account.
 */
import { ApiError } from '../../shared/errors.js';
import type { Deps } from '../deps.js';
import type { AgentRecord, SessionRecord } from '../stores/types.js';

export interface Actor {
  session: SessionRecord;
  userId: string;
  /** The app the session belongs to. */
  identify: string;
  /** The bound agent, or null for a plain user session. */
  agent: AgentRecord | null;
}

export function actorFrom(session: SessionRecord, agent: AgentRecord | null): Actor {
  // A binding to an agent that no longer exists (or was re-provisioned elsewhere) acts as unbound.
  const boundAgent = agent && session.servId === agent.servId ? agent : null;
  return { session, userId: session.userId, identify: session.identify, agent: boundAgent };
}

/** The actor a session token stands for, on every transport (REST, socket handshake and events, CLI). */
export async function resolveActor(deps: Deps, token: string): Promise<Actor> {
  const session = await deps.store.getSession(token);
  if (!session) throw new ApiError('session_invalid', 'unknown or expired session', { field: 'session' });
  const agent = session.servId ? await deps.store.getAgent(session.servId) : null;
  return actorFrom(session, agent);
}
