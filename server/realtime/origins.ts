/**
 * The origins this node's sockets connected to, for presenting media URLs per reader when
 * PUBLIC_URL is unset. Each socket joins the room of its origin; the publisher emits once per
 * origin, to the target rooms except the other origins' rooms.
 */
import { createHash } from 'node:crypto';
import { rooms, type OriginRoom } from '../../shared/rooms.js';

export interface SocketOrigins {
  /** Registers a socket's origin; returns its room and the function that unregisters it. */
  add(baseUrl: string): { room: OriginRoom; remove: () => void };
  /** Each origin of a live local socket, with the rooms of all the other local origins. */
  local(): Array<[baseUrl: string, others: OriginRoom[]]>;
}

export const originRoomOf = (baseUrl: string) => rooms.origin(createHash('sha256').update(baseUrl).digest('base64url').slice(0, 16));

export function socketOrigins(): SocketOrigins {
  const counts = new Map<string, number>();
  return {
    add(baseUrl) {
      counts.set(baseUrl, (counts.get(baseUrl) ?? 0) + 1);
      let removed = false;
      return {
        room: originRoomOf(baseUrl),
        remove() {
          if (removed) return;
          removed = true;
          const left = (counts.get(baseUrl) ?? 1) - 1;
          if (left > 0) counts.set(baseUrl, left);
          else counts.delete(baseUrl);
        },
      };
    },
    local() {
      const all = [...counts.keys()];
      return all.map((baseUrl) => [baseUrl, all.filter((other) => other !== baseUrl).map(originRoomOf)]);
    },
  };
}
