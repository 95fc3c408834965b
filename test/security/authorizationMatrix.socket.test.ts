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
import { rooms } from '../../shared/rooms.js';
import { deviceRoomOf } from '../../server/realtime/deviceRooms.js';
import { eventually } from '../support/eventually.js';
import { useTestServer } from '../support/server.js';
import { connectSocket, recordedSocket, type Recorded } from '../support/sockets.js';
import {
  COLUMN_ORDER,
  COLUMNS,
  SESSION_COLUMNS,
  callerOf,
  createCast,
  createWorld,
  describeCode,
  device,
  questionIn,
  unbind,
  type Cast,
  type Column,
  type QuestionState,
  type SessionColumn,
} from './matrixWorld.js';
import { EMIT_ROWS, RECEIVE_ROWS, ref, type Scene } from './socketRows.js';
import { sessionDigest } from '../../server/domain/sessionTokens.js';

describe('authorization matrix: sockets', () => {
  const { server } = useTestServer();
  let cast: Cast;

  before(async () => {
    cast = await createCast(server);
  });

  const roomsOf = async (session: string) => {
    const sockets = await server.realtime.io.in(deviceRoomOf(sessionDigest(session))).fetchSockets();
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
    // The rooms follow the unbind asynchronously: wait for that, but without failing here, so a
    // socket that stays in the agent's rooms fails its own cells ("unbound … → does not receive").
    await eventually(
      async () => !(await roomsOf(unbound)).some((r) => r === rooms.agent(cast.serving.servId) || r.startsWith('queue:')),
      'the unbound device leaving its agent rooms',
      3000,
    ).catch(() => {});
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
        const messages = await server.deps.store.conversations.listMessages(scene.questionId, { num: 50, offset: 0, sort: 1 });
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
