/**
 * The authorization matrix over Socket.IO: every client → server event (the ack each column gets)
 * and every server → client event (who receives it and who must not), against the same columns as
 * the HTTP matrix. The unbound column is a device that was connected while bound to the serving
 * agent and then logged out with /serv/unbind, its socket still open.
 *
 * An absence is asserted after a barrier, never a sleep: once the expected receivers have the event
 * (one emit reaches all its rooms at once), a round trip on each other socket proves nothing of it
 * is still on its way.
 */
import assert from 'node:assert/strict';
import type { ErrorCode } from '../../shared/errors.js';
import { rooms } from '../../shared/rooms.js';
import { deviceRoomOf } from '../../server/realtime/deviceRooms.js';
import { eventually } from '../realtime/util.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { connectSocket, recordedSocket, type Recorded, type ServerEvent, type TestSocket } from '../support/sockets.js';
import {
  COLUMN_ORDER,
  COLUMNS,
  SESSION_COLUMNS,
  callerOf,
  cells,
  createCast,
  createWorld,
  describeCode,
  device,
  everyColumn,
  questionIn,
  unbind,
  type Cast,
  type Column,
  type QuestionState,
  type SessionColumn,
  type World,
} from './matrixWorld.js';

/** One row's world: fresh users, one open socket per session column, the row's question. */
interface Scene {
  w: World;
  sockets: Record<SessionColumn, Recorded>;
  questionId: string;
}

type AckExpect = 200 | ErrorCode;

interface EmitRow {
  title: string;
  question?: QuestionState;
  /** Emits as the socket; resolves with the ack. */
  emit: (socket: TestSocket, x: Scene) => Promise<{ status: number; error?: string }>;
  /** The emit may add messages: a refusal must leave the question's messages as they were. */
  sends?: boolean;
  expect: Record<SessionColumn, AckExpect>;
}

interface ReceiveRow {
  event: ServerEvent;
  how: string;
  question?: QuestionState;
  /** Every socket asks question:subscribe first (refusals included). */
  subscribe?: boolean;
  /** Makes the event happen; resolves with what picks out its copies (and no earlier event). */
  trigger: (x: Scene) => Promise<(payload: any) => boolean>;
  receivers: SessionColumn[];
}

const ack = cells<AckExpect>;
const ref = (x: Scene) => ({ question_id: x.questionId });

// Column order of every `ack(…)` below:
//   asker        same-app user  other-app user  serving agent  colleague         foreign agent  unbound
const EMIT_ROWS: EmitRow[] = [
  {
    title: 'question:subscribe',
    question: 'inProgress',
    emit: (s, x) => s.emitWithAck('question:subscribe', ref(x)),
    expect: ack(200, 'forbidden', 'forbidden', 200, 200, 'forbidden', 'forbidden'),
  },
  // Leaving a room one is not in is harmless; the API document promises 200 for any well-formed payload.
  {
    title: 'question:unsubscribe',
    question: 'inProgress',
    emit: (s, x) => s.emitWithAck('question:unsubscribe', ref(x)),
    expect: everyColumn<AckExpect>(200),
  },
  // sender / sender_type default to the socket's identity: the unbound device is a plain user now.
  {
    title: 'message:send_text',
    question: 'inProgress',
    sends: true,
    emit: (s, x) => s.emitWithAck('message:send_text', { ...ref(x), text: 'hello' }),
    expect: ack(200, 'forbidden', 'forbidden', 200, 'question_taken', 'forbidden', 'forbidden'),
  },
  {
    title: 'message:send_text (claiming to be the serving agent)',
    question: 'inProgress',
    sends: true,
    emit: (s, x) => s.emitWithAck('message:send_text', { ...ref(x), text: 'hello', sender: x.w.serving.servId, sender_type: 2 }),
    expect: ack('sender_mismatch', 'sender_mismatch', 'sender_mismatch', 200, 'sender_mismatch', 'sender_mismatch', 'sender_mismatch'),
  },
  // silent: typing is refused (forbidden) to readers who are neither the asker nor the serving agent.
  {
    title: 'typing',
    question: 'inProgress',
    emit: (s, x) => s.emitWithAck('typing', ref(x)),
    expect: ack(200, 'forbidden', 'forbidden', 200, 'forbidden', 'forbidden', 'forbidden'),
  },
];

const post = async (x: Scene, path: string, body: Record<string, unknown>) => {
  const reply = await x.w.f.api.post(path, body);
  assert.equal(reply.status, 200, reply.text);
};
const servingSays = (x: Scene, path: string, action: number) =>
  post(x, `/v1/question/${x.questionId}/${path}`, { session: x.w.serving.session, serv_id: x.w.serving.servId }).then(
    () => (p: any) => p.question_id === x.questionId && p.action === action,
  );
const userSends = async (x: Scene) => {
  const reply = await x.w.f.sendText(x.questionId, x.w.asker, 'hi');
  assert.equal(reply.status, 200, reply.text);
  return (p: any) => p.message?.message_id === reply.body.message_id;
};
const typesAs = (column: 'asker' | 'servingAgent', sender: (x: Scene) => string) => async (x: Scene) => {
  assert.equal((await x.sockets[column].socket.emitWithAck('typing', ref(x))).status, 200);
  return (p: any) => p.question_id === x.questionId && p.sender === sender(x);
};

const RECEIVE_ROWS: ReceiveRow[] = [
  {
    event: 'message:new',
    how: 'the user sends a text; nobody subscribed',
    question: 'inProgress',
    trigger: userSends,
    receivers: ['asker', 'servingAgent'],
  },
  {
    event: 'message:new',
    how: 'the user sends a text; everyone asked to subscribe',
    question: 'inProgress',
    subscribe: true,
    trigger: userSends,
    receivers: ['asker', 'servingAgent', 'colleague'],
  },
  {
    event: 'question:updated',
    how: 'the serving agent finishes; nobody subscribed',
    question: 'inProgress',
    trigger: (x) => servingSays(x, 'finish', 4),
    receivers: ['asker', 'servingAgent'],
  },
  {
    event: 'question:updated',
    how: 'the serving agent quits; everyone asked to subscribe',
    question: 'inProgress',
    subscribe: true,
    trigger: (x) => servingSays(x, 'quit', 2),
    receivers: ['asker', 'servingAgent', 'colleague'],
  },
  {
    event: 'queue:added',
    how: 'the user asks a question',
    trigger: (x) => x.w.f.question(x.w.asker).then((id) => (p: any) => p.question?.question_id === id),
    receivers: ['servingAgent', 'colleague'],
  },
  {
    event: 'queue:removed',
    how: 'the colleague serves a pending question',
    question: 'pending',
    trigger: (x) => x.w.f.serve(x.questionId, x.w.colleague).then(() => (p: any) => p.question_id === x.questionId),
    receivers: ['servingAgent', 'colleague'],
  },
  // Typing goes to the other party only: never to question rooms, never back to the typist.
  {
    event: 'typing',
    how: 'the user types; everyone asked to subscribe',
    question: 'inProgress',
    subscribe: true,
    trigger: typesAs('asker', (x) => x.w.asker.userId),
    receivers: ['servingAgent'],
  },
  {
    event: 'typing',
    how: 'the serving agent types; everyone asked to subscribe',
    question: 'inProgress',
    subscribe: true,
    trigger: typesAs('servingAgent', (x) => x.w.serving.servId),
    receivers: ['asker'],
  },
];

describe('authorization matrix: sockets', () => {
  let server: TestServer;
  let cast: Cast;

  before(async () => {
    server = await startTestServer();
    cast = await createCast(server);
  });
  after(() => server.stop());

  const roomsOf = async (session: string) => {
    const sockets = await server.realtime.io.in(deviceRoomOf(session)).fetchSockets();
    return sockets.flatMap((s) => [...s.rooms]);
  };

  /** Fresh users and sockets; the unbound device connects while bound, then logs out. */
  async function openScene(state?: QuestionState): Promise<Scene> {
    const unbound = await device(cast, cast.app, cast.serving);
    const w = await createWorld(cast, { unbound });
    const questionId = state ? await questionIn(w, state) : '';
    const sockets = {} as Record<SessionColumn, Recorded>;
    for (const column of SESSION_COLUMNS) sockets[column] = await recordedSocket(server.url, callerOf(w, column).session!);
    await unbind(cast, unbound);
    await eventually(
      async () => !(await roomsOf(unbound)).some((r) => r === rooms.agent(cast.serving.servId) || r.startsWith('queue:')),
      5000,
      'the unbound device left the agent and queue rooms',
    );
    assert.ok(sockets.unbound.socket.connected, 'the unbound device stays connected');
    return { w, sockets, questionId };
  }

  const closeScene = (scene: Scene | undefined) => scene && Object.values(scene.sockets).forEach((s) => s.close());

  /** The no-session and revoked-session cells: the handshake itself is refused. */
  async function assertRefusedHandshake(scene: Scene, column: Column): Promise<void> {
    const session = column === 'revoked' ? scene.w.revoked : undefined;
    const error = await connectSocket(server.url, session).then(
      (s) => (s.close(), assert.fail('connected')),
      (e: Error) => e,
    );
    assert.equal(error.message, 'session_invalid');
  }

  const refusedHandshake = 'connect_error session_invalid';

  describe('handshake', () => {
    let scene: Scene;
    before(async () => (scene = await openScene()));
    after(() => closeScene(scene));
    for (const column of COLUMN_ORDER) {
      const connects = column !== 'none' && column !== 'revoked';
      it(`connect × ${COLUMNS[column]} → ${connects ? 'connected' : refusedHandshake}`, async () => {
        if (!connects) return assertRefusedHandshake(scene, column);
        const socket = await connectSocket(server.url, callerOf(scene.w, column).session);
        assert.ok(socket.connected);
        socket.close();
      });
    }
  });

  for (const row of EMIT_ROWS) {
    describe(row.title, () => {
      let scene: Scene;
      before(async () => (scene = await openScene(row.question)));
      after(() => closeScene(scene));
      const messagesOf = async () => {
        const messages = await server.deps.store.listMessages(scene.questionId, { num: 50, offset: 0, sort: 1 });
        return messages.map((m) => m.id);
      };

      for (const column of COLUMN_ORDER) {
        if (column === 'none' || column === 'revoked') {
          it(`${row.title} × ${COLUMNS[column]} → ${refusedHandshake}`, () => assertRefusedHandshake(scene, column));
          continue;
        }
        const expected = row.expect[column];
        it(`${row.title} × ${COLUMNS[column]} → ack ${expected === 200 ? '200' : describeCode(expected)}`, async () => {
          const before = row.sends ? await messagesOf() : [];
          const reply = await row.emit(scene.sockets[column].socket, scene);
          if (expected === 200) return assert.equal(reply.status, 200, JSON.stringify(reply));
          assert.equal(reply.error, expected, JSON.stringify(reply));
          if (row.sends) assert.deepEqual(await messagesOf(), before, 'a refused send stored a message');
        });
      }
    });
  }

  for (const row of RECEIVE_ROWS) {
    const title = `${row.event} (${row.how})`;
    describe(title, () => {
      let scene: Scene;
      let isTheEvent: (payload: any) => boolean = () => false;
      before(async () => {
        scene = await openScene(row.question);
        const all = Object.values(scene.sockets);
        if (row.subscribe) await Promise.all(all.map((s) => s.socket.emitWithAck('question:subscribe', ref(scene))));
        isTheEvent = await row.trigger(scene);
        // Barrier: the receivers' copies arrived (or timed out, failing their own cells), then a round trip on every socket.
        await Promise.allSettled(row.receivers.map((c) => scene.sockets[c].waitFor(row.event, isTheEvent)));
        await Promise.all(all.map((s) => s.flush()));
      });
      after(() => closeScene(scene));

      for (const column of COLUMN_ORDER) {
        if (column === 'none' || column === 'revoked') {
          it(`${title} × ${COLUMNS[column]} → ${refusedHandshake}`, () => assertRefusedHandshake(scene, column));
          continue;
        }
        const receives = row.receivers.includes(column);
        it(`${title} × ${COLUMNS[column]} → ${receives ? 'receives' : 'does not receive'}`, async () => {
          const got = scene.sockets[column].all(row.event).filter((p: any) => p.invalid !== undefined || isTheEvent(p));
          if (!receives) return assert.deepEqual(got, [], `must not receive ${row.event}`);
          assert.equal(got.length, 1, `exactly one ${row.event}: ${JSON.stringify(got)}`);
          assert.equal((got[0] as any).invalid, undefined, JSON.stringify(got[0]));
        });
      }
    });
  }
});
