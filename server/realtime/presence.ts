/**
 * Whether a device session has a live socket on any node. The push outbox asks before notifying a
 * device, so an app that is open gets the socket event and no duplicate push.
 */
export interface Presence {
  isSessionOnline(session: string): Promise<boolean>;
}
