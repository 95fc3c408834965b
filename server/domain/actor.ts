/**
 * The caller of a request, resolved from its session: always a user of one app, and an agent too
 * when the device session is bound to an agent account.
 */
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
