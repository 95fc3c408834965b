import assert from 'node:assert/strict';
import { okReply, summaryListReply } from '../../shared/schemas/responses.js';
import { assertError, assertOk } from '../support/envelope.js';
import type { TestAgent } from '../support/factories.js';
import { useTestServer } from '../support/server.js';

describe('POST /serv/bind and /serv/unbind', () => {
  const { f } = useTestServer();

  const bind = (session: string, servId: string, password: string) =>
    f.api.post('/v1/serv/bind', { session, serv_id: servId, password });
  const unbind = (session: string, servId: string, password: string) =>
    f.api.post('/v1/serv/unbind', { session, serv_id: servId, password });
  const tasks = (agent: { servId: string }, session: string) =>
    f.api.get(`/v1/serv/${agent.servId}/tasks`, {}, { session });

  it('binds a session of a served app, which then acts as the agent', async () => {
    const agent = await f.agent({ bind: false });
    const device = await f.user({ identify: agent.identifies[0] });
    assertError(await tasks(agent, device.session), 'serv_not_bound');
    assertOk(await bind(device.session, agent.servId, agent.password), okReply);
    assertOk(await tasks(agent, device.session), summaryListReply);
    // Binding again (same agent) is fine.
    assertOk(await bind(device.session, agent.servId, agent.password), okReply);
  });

  it('accepts a form-encoded bind', async () => {
    const agent = await f.agent({ bind: false });
    const device = await f.user({ identify: agent.identifies[0] });
    const reply = await f.api.post(
      '/v1/serv/bind',
      { session: device.session, serv_id: agent.servId, password: agent.password },
      { form: true },
    );
    assertOk(reply, okReply);
  });

  it('answers a wrong password and an unknown agent with the same 401 serv_auth_failed', async () => {
    const agent = await f.agent({ bind: false });
    const device = await f.user({ identify: agent.identifies[0] });
    const wrong = await bind(device.session, agent.servId, agent.password + 'x');
    const unknown = await bind(device.session, 'nobody-here', agent.password);
    assertError(wrong, 'serv_auth_failed');
    assertError(unknown, 'serv_auth_failed');
    assert.deepEqual(wrong.body, unknown.body);
    assertError(await tasks(agent, device.session), 'serv_not_bound');
  });

  it('refuses binding from a session of an app the agent does not serve (403 forbidden)', async () => {
    const agent = await f.agent({ bind: false });
    const outsider = await f.user();
    assertError(await bind(outsider.session, agent.servId, agent.password), 'forbidden');
    assertError(await tasks(agent, outsider.session), 'serv_not_bound');
  });

  it('validates its parameters', async () => {
    const agent = await f.agent({ bind: false });
    const device = await f.user({ identify: agent.identifies[0] });
    assertError(await f.api.post('/v1/serv/bind', { session: device.session, password: 'x' }), 'param_missing', 'serv_id');
    assertError(await f.api.post('/v1/serv/bind', { session: device.session, serv_id: agent.servId }), 'param_missing', 'password');
    assertError(await bind(device.session, 'x'.repeat(21), 'pw'), 'param_invalid', 'serv_id');
    assertError(await bind(device.session, agent.servId, 'p'.repeat(21)), 'param_invalid', 'password');
    assertError(await f.api.post('/v1/serv/bind', { serv_id: agent.servId, password: 'x' }), 'param_missing', 'session');
    assertError(await bind('AAAAAAAAAAAA', agent.servId, agent.password), 'session_invalid');
  });

  it('unbinds: the session can no longer act as the agent', async () => {
    const agent = await f.agent();
    assertOk(await tasks(agent, agent.session), summaryListReply);
    assertOk(await unbind(agent.session, agent.servId, agent.password), okReply);
    assertError(await tasks(agent, agent.session), 'serv_not_bound');
    assertError(await f.api.get('/v1/question/list', {}, { session: agent.session }), 'serv_not_bound');
    assertError(await f.api.get('/v1/answer/templates', {}, { session: agent.session }), 'serv_not_bound');
    // A second unbind has nothing to unbind.
    assertError(await unbind(agent.session, agent.servId, agent.password), 'serv_not_bound', 'serv_id');
  });

  it('refuses to unbind a session bound to another serv_id (403 serv_not_bound)', async () => {
    const a = await f.agent();
    const b = await f.agent({ identifies: a.identifies });
    assertError(await unbind(a.session, b.servId, b.password), 'serv_not_bound', 'serv_id');
    assertOk(await tasks(a, a.session), summaryListReply);
    // A plain user session is bound to nobody.
    const plain = await f.user({ identify: a.identifies[0] });
    assertError(await unbind(plain.session, a.servId, a.password), 'serv_not_bound');
  });

  it('refuses to unbind with a wrong password, and the binding stays', async () => {
    const agent = await f.agent();
    assertError(await unbind(agent.session, agent.servId, 'wrong-password'), 'serv_auth_failed');
    assertOk(await tasks(agent, agent.session), summaryListReply);
  });

  it('rebinds a session to another agent', async () => {
    const a = await f.agent();
    const b = await f.agent({ identifies: a.identifies, bind: false });
    assertOk(await bind(a.session, b.servId, b.password), okReply);
    assertOk(await tasks(b, a.session), summaryListReply);
    assertError(await tasks(a, a.session), 'serv_not_bound');
    // b's binding can be undone; a's credentials no longer name this session's agent.
    assertError(await unbind(a.session, a.servId, a.password), 'serv_not_bound');
    assertOk(await unbind(a.session, b.servId, b.password), okReply);
  });
});

describe('GET /serv/<serv_id>/tasks', () => {
  const { f } = useTestServer();

  const tasksOf = (agent: TestAgent, params: Record<string, unknown> = {}, session = agent.session) =>
    f.api.get(`/v1/serv/${agent.servId}/tasks`, params, { session });
  const ids = (reply: { body: { questions: Array<{ question_id: string }> } }) =>
    reply.body.questions.map((q) => q.question_id);
  const finish = (q: string, agent: TestAgent) =>
    f.api.post(`/v1/question/${q}/finish`, { session: agent.session, serv_id: agent.servId });

  it("lists only this agent's in-progress questions, reopened ones included", async () => {
    const user = await f.user({ name: 'Ann', imageUrl: 'https://cdn.example/ann.png' });
    const a = await f.agent({ identifies: [user.identify] });
    const b = await f.agent({ identifies: [user.identify] });
    const served = await f.question(user, { title: 'served' });
    await f.serve(served, a);
    const others = await f.question(user);
    await f.serve(others, b);
    await f.question(user); // pending
    const finished = await f.question(user);
    await f.serve(finished, a);
    assert.equal((await finish(finished, a)).status, 200);
    const reopened = await f.question(user);
    await f.serve(reopened, a);
    assert.equal((await finish(reopened, a)).status, 200);
    const online = await f.online(a); // a reopen goes back only to an online agent
    assert.equal((await f.api.post(`/v1/question/${reopened}/reopen`, { session: user.session })).status, 200);
    online.close();
    assert.equal((await f.sendText(served, user, 'last words')).status, 200);

    const reply = await tasksOf(a);
    const body = assertOk(reply, summaryListReply);
    assert.deepEqual(ids(reply), [reopened, served]);
    const summary = body.questions.find((q) => q.question_id === served)!;
    assert.equal(summary.user_id, user.userId);
    assert.equal(summary.user_name, 'Ann');
    assert.equal(summary.user_image_url, 'https://cdn.example/ann.png');
    assert.equal(summary.title, 'served');
    assert.equal(summary.last_mess_text, 'last words');
    assert.equal(summary.last_mess_sender, user.userId);
    assert.equal(summary.last_mess_sender_type, 1);
    assert.deepEqual(ids(await tasksOf(b)), [others]);
  });

  it("refuses another agent's serv_id and plain user sessions (403)", async () => {
    const a = await f.agent();
    const b = await f.agent({ identifies: a.identifies });
    assertError(await tasksOf(b, {}, a.session), 'serv_not_bound');
    // The path names the agent; a serv_id in the query does not override it.
    assertError(await tasksOf(b, { serv_id: a.servId }, a.session), 'serv_not_bound');
    assertOk(await tasksOf(a, { serv_id: b.servId }, a.session), summaryListReply);
    const plain = await f.user({ identify: a.identifies[0] });
    assertError(await tasksOf(a, {}, plain.session), 'serv_not_bound');
    assertError(await f.api.get(`/v1/serv/${a.servId}/tasks`), 'param_missing', 'session');
  });

  it('filters by identify and refuses apps the agent does not serve', async () => {
    const app1 = await f.app();
    const app2 = await f.app();
    const agent = await f.agent({ identifies: [app1, app2] });
    const u1 = await f.user({ identify: app1 });
    const u2 = await f.user({ identify: app2 });
    const q1 = await f.question(u1);
    const q2 = await f.question(u2);
    await f.serve(q1, agent);
    await f.serve(q2, agent);
    assert.deepEqual(ids(await tasksOf(agent)), [q2, q1]);
    assert.deepEqual(ids(await tasksOf(agent, { identify: app1 })), [q1]);
    assert.deepEqual(ids(await tasksOf(agent, { identify: app2 })), [q2]);
    const outside = await f.app();
    assertError(await tasksOf(agent, { identify: outside }), 'forbidden', 'identify');
    assertError(await tasksOf(agent, { identify: 'bad identify!' }), 'param_invalid', 'identify');
  });

  it('pages with page/num, sort and the question_id cursor', async () => {
    const user = await f.user();
    const agent = await f.agent({ identifies: [user.identify] });
    const qs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const q = await f.question(user);
      await f.serve(q, agent);
      qs.push(q);
    }
    const newest = [...qs].reverse();
    assert.deepEqual(ids(await tasksOf(agent)), newest);
    assert.deepEqual(ids(await tasksOf(agent, { num: 2 })), newest.slice(0, 2));
    assert.deepEqual(ids(await tasksOf(agent, { num: 2, page: 1 })), newest.slice(2, 4));
    assert.deepEqual(ids(await tasksOf(agent, { num: 2, page: 2 })), newest.slice(4));
    assert.deepEqual(ids(await tasksOf(agent, { num: 2, page: 3 })), []);
    assert.deepEqual(ids(await tasksOf(agent, { sort: 1, num: 3 })), qs.slice(0, 3));
    // With a cursor the page continues after it and `page` is ignored.
    assert.deepEqual(ids(await tasksOf(agent, { num: 2, question_id: newest[1], page: 7 })), newest.slice(2, 4));
    assert.deepEqual(ids(await tasksOf(agent, { sort: 1, question_id: qs[2] })), qs.slice(3));
    assertError(await tasksOf(agent, { num: 0 }), 'param_invalid', 'num');
    assertError(await tasksOf(agent, { num: 51 }), 'param_invalid', 'num');
    assertError(await tasksOf(agent, { page: 51 }), 'param_invalid', 'page');
    assertError(await tasksOf(agent, { page: -1 }), 'param_invalid', 'page');
    assertError(await tasksOf(agent, { sort: 0 }), 'param_invalid', 'sort');
    assertError(await tasksOf(agent, { question_id: 'abc' }), 'param_invalid', 'question_id');
  });
});
