/**
 * The origins this node's sockets connected to, for presenting media URLs per reader when
 * PUBLIC_URL is unset. Each socket joins the room of its origin; the publisher emits once per
 * origin, to the target rooms except the other origins' rooms.
 */
import { createHash } from 'node:crypto';
import { rooms, type OriginRoom } from '../../shared/rooms.js';

export interface SocketOrigins {
  /** Counts a socket's origin; returns the room it joins (one string per origin, shared by its sockets). */
  add(baseUrl: string): OriginRoom;
  /** Uncounts the origin whose room is among `socketRooms` (a leaving socket's rooms), if any. */
  removeFrom(socketRooms: Iterable<string>): void;
  /** Each origin of a live local socket, with the rooms of all the other local origins. */
  local(): Array<[baseUrl: string, others: OriginRoom[]]>;
}

export const originRoomOf = (baseUrl: string) => rooms.origin(createHash('sha256').update(baseUrl).digest('base64url').slice(0, 16));

export function socketOrigins(): SocketOrigins {
  const byRoom = new Map<string, { baseUrl: string; sockets: number }>();
  const roomOf = new Map<string, OriginRoom>();
  return {
    add(baseUrl) {
      let room = roomOf.get(baseUrl);
      if (!room) roomOf.set(baseUrl, (room = originRoomOf(baseUrl)));
      const origin = byRoom.get(room);
      if (origin) origin.sockets++;
      else byRoom.set(room, { baseUrl, sockets: 1 });
      return room;
    },
    removeFrom(socketRooms) {
      for (const room of socketRooms) {
        const origin = byRoom.get(room);
        if (!origin) continue;
        if (--origin.sockets > 0) return;
        byRoom.delete(room);
        roomOf.delete(origin.baseUrl);
        return;
      }
    },
    local() {
      const all = [...byRoom.values()].map((origin) => origin.baseUrl);
      return all.map((baseUrl) => [baseUrl, all.filter((other) => other !== baseUrl).map((other) => roomOf.get(other)!)]);
    },
  };
}
