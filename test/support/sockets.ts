/**
 * Real socket.io-client connections for tests, typed with the shared event maps, plus a recorder
 * that keeps every server event so a test can wait for one (with a timeout, never a sleep) or
 * check that one never came.
 */
import { io, type Socket } from 'socket.io-client';
import type { Presence } from '../../server/realtime/presence.js';
import { serverEventSchemas, type ClientToServerEvents, type ServerToClientEvents } from '../../shared/events.js';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type ServerEvent = keyof ServerToClientEvents;
export type Received = { event: ServerEvent; payload: any };

export interface Recorded {
  socket: TestSocket;
  received: Received[];
  /** Events of one name received so far (payloads). */
  all<E extends ServerEvent>(event: E): Parameters<ServerToClientEvents[E]>[0][];
  /** Resolves with the first matching event (already received or future); rejects after `ms`. */
  waitFor<E extends ServerEvent>(event: E, match?: (payload: any) => boolean, ms?: number): Promise<Parameters<ServerToClientEvents[E]>[0]>;
  /**
   * A round trip on this connection: any event the server emitted to it before now has arrived
   * once this resolves (one connection delivers in order). Use before asserting an absence.
   */
  flush(): Promise<void>;
  close(): void;
}

const NO_QUESTION = '000000000000000000000000';

/** Connects with `auth: {session}` over websocket; rejects with the connect_error. */
export function connectSocket(url: string, session: unknown, options: Record<string, unknown> = {}): Promise<TestSocket> {
  const socket: TestSocket = io(url, {
    auth: session === undefined ? {} : { session },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...options,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

export function record(socket: TestSocket): Recorded {
  const received: Received[] = [];
  const waiters = new Set<{ event: ServerEvent; match: (p: any) => boolean; resolve: (p: any) => void }>();
  socket.onAny((event: ServerEvent, payload: unknown) => {
    // Every payload must match its shared schema; a mismatch fails the test that waits on it.
    const parsed = serverEventSchemas[event]?.safeParse(payload);
    const entry = { event, payload: parsed?.success ? payload : { invalid: parsed?.error.message, payload } };
    received.push(entry);
    for (const waiter of waiters) {
      if (waiter.event === event && waiter.match(entry.payload)) {
        waiters.delete(waiter);
        waiter.resolve(entry.payload);
      }
    }
  });
  return {
    socket,
    received,
    all: (event) => received.filter((r) => r.event === event).map((r) => r.payload),
    waitFor(event, match = () => true, ms = 5000) {
      const seen = received.find((r) => r.event === event && match(r.payload));
      if (seen) return Promise.resolve(seen.payload);
      return new Promise((resolve, reject) => {
        const waiter = { event, match, resolve: (p: any) => (clearTimeout(timer), resolve(p)) };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no ${event} within ${ms} ms; received: ${JSON.stringify(received.map((r) => r.event))}`));
        }, ms);
        waiters.add(waiter);
      });
    },
    async flush() {
      await socket.timeout(5000).emitWithAck('question:unsubscribe', { question_id: NO_QUESTION });
    },
    close: () => socket.close(),
  };
}

/** connectSocket + record. */
export async function recordedSocket(url: string, session: string, options?: Record<string, unknown>): Promise<Recorded> {
  return record(await connectSocket(url, session, options));
}

/** Whether a device (by session digest) has a live socket on any node, as the push sink asks. */
export async function isOnline(presence: Presence, sessionDigest: string): Promise<boolean> {
  return (await presence.onlineDevices([sessionDigest])).has(sessionDigest);
}
