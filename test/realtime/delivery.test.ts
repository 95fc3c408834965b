/**
 * The server → client half on one node: every event, who must receive it and who must not (the
 * asking user, the serving agent, another agent of the app, an agent of another app, a subscriber).
 * Absences are checked after a round trip on the silent socket (see Recorded.flush), not a sleep.
 */
import assert from 'node:assert/strict';
import type { TestAgent, TestUser } from '../support/factories.js';
import { useTestServer } from '../support/server.js';
import { recordedSocket, type Recorded, type ServerEvent } from '../support/sockets.js';

describe('real time: who receives which event', () => {
  const { server, f } = useTestServer();
  let user: TestUser;
  let serving: TestAgent;
  let u: Recorded; // the asking user
  let s: Recorded; // the agent that will serve
  let o: Recorded; // another agent of the same app, not subscribed
  let x: Recorded; // an agent of another app
  let sub: Recorded; // another agent of the app, subscribed to the question
  let questionId: string;

  beforeEach(async () => {
    user = await f.user();
    serving = await f.agent({ identifies: [user.identify] });
    const other = await f.agent({ identifies: [user.identify] });
    const watcher = await f.agent({ identifies: [user.identify] });
    const foreign = await f.agent();
    [u, s, o, x, sub] = await Promise.all(
      [user, serving, other, foreign, watcher].map((who) => recordedSocket(server.url, who.session)),
    );
  });
  afterEach(() => [u, s, o, x, sub].forEach((r) => r.close()));

  /** None of `sockets` received `event` about this question (after a round trip on each). */
  async function noneGot(sockets: Recorded[], event: ServerEvent) {
    for (const r of sockets) {
      await r.flush();
      const about = r.all(event).filter((p: any) => (p.question_id ?? p.question?.question_id) === questionId);
      assert.deepEqual(about, [], `${event} leaked`);
    }
  }

  async function ask() {
    questionId = await f.question(user, { title: 'Cannot log in' });
    assert.deepEqual(await sub.socket.emitWithAck('question:subscribe', { question_id: questionId }), { status: 200 });
  }

  it('queue:added goes to every agent of the app, and nobody else', async () => {
    await ask();
    const match = (p: any) => p.question.question_id === questionId;
    for (const r of [s, o, sub]) {
      const payload = await r.waitFor('queue:added', match);
      assert.equal(payload.identify, user.identify);
      assert.equal(payload.question.title, 'Cannot log in');
      assert.equal(payload.question.user_id, user.userId);
      assert.equal(payload.question.user_name, user.name);
    }
    await noneGot([u, x], 'queue:added');
  });

  it('serve: queue:removed to the queue; the notice and question:updated to user, agent and subscriber only', async () => {
    await ask();
    const noticeId = await f.serve(questionId, serving);
    for (const r of [s, o, sub]) {
      assert.deepEqual(await r.waitFor('queue:removed'), { question_id: questionId, identify: user.identify });
    }
    for (const r of [u, s, sub]) {
      const update = await r.waitFor('question:updated', (p) => p.question_id === questionId);
      assert.deepEqual(update, { question_id: questionId, status: 2, serv_id: serving.servId, action: 1 });
      const { message } = await r.waitFor('message:new', (p) => p.question_id === questionId);
      assert.equal(message.message_id, noticeId);
      assert.equal(message.type, 4);
      assert.equal(message.seq, 1);
    }
    await noneGot([u, x], 'queue:removed');
    await noneGot([o, x], 'question:updated');
    await noneGot([o, x], 'message:new');
  });

  it('message:new: a message reaches the user, the serving agent and subscribers exactly once', async () => {
    await ask();
    await f.serve(questionId, serving);
    const reply = await f.sendText(questionId, user, 'hello?');
    const agentReply = await s.socket.emitWithAck('message:send_text', { question_id: questionId, text: 'hi!' });
    assert.equal(agentReply.status, 200);
    for (const r of [u, s, sub]) {
      const first = await r.waitFor('message:new', (p) => p.message.message_id === reply.body.message_id);
      assert.deepEqual(first.message, { ...first.message, type: 3, text: 'hello?', sender: user.userId, sender_type: 1, seq: 2 });
      await r.waitFor('message:new', (p) => p.message.seq === 3 && p.message.text === 'hi!');
      await r.flush();
      const seqs = r.all('message:new').filter((p) => p.question_id === questionId).map((p) => p.message.seq);
      assert.deepEqual(seqs, [1, 2, 3]); // in several target rooms, still one copy each
    }
    await noneGot([o, x], 'message:new');
  });

  it('typing goes to the other party only', async () => {
    await ask();
    await f.serve(questionId, serving);
    const userSecondDevice = await recordedSocket(server.url, await f.session(user));
    try {
      u.socket.emit('typing', { question_id: questionId });
      assert.deepEqual(await s.waitFor('typing'), { question_id: questionId, sender: user.userId, sender_type: 1 });
      assert.deepEqual(await s.socket.emitWithAck('typing', { question_id: questionId }), { status: 200 });
      const expected = { question_id: questionId, sender: serving.servId, sender_type: 2 };
      assert.deepEqual(await u.waitFor('typing'), expected);
      assert.deepEqual(await userSecondDevice.waitFor('typing'), expected);
      await noneGot([o, x, sub], 'typing');
      await u.flush();
      assert.equal(u.all('typing').length, 1, 'the typist hears only the other party');
      await s.flush();
      assert.equal(s.all('typing').length, 1);
    } finally {
      userSecondDevice.close();
    }
  });

  it('quit puts it back in the queue and tells the agent that left; finish reaches both parties', async () => {
    await ask();
    await f.serve(questionId, serving);
    assert.deepEqual(await s.socket.emitWithAck('question:subscribe', { question_id: questionId }), { status: 200 });
    const quit = await f.api.post(`/v1/question/${questionId}/quit`, { session: serving.session, serv_id: serving.servId });
    assert.equal(quit.status, 200);
    for (const r of [u, s]) {
      await r.waitFor('question:updated', (p) => p.action === 2 && p.status === 1 && p.serv_id === null);
    }
    for (const r of [s, o]) await r.waitFor('queue:added', (p) => p.question.question_id === questionId);
    await noneGot([x, u], 'queue:added');

    // The agent that quit had subscribed: it no longer follows the conversation it left.
    await f.sendText(questionId, user, 'anyone there?');
    await u.waitFor('message:new', (p) => p.message.type === 3);
    await s.flush();
    assert.ok(!s.all('message:new').some((p) => p.question_id === questionId && p.message.type === 3), 'the agent that quit still got messages');

    const other = await f.agent({ identifies: [user.identify] });
    await f.serve(questionId, other);
    const finish = await f.api.post(`/v1/question/${questionId}/finish`, { session: other.session, serv_id: other.servId });
    assert.equal(finish.status, 200);
    const finished = await u.waitFor('question:updated', (p) => p.status === 3);
    assert.deepEqual(finished, { question_id: questionId, status: 3, serv_id: other.servId, action: 4 });
    const seqs = (await f.api.get(`/v1/question/${questionId}/message`, { sort: 1 }, { session: user.session })).body.messages.map((m: any) => m.seq);
    await u.waitFor('message:new', (p) => p.message.seq === seqs.at(-1));
    assert.deepEqual(u.all('message:new').map((p) => p.message.seq), seqs);
  });
});
