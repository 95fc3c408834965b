/**
 * The actors of recently used sessions, so that a request, a socket event or a handshake resolves
 * its session without reading the store. Profiles of the read routes showed two store reads (the
 * session, then its agent) on every request; a hit costs a Map lookup.
 *
 * An entry is dropped when a provisioning change names it (a session bound, unbound or deleted; an
 * agent's apps or password changed, or the agent removed; an app removed):
 *
 * - at once for a change made on this node: `accounts.changed` is recorded right after the commit,
 *   before the command's caller is answered (server.ts subscribes the cache to it);
 * - within one change-feed poll (CHANGE_POLL_MS) for a change made by another node or the CLI: the
 *   feed hands every entry it reads to `forget` before re-homing sockets (changeFeed.ts).
 *
 * A read that began before a change and finishes after it is not stored (`mark`), and an entry is
 * used for at most `maxAgeS`, so even a stalled feed cannot keep a revoked session working past the
 * revocation bound. Cached actors are shared between requests: nobody may mutate one.
 */
import type { ChangeKind } from '../stores/types.js';
import type { Actor } from './actor.js';

export interface ActorCacheOptions {
  /**
   * Sessions kept; the oldest entry makes room for a new one. 0 turns the cache off (the CLI: a
   * process with no change feed).
   * @default 10000
   */
  maxEntries?: number;
  /**
   * Seconds an entry is used before the store is read again; the revocation bound of docs/api.md.
   * @default 2
   */
  maxAgeS?: number;
}

/** A provisioning change as the change feed and `accounts.changed` name it. */
export interface ActorChange {
  kind: ChangeKind;
  key: string;
}

interface Entry {
  actor: Actor;
  cachedAt: number;
}

/** Whether a cached actor may be affected by a change of an agent or an app. */
function concerns(actor: Actor, change: { kind: 'agent' | 'app'; key: string }): boolean {
  if (change.kind === 'agent') return actor.session.servId === change.key || actor.agent?.servId === change.key;
  return actor.identify === change.key || (actor.agent?.identifies.includes(change.key) ?? false);
}

export class ActorCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly maxAgeS: number;
  /** Bumped by every forget: a read that started under an older generation may be stale. */
  private generation = 0;

  constructor(options: ActorCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxAgeS = options.maxAgeS ?? 2;
  }

  /** The cached actor of a session digest, unless it is older than maxAgeS at `now`. */
  get(digest: string, now: number): Actor | undefined {
    const entry = this.entries.get(digest);
    if (!entry) return undefined;
    const age = now - entry.cachedAt;
    // A clock moved back (tests move theirs) counts as stale too.
    if (age < 0 || age >= this.maxAgeS) {
      this.entries.delete(digest);
      return undefined;
    }
    return entry.actor;
  }

  /** Taken before reading the store; `set` stores the result only if nothing was forgotten since. */
  mark(): number {
    return this.generation;
  }

  /** Stores an actor read from the store after `mark` was taken. */
  set(actor: Actor, mark: number, now: number): void {
    if (mark !== this.generation || this.maxEntries === 0) return;
    const digest = actor.session.digest;
    this.entries.delete(digest);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(digest, { actor, cachedAt: now });
  }

  /** Drops every entry the changes may concern (a session's by its digest; an agent's or app's by scan). */
  forget(changes: Iterable<ActorChange>): void {
    this.generation++;
    for (const change of changes) {
      const { kind, key } = change;
      if (kind === 'session') this.entries.delete(key);
      else for (const [digest, entry] of this.entries) if (concerns(entry.actor, { kind, key })) this.entries.delete(digest);
    }
  }

  /** Whether a digest has an entry (tests check that a change dropped it). */
  has(digest: string): boolean {
    return this.entries.has(digest);
  }
}
