import assert from 'node:assert/strict';
import { allsReply, servedListReply, waitsReply } from '../../shared/schemas/responses.js';
import { assertError, assertOk } from '../support/envelope.js';
import type { TestAgent, TestUser } from '../support/factories.js';
import { useTestServer } from '../support/server.js';
import { sessionDigest } from '../../server/domain/sessionTokens.js';

describe('GET /user/<user_id>/waits|tasks|overs|alls', () => {
  const { server, f } = useTestServer();
  // One user asking in two apps: app A has one question of each status, app B one pending.
  let user: TestUser;
  let userInB: string;
  let agentA: TestAgent;
  let pendingA: string;
  let servingA: string;
  let overA: string;
  let pendingB: string;

  before(async () => {
    user = await f.user();
    const appB = await f.app();
    userInB = await f.session(user, appB);
    agentA = await f.agent({ identifies: [user.identify] });
    overA = await f.question(user);
    await f.serve(overA, agentA);
    const fin = await f.api.post(`/v1/question/${overA}/finish`, { session: agentA.session, serv_id: agentA.servId });
    assert.equal(fin.status, 200);
    servingA = await f.question(user);
    await f.serve(servingA, agentA);
    pendingA = await f.question(user);
    const reply = await f.api.post('/v1/question/new', { session: userInB, title: 'in B' });
    assert.equal(reply.status, 200);
    pendingB = reply.body.question_id;
  });

  const list = (kind: string, session: string, params: Record<string, unknown> = {}, userId = user.userId) =>
    f.api.get(`/v1/user/${encodeURIComponent(userId)}/${kind}`, params, { session });
  const ids = (reply: { body: { questions: Array<{ question_id: string }> } }) =>
    reply.body.questions.map((q) => q.question_id);

  it('shows the user its own lists, in the documented shapes', async () => {
    const waits = assertOk(await list('waits', user.session), waitsReply);
    assert.deepEqual(waits.questions.map((q) => q.question_id), [pendingB, pendingA]);
    assert.ok(waits.questions.every((q) => typeof q.timestamp === 'number' && q.timestamp > 1.6e9));

    const tasks = assertOk(await list('tasks', user.session), servedListReply);
    assert.deepEqual(tasks.questions, [
      { question_id: servingA, timestamp: tasks.questions[0]!.timestamp, serv_id: agentA.servId },
    ]);

    const overs = assertOk(await list('overs', user.session), servedListReply);
    assert.deepEqual(overs.questions.map((q) => [q.question_id, q.serv_id]), [[overA, agentA.servId]]);

    const alls = assertOk(await list('alls', user.session), allsReply);
    assert.deepEqual(
      alls.questions.map((q) => [q.question_id, q.status, q.serv_id]),
      [
        [pendingB, 1, null],
        [pendingA, 1, null],
        [servingA, 2, agentA.servId],
        [overA, 3, agentA.servId],
      ],
    );
  });

  it("covers all the user's apps from any of its sessions, narrowed by identify", async () => {
    assert.deepEqual(ids(await list('waits', userInB)), [pendingB, pendingA]);
    assert.deepEqual(ids(await list('waits', userInB, { identify: user.identify })), [pendingA]);
    assert.deepEqual(ids(await list('alls', user.session, { identify: user.identify })), [pendingA, servingA, overA]);
    assert.deepEqual(ids(await list('alls', user.session, { identify: 'com.nowhere' })), []);
  });

  it("refuses another user's lists (403 forbidden)", async () => {
    const other = await f.user({ identify: user.identify });
    for (const kind of ['waits', 'tasks', 'overs', 'alls']) {
      assertError(await list(kind, other.session), 'forbidden', 'user_id');
    }
    // The path names the user; a user_id in the query does not override it.
    assertError(await list('alls', other.session, { user_id: other.userId }), 'forbidden', 'user_id');
  });

  it("shows agents only the questions of their apps; identify outside them is 403", async () => {
    const alls = assertOk(await list('alls', agentA.session), allsReply);
    assert.deepEqual(alls.questions.map((q) => q.question_id), [pendingA, servingA, overA]);
    assert.deepEqual(ids(await list('waits', agentA.session)), [pendingA]);
    assert.deepEqual(ids(await list('tasks', agentA.session)), [servingA]);
    assert.deepEqual(ids(await list('overs', agentA.session)), [overA]);
    assert.deepEqual(ids(await list('waits', agentA.session, { identify: user.identify })), [pendingA]);
    const appB = (await server.deps.store.accounts.getSession(sessionDigest(userInB)))!.identify;
    assertError(await list('waits', agentA.session, { identify: appB }), 'forbidden', 'identify');

    const stranger = await f.agent();
    assert.deepEqual(ids(await list('alls', stranger.session)), []);
  });

  it('requires a valid session and a valid user_id', async () => {
    assertError(await f.api.get(`/v1/user/${user.userId}/alls`), 'param_missing', 'session');
    assertError(await list('alls', 'ZZZZZZZZZZZZ'), 'session_invalid');
    assertError(await list('alls', user.session, {}, 'u'.repeat(65)), 'param_invalid', 'user_id');
    assertError(await list('alls', user.session, { identify: 'a b' }), 'param_invalid', 'identify');
  });

  it('pages with page/num, sort and the question_id cursor', async () => {
    const pager = await f.user();
    const qs: string[] = [];
    for (let i = 0; i < 5; i++) qs.push(await f.question(pager));
    const newest = [...qs].reverse();
    const get = (params: Record<string, unknown>) => list('waits', pager.session, params, pager.userId);
    assert.deepEqual(ids(await get({})), newest);
    assert.deepEqual(ids(await get({ num: 2 })), newest.slice(0, 2));
    assert.deepEqual(ids(await get({ num: 2, page: 1 })), newest.slice(2, 4));
    assert.deepEqual(ids(await get({ num: 2, page: 2 })), newest.slice(4));
    assert.deepEqual(ids(await get({ num: '2', sort: '1' })), qs.slice(0, 2));
    assert.deepEqual(ids(await get({ num: 2, question_id: newest[1], page: 9 })), newest.slice(2, 4));
    assert.deepEqual(ids(await get({ sort: 1, question_id: qs[3] })), [qs[4]]);
    // Upper-case cursors name the same id.
    assert.deepEqual(ids(await get({ question_id: newest[3]!.toUpperCase() })), newest.slice(4));
    assert.deepEqual(ids(await get({ num: 50, page: 50 })), []);
    assertError(await get({ num: 51 }), 'param_invalid', 'num');
    assertError(await get({ page: 51 }), 'param_invalid', 'page');
    assertError(await get({ sort: 2 }), 'param_invalid', 'sort');
    assertError(await get({ num: 'ten' }), 'param_invalid', 'num');
    assertError(await get({ question_id: 'z'.repeat(24) }), 'param_invalid', 'question_id');
  });
});
