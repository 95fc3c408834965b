/**
 * The client → server half of the real-time contract on one node: handshake auth, subscribe /
 * unsubscribe refusals, message:send_text acks that equal the REST replies, payload validation.
 */
import assert from 'node:assert/strict';
import { errorReply } from '../../shared/schemas/responses.js';
import { useTestServer } from '../support/server.js';
import { connectSocket, record, recordedSocket, type Recorded } from '../support/sockets.js';

const MISSING = 'ffffffffffffffffffffffff';

describe('real time: handshake and client events', () => {
  const { server, f } = useTestServer();
  const open: Recorded[] = [];
  const connect = async (session: string) => {
    const socket = await recordedSocket(server.url, session);
    open.push(socket);
    return socket;
  };

  afterEach(() => open.splice(0).forEach((s) => s.close()));

  describe('handshake', () => {
    for (const [name, session] of [
      ['missing', undefined],
      ['malformed', 'short'],
      ['unknown', 'AAAAAAAAAAAA'],
      ['not a string', 123456789012],
    ] as const) {
      it(`refuses a ${name} session with session_invalid`, async () => {
        const error = await connectSocket(server.url, session).then(
          () => assert.fail('connected'),
          (e: Error & { data?: unknown }) => e,
        );
        assert.equal(error.message, 'session_invalid');
        assert.deepEqual(error.data, { error: 'session_invalid' });
      });
    }

    it('accepts a valid user session and an agent session', async () => {
      const user = await f.user();
      const agent = await f.agent();
      assert.ok((await connect(user.session)).socket.connected);
      assert.ok((await connect(agent.session)).socket.connected);
    });
  });

  describe('question:subscribe', () => {
    it('lets the asker and any agent of the app subscribe', async () => {
      const user = await f.user();
      const agent = await f.agent({ identifies: [user.identify] });
      const id = await f.question(user);
      for (const session of [user.session, agent.session]) {
        const s = await connect(session);
        assert.deepEqual(await s.socket.emitWithAck('question:subscribe', { question_id: id }), { status: 200 });
        assert.deepEqual(await s.socket.emitWithAck('question:unsubscribe', { question_id: id }), { status: 200 });
      }
    });

    it('refuses what REST refuses: another user, an agent of another app, an unknown question', async () => {
      const user = await f.user();
      const id = await f.question(user);
      const strangerSession = (await f.user({ identify: user.identify })).session;
      const foreignSession = (await f.agent()).session;
      const stranger = await connect(strangerSession);
      for (const session of [strangerSession, foreignSession]) {
        const s = session === strangerSession ? stranger : await connect(session);
        const ack = await s.socket.emitWithAck('question:subscribe', { question_id: id });
        const rest = await f.api.get(`/v1/question/${id}/message`, {}, { session });
        assert.deepEqual(ack, rest.body);
        assert.deepEqual(errorReply.parse(ack), { status: 300, error: 'forbidden', field: 'question_id', debug: 'not your question' });
      }
      const ack = await stranger.socket.emitWithAck('question:subscribe', { question_id: MISSING });
      assert.equal(ack.status, 300);
      assert.equal((ack as { error: string }).error, 'question_not_found');
    });

    it('answers param errors for malformed payloads, and the connection survives', async () => {
      const s = await connect((await f.user()).session);
      const cases: Array<[unknown, string, string | undefined]> = [
        [{}, 'param_missing', 'question_id'],
        [{ question_id: 'nope' }, 'param_invalid', 'question_id'],
        [{ question_id: { $gt: '' } }, 'param_invalid', 'question_id'],
        ['a string', 'param_invalid', undefined],
        [null, 'param_invalid', undefined],
        [[1, 2], 'param_invalid', undefined],
      ];
      for (const [payload, error, field] of cases) {
        const ack: any = await s.socket.emitWithAck('question:subscribe', payload as never);
        assert.equal(ack.status, 300, JSON.stringify(payload));
        assert.equal(ack.error, error, JSON.stringify(payload));
        assert.equal(ack.field, field, JSON.stringify(payload));
      }
      // No ack callback at all: nothing to answer, nothing breaks.
      (s.socket as unknown as { emit(event: string, payload: unknown): void }).emit('question:subscribe', { question_id: 'x' });
      await s.flush();
      assert.ok(s.socket.connected);
    });
  });

  describe('message:send_text', () => {
    it('acks exactly the REST reply and stores the message', async () => {
      const { user, agent, questionId } = await f.servedQuestion();
      const u = await connect(user.session);
      const a = await connect(agent.session);
      const ack: any = await u.socket.emitWithAck('message:send_text', { question_id: questionId, text: 'from the user' });
      assert.deepEqual(Object.keys(ack).sort(), ['message_id', 'status']);
      assert.equal(ack.status, 200);
      const agentAck: any = await a.socket.emitWithAck('message:send_text', { question_id: questionId, text: 'from the agent' });
      assert.equal(agentAck.status, 200);
      const list = await f.api.get(`/v1/question/${questionId}/message`, { sort: 1 }, { session: user.session });
      const texts = list.body.messages.filter((m: any) => m.type === 3);
      assert.deepEqual(
        texts.map((m: any) => [m.message_id, m.sender, m.sender_type, m.text]),
        [
          [ack.message_id, user.userId, 1, 'from the user'],
          [agentAck.message_id, agent.servId, 2, 'from the agent'],
        ],
      );
    });

    it('is idempotent with client_msg_id, like REST', async () => {
      const { user, questionId } = await f.servedQuestion();
      const u = await connect(user.session);
      const payload = { question_id: questionId, text: 'once', client_msg_id: 'c-1' };
      const first: any = await u.socket.emitWithAck('message:send_text', payload);
      const again: any = await u.socket.emitWithAck('message:send_text', payload);
      assert.equal(again.message_id, first.message_id);
    });

    it('refuses with the same envelopes as REST', async () => {
      const { user, agent, questionId } = await f.servedQuestion();
      const other = await f.agent({ identifies: [user.identify] });
      const pendingId = await f.question(user);
      const u = await connect(user.session);
      const o = await connect(other.session);
      const cases: Array<[Recorded, Record<string, unknown>]> = [
        [u, { question_id: MISSING, text: 'x' }],
        [u, { question_id: questionId }],
        [u, { question_id: questionId, text: '' }],
        [u, { question_id: questionId, text: 'x'.repeat(4001) }],
        [u, { question_id: questionId, text: 'x', sender: 'someone-else' }],
        [u, { question_id: questionId, text: 'x', sender_type: 3 }],
        [o, { question_id: questionId, text: 'x' }],
        [o, { question_id: pendingId, text: 'x' }],
      ];
      for (const [socket, payload] of cases) {
        const session = socket === u ? user.session : other.session;
        const rest = await f.api.post(`/v1/question/${payload.question_id}/message/send_text`, {
          session,
          sender: socket === u ? user.userId : other.servId,
          sender_type: socket === u ? 1 : 2,
          ...payload,
        });
        const ack = await socket.socket.emitWithAck('message:send_text', payload as never);
        assert.deepEqual(ack, rest.body, JSON.stringify(payload));
        assert.equal(rest.body.status, 300, JSON.stringify(payload));
      }
      void agent;
    });
  });

  describe('typing', () => {
    it('is refused to someone who is neither the asker nor the serving agent', async () => {
      const { user, questionId } = await f.servedQuestion();
      const other = await connect((await f.agent({ identifies: [user.identify] })).session);
      const ack: any = await other.socket.emitWithAck('typing', { question_id: questionId });
      assert.equal(ack.error, 'forbidden');
    });
  });

  it('keeps a connection that sends a non-event packet shape', async () => {
    const s = record(await connectSocket(server.url, (await f.user()).session));
    open.push(s);
    (s.socket as any).emit('no:such:event', { a: 1 });
    await s.flush();
    assert.ok(s.socket.connected);
  });
});
