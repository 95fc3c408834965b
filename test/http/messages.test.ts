import assert from 'node:assert/strict';
import { messageIdReply, messagesReply } from '../../shared/schemas/responses.js';
import { assertError, assertOk } from '../support/envelope.js';
import type { TestAgent, TestUser } from '../support/factories.js';
import { nowS, questionHelpers } from '../support/questions.js';
import { useTestServer } from '../support/server.js';

describe('messages: GET /question/<id>/message and POST …/message/send_text', () => {
  const { f } = useTestServer();
  const h = questionHelpers(f);

  const send = (q: string, body: Record<string, unknown>, options: { form?: boolean } = {}) =>
    f.api.post(`/v1/question/${q}/message/send_text`, body, options);
  const asUser = (u: TestUser, text = 'hi') => ({ session: u.session, sender: u.userId, sender_type: 1, text });
  const asAgent = (a: TestAgent, text = 'hi') => ({ session: a.session, sender: a.servId, sender_type: 2, text });

  describe('GET /question/<id>/message', () => {
    it('lists every message field by field, newest first by default', async () => {
      const user = await f.user();
      const agent = await f.agent({ identifies: [user.identify] });
      const q = await f.question(user);
      const t0 = nowS();
      const m1 = assertOk(await f.sendText(q, user, '你好\n第二行'), messageIdReply).message_id;
      const n2 = await f.serve(q, agent);
      const m3 = assertOk(await f.sendText(q, agent, 'Hello <b>&</b>'), messageIdReply).message_id;
      const t1 = nowS();
      const messages = assertOk(await h.messages(q, user), messagesReply).messages;
      for (const m of messages) assert.ok(m.timestamp >= t0 && m.timestamp <= t1, String(m.timestamp));
      assert.deepEqual(
        messages.map(({ timestamp: _t, ...m }) => m),
        [
          { message_id: m3, sender: agent.servId, sender_type: 2, type: 3, text: 'Hello <b>&</b>', seq: 3 },
          { message_id: n2, sender: agent.servId, sender_type: 2, type: 4, action: 1, seq: 2 },
          { message_id: m1, sender: user.userId, sender_type: 1, type: 3, text: '你好\n第二行', seq: 1 },
        ],
      );
      assert.ok(messages[0]!.timestamp >= messages[1]!.timestamp && messages[1]!.timestamp >= messages[2]!.timestamp);
    });

    it("may be read by the asker and by any agent of the question's app, with or without a matching identify", async () => {
      const { user, questionId: q } = await f.servedQuestion();
      const bystander = await f.agent({ identifies: [user.identify] });
      for (const reader of [user, bystander]) {
        assert.equal(assertOk(await h.messages(q, reader), messagesReply).messages.length, 1);
        assert.equal(assertOk(await h.messages(q, reader, { identify: user.identify }), messagesReply).messages.length, 1);
      }
    });

    it('refuses other users, agents of other apps, and a foreign identify', async () => {
      const { user, questionId: q } = await f.servedQuestion();
      assertError(await h.messages(q, await f.user({ identify: user.identify })), 'forbidden', 'question_id');
      assertError(await h.messages(q, await f.agent()), 'forbidden', 'question_id');
      assertError(await h.messages(q, user, { identify: await f.app() }), 'question_not_found', 'identify');
    });

    it('answers 404 / 400 for unknown or malformed ids and cursors, 400/401 without a session', async () => {
      const { user, questionId: q } = await f.servedQuestion();
      const other = await f.servedQuestion();
      const foreign = assertOk(await h.messages(other.questionId, other.user), messagesReply).messages[0]!.message_id;
      assertError(await h.messages('0123456789abcdef01234567', user), 'question_not_found', 'question_id');
      assertError(await h.messages('nope', user), 'param_invalid', 'question_id');
      assertError(await h.messages(q, user, { message_id: foreign }), 'param_invalid', 'message_id');
      assertError(await h.messages(q, user, { message_id: '0123456789abcdef01234567' }), 'param_invalid', 'message_id');
      assertError(await h.messages(q, user, { message_id: 'zz' }), 'param_invalid', 'message_id');
      assertError(await f.api.get(`/v1/question/${q}/message`), 'param_missing', 'session');
      assertError(await f.api.get(`/v1/question/${q}/message`, { session: 'BBBBBBBBBBBB' }), 'session_invalid', 'session');
    });
  });

  describe('send_text: who may send when', () => {
    it('lets the user send while pending and in progress, the serving agent while in progress', async () => {
      const user = await f.user();
      const agent = await f.agent({ identifies: [user.identify] });
      const q = await f.question(user);
      const a = assertOk(await send(q, asUser(user, 'pending')), messageIdReply).message_id;
      await f.serve(q, agent);
      const b = assertOk(await send(q, { ...asUser(user, 'form'), sender_type: '1' }, { form: true }), messageIdReply).message_id;
      const c = assertOk(await send(q, asAgent(agent, 'x'.repeat(4000))), messageIdReply).message_id;
      const messages = await h.allMessages(q, agent);
      assert.deepEqual(messages.map((m) => [m.message_id, m.seq]).filter(([id]) => [a, b, c].includes(id as string)), [[a, 1], [b, 3], [c, 4]]);
      const long = await h.message(q, user, c);
      assert.deepEqual([long.type, long.sender, long.sender_type, long.type === 3 && long.text.length], [3, agent.servId, 2, 4000]);
    });

    it('refuses everyone once resolved: 409 question_finished', async () => {
      const { user, agent, questionId: q } = await f.servedQuestion();
      assertOk(await h.agentAction(q, 'finish', agent), messageIdReply);
      assertError(await send(q, asUser(user)), 'question_finished');
      assertError(await send(q, asAgent(agent)), 'question_finished');
    });

    it('refuses agents that do not serve it: question_not_started while pending, question_taken when another serves', async () => {
      const { user, agent, questionId: q } = await f.servedQuestion();
      const colleague = await f.agent({ identifies: [user.identify] });
      assertError(await send(q, asAgent(colleague)), 'question_taken');
      const pending = await f.question(user);
      assertError(await send(pending, asAgent(colleague)), 'question_not_started');
      assertOk(await h.agentAction(q, 'quit', agent), messageIdReply);
      assertError(await send(q, asAgent(agent)), 'question_not_started');
      assertOk(await send(q, asUser(user, 'still there?')), messageIdReply);
    });

    it('answers 403 sender_mismatch when sender / sender_type are not the session', async () => {
      const { user, agent, questionId: q } = await f.servedQuestion();
      assertError(await send(q, { ...asUser(user), sender: 'someone-else' }), 'sender_mismatch', 'sender');
      assertError(await send(q, { ...asUser(user), sender_type: 2 }), 'sender_mismatch', 'sender');
      assertError(await send(q, { ...asUser(user), sender: agent.servId, sender_type: 2 }), 'sender_mismatch', 'sender');
      assertError(await send(q, { ...asAgent(agent), sender: user.userId, sender_type: 1 }), 'sender_mismatch', 'sender');
      const unbind = await f.api.post('/v1/serv/unbind', { session: agent.session, serv_id: agent.servId, password: agent.password });
      assert.equal(unbind.status, 200, unbind.text);
      assertError(await send(q, asAgent(agent)), 'sender_mismatch', 'sender');
      assert.equal((await h.allMessages(q, user)).length, 1);
    });

    it("refuses other users and agents of other apps: 403 forbidden", async () => {
      const { user, questionId: q } = await f.servedQuestion();
      assertError(await send(q, asUser(await f.user({ identify: user.identify }))), 'forbidden', 'question_id');
      assertError(await send(q, asAgent(await f.agent())), 'forbidden', 'question_id');
    });
  });

  describe('send_text: parameters', () => {
    let user: TestUser;
    let q: string;
    before(async () => {
      user = await f.user();
      q = await f.question(user);
    });

    const cases: Array<[string, Record<string, unknown>, 'param_missing' | 'param_invalid', string]> = [
      ['no text', { text: undefined }, 'param_missing', 'text'],
      ['an empty text', { text: '' }, 'param_missing', 'text'],
      ['a text of 4001 characters', { text: 'x'.repeat(4001) }, 'param_invalid', 'text'],
      ['a control character', { text: 'a\u0007b' }, 'param_invalid', 'text'],
      ['a numeric text', { text: 5 }, 'param_invalid', 'text'],
      ['no sender', { sender: undefined }, 'param_missing', 'sender'],
      ['no sender_type', { sender_type: undefined }, 'param_missing', 'sender_type'],
      ['sender_type 3', { sender_type: 3 }, 'param_invalid', 'sender_type'],
      ['sender_type "user"', { sender_type: 'user' }, 'param_invalid', 'sender_type'],
      ['a client_msg_id of 65 characters', { client_msg_id: 'c'.repeat(65) }, 'param_invalid', 'client_msg_id'],
    ];
    for (const [name, patch, code, field] of cases) {
      it(`answers 400 ${code} ${field} for ${name}`, async () => {
        assertError(await send(q, { ...asUser(user), ...patch }), code, field);
      });
    }

    it('answers 404 question_not_found / 400 param_invalid question_id / 401 session_invalid', async () => {
      assertError(await send('0123456789abcdef01234567', asUser(user)), 'question_not_found', 'question_id');
      assertError(await send('0123', asUser(user)), 'param_invalid', 'question_id');
      assertError(await send(q, { ...asUser(user), session: 'CCCCCCCCCCCC' }), 'session_invalid', 'session');
      assert.equal((await h.allMessages(q, user)).length, 0);
    });
  });

  describe('send_text: client_msg_id', () => {
    it('answers a retry with the first message and stores it once', async () => {
      const { user, agent, questionId: q } = await f.servedQuestion();
      const first = assertOk(await send(q, { ...asUser(user, 'once'), client_msg_id: 'c-1' }), messageIdReply);
      const retry = assertOk(await send(q, { ...asUser(user, 'once'), client_msg_id: 'c-1' }), messageIdReply);
      assert.equal(retry.message_id, first.message_id);
      const other = assertOk(await send(q, { ...asUser(user, 'twice'), client_msg_id: 'c-2' }), messageIdReply);
      assert.notEqual(other.message_id, first.message_id);
      // The same id from another device session of the same user is another message.
      const device = { ...user, session: await f.session(user) };
      const third = assertOk(await send(q, { ...asUser(device, 'once'), client_msg_id: 'c-1' }), messageIdReply);
      assert.notEqual(third.message_id, first.message_id);
      const texts = (await h.allMessages(q, agent)).filter((m) => m.type === 3).map((m) => [m.seq, m.type === 3 && m.text]);
      assert.deepEqual(texts, [[2, 'once'], [3, 'twice'], [4, 'once']]);
    });

    it('answers a retry with the first message even after the question was finished', async () => {
      const { user, agent, questionId: q } = await f.servedQuestion();
      const first = assertOk(await send(q, { ...asUser(user), client_msg_id: 'late' }), messageIdReply);
      assertOk(await h.agentAction(q, 'finish', agent), messageIdReply);
      assert.equal(assertOk(await send(q, { ...asUser(user), client_msg_id: 'late' }), messageIdReply).message_id, first.message_id);
      assertError(await send(q, { ...asUser(user), client_msg_id: 'new' }), 'question_finished');
    });

    it('with a new client_msg_id, refuses by state exactly as without one', async () => {
      const { user, agent, questionId: q } = await f.servedQuestion();
      const colleague = await f.agent({ identifies: [user.identify] });
      assertError(await send(q, { ...asAgent(colleague), client_msg_id: 'n1' }), 'question_taken');
      assertError(await send(await f.question(user), { ...asAgent(agent), client_msg_id: 'n2' }), 'question_not_started');
      assertError(await send(q, { ...asUser(await f.user({ identify: user.identify })), client_msg_id: 'n3' }), 'forbidden', 'question_id');
      assertOk(await h.agentAction(q, 'finish', agent), messageIdReply);
      assertError(await send(q, { ...asUser(user), client_msg_id: 'n4' }), 'question_finished');
      assertError(await send(q, { ...asAgent(agent), client_msg_id: 'n5' }), 'question_finished');
      assert.equal((await h.allMessages(q, user)).length, 2);
    });

    it('refuses a client_msg_id already used on another question: 400 param_invalid client_msg_id', async () => {
      const user = await f.user();
      const qa = await f.question(user);
      const qb = await f.question(user);
      assertOk(await send(qa, { ...asUser(user, 'to A'), client_msg_id: 'k' }), messageIdReply);
      assertError(await send(qb, { ...asUser(user, 'to B'), client_msg_id: 'k' }), 'param_invalid', 'client_msg_id');
      assert.equal((await h.allMessages(qa, user)).length, 1);
      assert.equal((await h.allMessages(qb, user)).length, 0);
    });
  });
});
