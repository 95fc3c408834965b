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
 * Whether a session's use must be recorded now: its kind has an idle TTL and the last record is
 * SESSION_TOUCH_S old (or the session is past its TTL as this copy knows it).
 */
function needsTouch(config: Deps['config'], session: SessionRecord, now: number): boolean {
  const ttl = sessionTtlOf(config, session);
  return ttl !== undefined && (now - session.lastUsedAt >= SESSION_TOUCH_S || now - session.lastUsedAt > ttl);
}

/**
 * The actor a session token stands for, on every transport (REST, socket handshake and events, CLI).
 * The token is hashed before the store sees it; a use is recorded when the kind has a TTL and the
 * last record is older than SESSION_TOUCH_S.
 *
 * Recently resolved actors come from deps.actors (actorCache.ts), which provisioning changes empty
 * on every node. A cached session with a TTL is used only while it needs no touch: then the store,
 * which other nodes touch too, decides whether it is still alive.
 */
export async function resolveActor(deps: Deps, token: string): Promise<Actor> {
  const digest = sessionDigest(token);
  const now = deps.now();
  const cached = deps.actors.get(digest, now);
  if (cached && !needsTouch(deps.config, cached.session, now)) return cached;
  const mark = deps.actors.mark();
  const stored = await actorOfDigest(deps, digest);
  if (!stored) throw new ApiError('session_invalid', 'unknown or expired session', { field: 'session' });
  let actor = stored;
  if (needsTouch(deps.config, stored.session, now)) {
    await deps.store.accounts.touchSession(digest, now);
    actor = { ...stored, session: { ...stored.session, lastUsedAt: now } };
  }
  deps.actors.set(actor, mark, now);
  return actor;
}
