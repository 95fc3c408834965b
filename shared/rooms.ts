/**
 * Socket.IO room names, as template-literal types so a misspelt room is a compile error. The
 * server joins sockets to these rooms; the publisher emits to them; tests assert on them.
 *
 * | room | joined by | receives |
 * | --- | --- | --- |
 * | `user:<user_id>` | every socket of the user | message:new / question:updated of the user's questions |
 * | `agent:<serv_id>` | every socket of a session bound to the agent | the same, for questions it serves |
 * | `queue:<identify>` | every bound agent socket, once per app of the agent | queue:added / queue:removed |
 * | `question:<question_id>` | sockets that sent question:subscribe | message:new / question:updated |
 * | `notes:<question_id>` | subscribed sockets that may read notes (agents of the app, never its user) | note:new |
 * | `device:<digest>` | every socket of one device session | nothing; finds a session's sockets on every node |
 * | `origin:<digest>` | every socket that connected to one origin | message:new with media, presented for that origin |
 * | `watch:<identify>`, `watch:*` | admin-token watch sockets (`kefu watch`), per app or for every app | watch:event |
 */

export type UserRoom = `user:${string}`;
export type AgentRoom = `agent:${string}`;
export type QueueRoom = `queue:${string}`;
export type QuestionRoom = `question:${string}`;
export type NotesRoom = `notes:${string}`;
export type DeviceRoom = `device:${string}`;
export type OriginRoom = `origin:${string}`;
export type WatchRoom = `watch:${string}`;
export type Room = UserRoom | AgentRoom | QueueRoom | QuestionRoom | NotesRoom | DeviceRoom | OriginRoom | WatchRoom;

export const rooms = {
  /** @example rooms.user('u42') // 'user:u42' */
  user: (userId: string): UserRoom => `user:${userId}`,
  /** @example rooms.agent('alice') // 'agent:alice' */
  agent: (servId: string): AgentRoom => `agent:${servId}`,
  /** @example rooms.queue('com.example.app') // 'queue:com.example.app' */
  queue: (identify: string): QueueRoom => `queue:${identify}`,
  /** @example rooms.question('65a1f0c2e4b0a1b2c3d4e5f6') */
  question: (questionId: string): QuestionRoom => `question:${questionId}`,
  /**
   * A question's private notes. The question room is shared by its user and its agents, so notes
   * have a room of their own that only sockets the notes policy admits ever join.
   * @example rooms.notes('65a1f0c2e4b0a1b2c3d4e5f6') // 'notes:65a1f0c2e4b0a1b2c3d4e5f6'
   */
  notes: (questionId: string): NotesRoom => `notes:${questionId}`,
  /**
   * A device session's room. Takes a digest of the session, never the token itself: room names
   * travel through Redis and show up in debugging output.
   */
  device: (sessionDigest: string): DeviceRoom => `device:${sessionDigest}`,
  /** The sockets that connected to one origin (a digest of it), when PUBLIC_URL is unset. */
  origin: (originDigest: string): OriginRoom => `origin:${originDigest}`,
  /** @example rooms.watch('com.example.app') // 'watch:com.example.app' */
  watch: (identify: string): WatchRoom => `watch:${identify}`,
  /** Watchers of every app; `*` is no package name, so it cannot meet an app's room. */
  watchAll: 'watch:*' as WatchRoom,
} as const;

const PREFIXES = ['user:', 'agent:', 'queue:', 'question:', 'notes:', 'device:', 'origin:', 'watch:'] as const;

/** The kind of a room name, or null for rooms that are not ours (Socket.IO's per-socket rooms). */
export function roomKind(room: string): RoomKind | null {
  const prefix = PREFIXES.find((p) => room.startsWith(p));
  return prefix ? (prefix.slice(0, -1) as RoomKind) : null;
}

export type RoomKind = 'user' | 'agent' | 'queue' | 'question' | 'notes' | 'device' | 'origin' | 'watch';

/** The question id of a `question:<id>` or `notes:<id>` room. */
export function questionIdOf(room: QuestionRoom | NotesRoom): string {
  return room.slice(room.indexOf(':') + 1);
}
