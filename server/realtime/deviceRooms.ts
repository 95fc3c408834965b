/**
 * Which rooms a device session's sockets belong to, and keeping them right when what the session
 * may hear changes (a binding, a deleted session, an agent's apps or password, a removed app).
 * Each node re-homes only its own sockets, from the change feed (changeFeed.ts), so the same code
 * runs whatever process made the change.
 */
import { questionIdOf, roomKind, rooms, type NotesRoom, type QuestionRoom, type Room } from '../../shared/rooms.js';
import type { Deps } from '../deps.js';
import { actorOfDigest, type Actor } from '../domain/actor.js';
import { canSeeNotes, canSubscribe, queuesHeardBy } from '../domain/policies.js';
import type { ChangeRecord, QuestionRecord } from '../stores/types.js';
import type { KefuServer, KefuSocket } from './types.js';

export type { KefuServer };

/**
 * A device session's room, named from the session's stored digest (never the token: room names
 * travel through Redis and show up in debugging output), so code holding only the digest finds it.
 */
export const deviceRoomOf = (sessionDigest: string) => rooms.device(sessionDigest.slice(0, 32));

/** The rooms a socket of this actor joins by itself, question rooms aside. */
export function roomsFor(actor: Actor): Room[] {
  const joined: Room[] = [rooms.user(actor.userId), deviceRoomOf(actor.session.digest)];
  if (actor.agent) joined.push(rooms.agent(actor.agent.servId), ...queuesHeardBy(actor).map(rooms.queue));
  return joined;
}

/** The room whose local sockets a change concerns. */
function roomOfChange(change: Pick<ChangeRecord, 'kind' | 'key'>): Room {
  switch (change.kind) {
    case 'session':
      return deviceRoomOf(change.key);
    case 'agent':
      return rooms.agent(change.key);
    case 'app':
      return rooms.queue(change.key);
  }
}

/** This node's sockets in a room (no cross-node lookup: every node runs this for its own). */
function localSocketsIn(io: KefuServer, room: Room): KefuSocket[] {
  const namespace = io.of('/');
  const ids = namespace.adapter.rooms.get(room);
  return [...(ids ?? [])].flatMap((id) => namespace.sockets.get(id) ?? []);
}

/** Re-homes every local socket a change concerns. */
export async function rehomeSocketsOf(io: KefuServer, deps: Deps, change: Pick<ChangeRecord, 'kind' | 'key'>): Promise<void> {
  const questions = new Map<string, Promise<QuestionRecord | null>>();
  for (const socket of localSocketsIn(io, roomOfChange(change))) await rehomeSocket(socket, deps, questions);
}

/**
 * Puts one socket in exactly the rooms its session may hear now: it leaves agent and queue rooms it
 * lost and question rooms it may no longer read, joins the ones it gained, and is disconnected when
 * its session is gone. `questions` caches question reads across the sockets of one change (the
 * check itself is per socket: two sockets of one change may be different actors).
 */
async function rehomeSocket(socket: KefuSocket, deps: Deps, questions: Map<string, Promise<QuestionRecord | null>>): Promise<void> {
  const actor = await actorOfDigest(deps, socket.data.sessionDigest);
  if (!actor) {
    socket.disconnect(true);
    return;
  }
  const wanted = new Set<Room>(roomsFor(actor));
  const leave: Room[] = [];
  const questionOf = (id: string) => {
    if (!questions.has(id)) questions.set(id, deps.store.conversations.getQuestion(id));
    return questions.get(id)!;
  };
  for (const room of socket.rooms) {
    const kind = roomKind(room);
    if ((kind === 'agent' || kind === 'queue' || kind === 'user') && !wanted.has(room as Room)) leave.push(room as Room);
    if (kind === 'question') {
      const question = await questionOf(questionIdOf(room as QuestionRoom));
      if (!question || !canSubscribe(actor, question)) leave.push(room as Room);
      // A followed question's notes come with the right to see them (a binding gained), not before.
      else if (canSeeNotes(actor, question)) wanted.add(rooms.notes(question.id));
    }
    if (kind === 'notes') {
      const question = await questionOf(questionIdOf(room as NotesRoom));
      if (!question || !canSeeNotes(actor, question)) leave.push(room as Room);
    }
  }
  for (const room of leave) socket.leave(room);
  const join = [...wanted].filter((room) => !socket.rooms.has(room));
  if (join.length) socket.join(join);
}
