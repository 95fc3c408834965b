/**
 * Which rooms a device session's sockets belong to, and keeping them right when the session's
 * binding changes. Works across nodes: the adapter carries joins and leaves to the node holding
 * each socket.
 */
import type { Server } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from '../../shared/events.js';
import { questionIdOf, roomKind, rooms, type QuestionRoom, type Room } from '../../shared/rooms.js';
import type { Deps } from '../deps.js';
import type { Actor } from '../domain/actor.js';
import { canReadQuestion } from '../domain/policies.js';
import { actorOfDigest } from '../domain/actor.js';

export type KefuServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/**
 * The room of a device session, named from a prefix of its stored digest (never the token: room
 * names travel through Redis), so code holding only the digest (a change, a push) can find it.
 */
export const deviceRoomOf = (sessionDigest: string) => rooms.device(sessionDigest.slice(0, 32));

/** The rooms a socket of this actor joins by itself, question rooms aside. */
export function roomsFor(actor: Actor): Room[] {
  const joined: Room[] = [rooms.user(actor.userId), deviceRoomOf(actor.session.digest)];
  if (actor.agent) joined.push(rooms.agent(actor.agent.servId), ...actor.agent.identifies.map(rooms.queue));
  return joined;
}

/**
 * After a session was bound or unbound: its sockets on every node leave the agent and queue rooms
 * they no longer belong to, join the ones they now do, and leave question rooms they may no longer
 * read (an unbound agent loses the questions of its apps). A deleted session is disconnected.
 */
export async function resyncDeviceRooms(io: KefuServer, deps: Deps, sessionDigest: string, formerServId?: string) {
  const device = deviceRoomOf(sessionDigest);
  const actor = await actorOfDigest(deps, sessionDigest);
  if (!actor) {
    // The session itself is gone (deleted by the host app's backend, or expired): so are its connections.
    io.in(device).disconnectSockets(true);
    return;
  }
  const wanted = new Set<Room>(roomsFor(actor));

  // Fire-and-forget first: even if the cross-node lookup below fails, the former agent's rooms go.
  if (formerServId !== undefined) {
    const former = await deps.store.accounts.getAgent(formerServId);
    const stale = [rooms.agent(formerServId), ...(former?.identifies ?? []).map(rooms.queue)].filter((r) => !wanted.has(r));
    if (stale.length) io.in(device).socketsLeave(stale);
  }

  // Without Redis only this node's sockets can be found; the fire-and-forget leave above still ran.
  const sockets = await io.in(device).fetchSockets().catch(() => io.local.in(device).fetchSockets());
  const questionCache = new Map<string, boolean>();
  for (const socket of sockets) {
    const leave: Room[] = [];
    for (const room of socket.rooms) {
      const kind = roomKind(room);
      if ((kind === 'agent' || kind === 'queue') && !wanted.has(room as Room)) leave.push(room as Room);
      if (kind === 'question') {
        const id = questionIdOf(room as QuestionRoom);
        if (!questionCache.has(id)) {
          const question = await deps.store.conversations.getQuestion(id);
          questionCache.set(id, question !== null && canReadQuestion(actor, question));
        }
        if (!questionCache.get(id)) leave.push(room as Room);
      }
    }
    const join = [...wanted].filter((room) => !socket.rooms.has(room));
    for (const room of leave) socket.leave(room);
    if (join.length) socket.join(join);
  }
}
