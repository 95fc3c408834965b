/**
 * Whether a device session has a live socket on any node. The push outbox asks before notifying a
 * device, so an app that is open gets the socket event and no duplicate push.
 */
import { deviceRoomOf, type KefuServer } from './deviceRooms.js';

export interface Presence {
  /** Whether the device session with this digest has a live socket. */
  isSessionOnline(sessionDigest: string): Promise<boolean>;
}

/**
 * Presence from the sockets themselves: a session is online while its device room has a socket on
 * any node. fetchSockets() asks every node through the adapter; if that fails (Redis away), this
 * node answers for its own sockets, and a session elsewhere counts as offline (a spare push beats
 * a missed one).
 */
export function socketPresence(io: KefuServer): Presence {
  return {
    async isSessionOnline(sessionDigest) {
      const room = deviceRoomOf(sessionDigest);
      try {
        return (await io.in(room).fetchSockets()).length > 0;
      } catch {
        return (await io.local.in(room).fetchSockets()).length > 0;
      }
    },
  };
}
