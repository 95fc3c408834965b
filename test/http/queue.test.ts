import assert from 'node:assert/strict';
import { questionTransitioner } from '../../server/domain/commands/questionTransitioner.js';
import { messageIdReply, summaryListReply } from '../../shared/schemas/responses.js';
import { assertError, assertOk } from '../support/envelope.js';
import type { Factories } from '../support/factories.js';
import { questionHelpers } from '../support/questions.js';
import { useTestServer } from '../support/server.js';

describe('GET /question/list (the pending queue)', () => {
  const { server, f } = useTestServer();
  const h = questionHelpers(f);

  const ids = async (...args: Parameters<typeof h.queueOf>) => (await h.queueOf(...args)).map((q) => q.question_id);

  it("lists only pending questions of the agent's apps, newest first", async () => {
    const user = await f.user();
    const stranger = await f.user(); // another app
    const agent = await f.agent({ identifies: [user.identify] });
    const other = await f.agent({ identifies: [user.identify] });
    const [q1, q2, q3, q4] = [await f.question(user), await f.question(user), await f.question(user), await f.question(user)];
    await f.question(stranger);
    await f.serve(q2!, other);
    await f.serve(q3!, other);
    assertOk(await h.agentAction(q3!, 'finish', other), messageIdReply);
    assert.deepEqual(await ids(agent), [q4, q1]);
    assert.deepEqual(await ids(agent, { sort: 1 }), [q1, q4]);
  });

  it('shows the last chat message (not notices) in last_mess_*', async () => {
    const user = await f.user();
    const agent = await f.agent({ identifies: [user.identify] });
    const q = await f.question(user, { title: 'no sound' });
    const sent = assertOk(await f.sendText(q, user, 'hello?'), messageIdReply);
    const m1 = await h.message(q, user, sent.message_id);
    let [summary] = await h.queueOf(agent);
    assert.equal(summary!.title, 'no sound');
    assert.equal(summary!.last_mess_text, 'hello?');
    assert.equal(summary!.last_mess_sender, user.userId);
    assert.equal(summary!.last_mess_sender_type, 1);
    assert.equal(summary!.last_mess_timestamp, m1.timestamp);
    assert.ok(summary!.last_mess_timestamp! >= summary!.timestamp);

    // Served, answered, then quit: back in the queue showing the agent's answer, not the notices.
    await f.serve(q, agent);
    const answer = assertOk(await f.sendText(q, agent, 'restart the app'), messageIdReply);
    assertOk(await h.agentAction(q, 'quit', agent), messageIdReply);
    const m2 = await h.message(q, user, answer.message_id);
    [summary] = await h.queueOf(agent);
    assert.equal(summary!.question_id, q);
    assert.equal(summary!.last_mess_text, 'restart the app');
    assert.equal(summary!.last_mess_sender, agent.servId);
    assert.equal(summary!.last_mess_sender_type, 2);
    assert.equal(summary!.last_mess_timestamp, m2.timestamp);
  });

  it('lists a question again after quit and after a reopen without an agent', async () => {
    const user = await f.user();
    const agent = await f.agent({ identifies: [user.identify] });
    const q = await f.question(user);
    await f.serve(q, agent);
    assert.deepEqual(await ids(agent), []);
    assertOk(await h.agentAction(q, 'quit', agent), messageIdReply);
    assert.deepEqual(await ids(agent), [q]);

    const q2 = await f.question(user);
    await questionTransitioner(server.deps, { name: 'timeOut', questionId: q2, actor: 'system' });
    assert.deepEqual(await ids(agent), [q]);
    assertOk(await h.userAction(q2, 'reopen', user), messageIdReply);
    assert.deepEqual(await ids(agent), [q2, q]);
  });

  describe('identify', () => {
    it('covers all apps of the agent without identify, one app with it', async () => {
      const a = await f.user();
      const b = await f.user();
      const agent = await f.agent({ identifies: [a.identify, b.identify] });
      const qa = await f.question(a);
      const qb = await f.question(b);
      assert.deepEqual(await ids(agent), [qb, qa]);
      assert.deepEqual(await ids(agent, { identify: a.identify }), [qa]);
      assert.deepEqual(await ids(agent, { identify: b.identify }), [qb]);
    });

    it('answers 403 forbidden identify for an app the agent does not serve', async () => {
      const agent = await f.agent();
      const otherApp = await f.app();
      assertError(await h.queue(agent, { identify: otherApp }), 'forbidden', 'identify');
      assertError(await h.queue(agent, { identify: 'com.nobody.app' }), 'forbidden', 'identify');
    });

    it('answers 400 param_invalid identify for a malformed app name', async () => {
      const agent = await f.agent();
      assertError(await h.queue(agent, { identify: 'bad app!' }), 'param_invalid', 'identify');
      assertError(await h.queue(agent, { identify: 'x'.repeat(81) }), 'param_invalid', 'identify');
    });
  });

  describe('label', () => {
    let agent: Awaited<ReturnType<Factories['agent']>>;
    let both: string;
    let code: string;
    before(async () => {
      const user = await f.user();
      agent = await f.agent({ identifies: [user.identify] });
      both = await f.question(user, { label: ['激活', '安卓4.3'] });
      code = await f.question(user, { label: ['激活码'] });
      await f.question(user);
    });

    it('filters by exact label equality', async () => {
      assert.deepEqual(await ids(agent, { label: '激活' }), [both]);
      assert.deepEqual(await ids(agent, { label: '安卓4.3' }), [both]);
      assert.deepEqual(await ids(agent, { label: '激活码' }), [code]);
      assert.deepEqual(await ids(agent, { label: '安卓' }), []);
      assert.deepEqual(await ids(agent, { label: '激活.*' }), []);
      assert.equal((await ids(agent)).length, 3);
    });

    it('answers 400 param_invalid label for label[$ne]=x and other operator shapes', async () => {
      const reply = await f.api.get('/v1/question/list?label[$ne]=x', undefined, { session: agent.session });
      assertError(reply, 'param_invalid', 'label');
      const regex = await f.api.get('/v1/question/list?label[$regex]=.*', undefined, { session: agent.session });
      assertError(regex, 'param_invalid', 'label');
    });

    it('answers 400 param_invalid label for a repeated or over-long label', async () => {
      assertError(await h.queue(agent, { label: ['激活', '激活码'] }), 'param_invalid', 'label');
      assertError(await h.queue(agent, { label: 'x'.repeat(51) }), 'param_invalid', 'label');
    });
  });

  describe('authorization', () => {
    it('answers 403 serv_not_bound to a user session', async () => {
      const user = await f.user();
      await f.question(user);
      assertError(await h.queue(user), 'serv_not_bound', 'session');
    });

    it('answers 403 serv_not_bound to a session whose agent logged out', async () => {
      const agent = await f.agent();
      const unbind = await f.api.post('/v1/serv/unbind', { session: agent.session, serv_id: agent.servId, password: agent.password });
      assert.equal(unbind.status, 200, unbind.text);
      assertError(await h.queue(agent), 'serv_not_bound', 'session');
    });

    it('answers 400 param_missing / 401 session_invalid without a valid session', async () => {
      assertError(await f.api.get('/v1/question/list'), 'param_missing', 'session');
      assertError(await f.api.get('/v1/question/list', { session: 'AAAAAAAAAAAA' }), 'session_invalid', 'session');
    });

    it('takes the session from the query parameter too', async () => {
      const agent = await f.agent();
      const reply = await f.api.get('/v1/question/list', { session: agent.session });
      assert.deepEqual(assertOk(reply, summaryListReply).questions, []);
    });
  });
});
