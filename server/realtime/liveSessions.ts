/**
 * A connected socket is a use of its session. Sessions with an idle TTL (desk sign-ins, and app
 * sessions when SESSION_TTL_S is set) are kept alive while a socket of theirs is open, even if it
 * only listens; a socket whose session expired all the same (a shorter TTL, a node that was busy)
 * is disconnected, as a revoked one is. Each node sweeps its own sockets once a minute.
 */
import type { Deps } from '../deps.js';
import { SESSION_TOUCH_S, sessionTtlOf } from '../domain/actor.js';
import { startPollingWorker, type PollingWorker } from '../pollingWorker.js';
import { deviceRoomOf } from './deviceRooms.js';
import type { KefuServer } from './types.js';

export interface LiveSessions {
  /** One sweep now (tests); the timer runs one every SESSION_TOUCH_S. */
  sweep(): Promise<void>;
  stop(): Promise<void>;
}

export function startLiveSessions(io: KefuServer, deps: Deps): LiveSessions {
  const log = deps.logger.child({ job: 'liveSessions' });

  async function sweep(): Promise<void> {
    const digests = new Set<string>();
    for (const socket of io.of('/').sockets.values()) if (socket.data.idleTtl) digests.add(socket.data.sessionDigest);
    const now = deps.now();
    for (const digest of digests) {
      const session = await deps.store.accounts.getSession(digest);
      const ttl = session ? sessionTtlOf(deps.config, session) : undefined;
      if (!session || (ttl !== undefined && now - session.lastUsedAt > ttl)) {
        io.local.in(deviceRoomOf(digest)).disconnectSockets(true);
      } else if (ttl !== undefined && now - session.lastUsedAt >= SESSION_TOUCH_S) {
        await deps.store.accounts.touchSession(digest, now);
      }
    }
  }

  const worker: PollingWorker = startPollingWorker(sweep, {
    intervalMs: SESSION_TOUCH_S * 1000,
    onError: (error) => log.warn({ err: error }, 'keeping live sessions alive failed; retrying at the next sweep'),
  });
  return { sweep: () => worker.settled(), stop: () => worker.stop() };
}
