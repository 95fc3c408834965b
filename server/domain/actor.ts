/**
 * The caller of a request, resolved from its session: always a user of one app, and an agent too
 * when the device session is bound to an agent account.
 */
import { ApiError } from '../../shared/errors.js';
import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import type { AgentRecord, SessionRecord } from '../stores/types.js';
import { sessionDigest } from './sessionTokens.js';

export interface Actor {
  /** The stored session (keyed by digest); the token itself stays with the transport that received it. */
  session: SessionRecord;
  userId: string;
  /** The app the session belongs to. */
  identify: string;
  /** The bound agent, or null for a plain user session. */
  agent: AgentRecord | null;
}

/** A use refreshes lastUsedAt at most this often, so idle expiry costs no write per request. */
export const SESSION_TOUCH_S = 60;

export function actorFrom(session: SessionRecord, agent: AgentRecord | null): Actor {
  // A binding to an agent that no longer exists (or was re-provisioned elsewhere) acts as unbound.
  const boundAgent = agent && session.servId === agent.servId ? agent : null;
  return { session, userId: session.userId, identify: session.identify, agent: boundAgent };
}

/** The idle TTL of a session's kind: SESSION_TTL_S for app sessions (none by default), DESK_SESSION_TTL_S for desks. */
export function sessionTtlOf(config: Pick<Config, 'sessionTtlS' | 'deskSessionTtlS'>, session: SessionRecord): number | undefined {
  return session.kind === 'desk' ? config.deskSessionTtlS : config.sessionTtlS;
}

/** The actor of a stored session, or null when it is unknown or idle past its TTL; records no use. */
export async function actorOfDigest(deps: Deps, digest: string): Promise<Actor | null> {
  const session = await deps.store.accounts.getSession(digest);
  if (!session) return null;
  const ttl = sessionTtlOf(deps.config, session);
  if (ttl !== undefined && deps.now() - session.lastUsedAt > ttl) return null;
  const agent = session.servId ? await deps.store.accounts.getAgent(session.servId) : null;
  return actorFrom(session, agent);
}

/**
 * The actor a session token stands for, on every transport (REST, socket handshake and events, CLI).
 * The token is hashed before the store sees it; a use is recorded when the kind has a TTL and the
 * last record is older than SESSION_TOUCH_S.
 */
export async function resolveActor(deps: Deps, token: string): Promise<Actor> {
  const actor = await actorOfDigest(deps, sessionDigest(token));
  if (!actor) throw new ApiError('session_invalid', 'unknown or expired session', { field: 'session' });
  const now = deps.now();
  if (sessionTtlOf(deps.config, actor.session) !== undefined && now - actor.session.lastUsedAt >= SESSION_TOUCH_S) {
    await deps.store.accounts.touchSession(actor.session.digest, now);
    actor.session = { ...actor.session, lastUsedAt: now };
  }
  return actor;
}
