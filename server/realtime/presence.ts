/**
 * Which device sessions have a live socket on any node. The push sink asks before notifying
 * devices, so an app that is open gets the socket event and no duplicate push.
 */
import { deviceRoomOf, type KefuServer } from './deviceRooms.js';

export interface Presence {
  /** The digests among `sessionDigests` whose device has a socket connected now. */
  onlineDevices(sessionDigests: string[]): Promise<Set<string>>;
}

/**
 * Presence from the sockets themselves, in one cross-node lookup for all the devices asked about:
 * fetchSockets() on the union of their device rooms asks every node through the adapter. If that
 * fails (Redis away), this node answers for its own sockets, and a device elsewhere counts as
 * offline (a spare push beats a missed one).
 */
export function socketPresence(io: KefuServer): Presence {
  return {
    async onlineDevices(sessionDigests) {
      const wanted = new Map(sessionDigests.map((digest) => [deviceRoomOf(digest), digest]));
      const rooms = [...wanted.keys()];
      const sockets = await io
        .in(rooms)
        .fetchSockets()
        .catch(() => io.local.in(rooms).fetchSockets());
      const online = new Set<string>();
      for (const socket of sockets) {
        for (const room of socket.rooms) {
          const digest = wanted.get(room as ReturnType<typeof deviceRoomOf>);
          if (digest) online.add(digest);
        }
      }
      return online;
    },
  };
}
