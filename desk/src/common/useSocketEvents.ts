/**
 * Listening to a page's socket from a component: `useSocketEvents(client.socket, { 'message:new':
 * onMessage, connect: reload })`, typed by the server's events (shared/events.ts) and the socket's
 * own (connect, disconnect, connect_error); or the socket's Manager and its events
 * (`useSocketEvents(client.socket.io, { reconnect })`). It subscribes once per emitter (and set of
 * event names), never per render, and each event calls the handler of the latest render, so the
 * handlers may close over props and state freely. A null emitter listens to nothing.
 */
import { useEffect, useLayoutEffect, useRef } from 'react';
import type { Manager, ManagerReservedEvents, SocketReservedEvents } from 'socket.io-client';
import type { ClientSocket } from '../../../shared/client.js';
import type { ServerToClientEvents } from '../../../shared/events.js';

export type SocketHandlers = Partial<ServerToClientEvents & SocketReservedEvents>;
export type ManagerHandlers = Partial<ManagerReservedEvents>;

type Listener = (...args: unknown[]) => void;
/** What the hook needs of an emitter; both typed emitters are this once their event names are erased. */
interface Emitter {
  on(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
}

export function useSocketEvents(socket: ClientSocket | null | undefined, handlers: SocketHandlers): void;
export function useSocketEvents(manager: Manager | null | undefined, handlers: ManagerHandlers): void;
export function useSocketEvents(emitter: ClientSocket | Manager | null | undefined, handlers: SocketHandlers | ManagerHandlers): void {
  const latest = useRef<Record<string, Listener | undefined>>({});
  useLayoutEffect(() => {
    latest.current = handlers as Record<string, Listener | undefined>;
  });
  // Which events are heard, as one dependency: a handler that appears or goes re-subscribes.
  const events = Object.keys(handlers).sort().join('\n');
  useEffect(() => {
    if (!emitter || !events) return;
    const target = emitter as unknown as Emitter;
    const listeners = events.split('\n').map((event) => [event, (...args: unknown[]) => latest.current[event]?.(...args)] as const);
    for (const [event, listener] of listeners) target.on(event, listener);
    return () => {
      for (const [event, listener] of listeners) target.off(event, listener);
    };
  }, [emitter, events]);
}
