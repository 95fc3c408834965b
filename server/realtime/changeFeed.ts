/**
 * Every node tails the store's change feed (AccountStore writes that alter who may hear what:
 * bindings, session deletions, an agent's apps or password, removals) and re-homes its own sockets.
 * The feed is written in the same transaction as the change, by whichever process made it: this
 * node, another node, or the CLI. So one mechanism serves all three, with no message bus: a change
 * reaches every node within one poll (POLL_MS), and this node's own changes at once (wake()).
 *
 * The same entries empty this node's actor cache (domain/actorCache.ts), so HTTP requests and
 * socket events see a change made elsewhere within one poll too.
 *
 * Polling is cheap: the query reads the feed's primary key past the last seq seen, and an idle feed
 * answers with no row.
 */
import type { Deps } from '../deps.js';
import { startPollingWorker } from '../pollingWorker.js';
import type { ChangeRecord } from '../stores/types.js';
import { rehomeSocketsOf, type KefuServer } from './deviceRooms.js';

/** How often a node looks for changes made elsewhere; the revocation bound (2 s) is four of these. */
export const CHANGE_POLL_MS = 500;
/** Changes older than this are dropped from the feed; a node offline longer re-reads state at start. */
const RETENTION_S = 3600;
const PAGE = 200;

export interface ChangeFeed {
  /** Looks for new changes now (after this node made one). */
  wake(): void;
  /** Resolves once every change committed before the call has been applied (tests). */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

export async function startChangeFeed(io: KefuServer, deps: Deps, options: { pollMs?: number } = {}): Promise<ChangeFeed> {
  const log = deps.logger.child({ job: 'changeFeed' });
  const pollMs = options.pollMs ?? CHANGE_POLL_MS;
  // Sockets that connect from now on resolve their rooms at the handshake; older changes are moot.
  let position = await deps.store.outbox.lastChangeSeq();
  let lastPrune = 0;

  async function apply(change: ChangeRecord): Promise<void> {
    try {
      await rehomeSocketsOf(io, deps, change);
    } catch (error) {
      log.error({ err: error, kind: change.kind }, 're-homing sockets after a change failed');
    }
  }

  async function drain(): Promise<void> {
    for (;;) {
      const changes = await deps.store.outbox.listChanges(position, PAGE);
      // Before re-homing: a request arriving meanwhile must not be answered from a stale actor.
      if (changes.length) deps.actors.forget(changes);
      for (const change of changes) {
        await apply(change);
        position = change.seq;
      }
      if (changes.length < PAGE) break;
    }
    const now = deps.now();
    if (now - lastPrune > RETENTION_S / 6) {
      lastPrune = now;
      await deps.store.outbox.pruneChanges(now - RETENTION_S);
    }
  }

  const worker = startPollingWorker(drain, {
    intervalMs: pollMs,
    onError: (error) => log.warn({ err: error }, 'reading the change feed failed; retrying at the next poll'),
  });
  return { wake: () => worker.wake(), caughtUp: () => worker.settled(), stop: () => worker.stop() };
}
