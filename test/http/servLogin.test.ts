import assert from 'node:assert/strict';
import { sessionDigest } from '../../server/domain/sessionTokens.js';
import { RATE_RULES } from '../../server/rateLimits/index.js';
import { okReply, servLoginReply, summaryListReply } from '../../shared/schemas/responses.js';
import { assertError, assertOk } from '../support/envelope.js';
import { factories, type Factories } from '../support/factories.js';
import { startTestServer, type TestServer, useTestServer } from '../support/server.js';
import { connectSocket } from '../support/sockets.js';

describe('POST /serv/login and /serv/logout (desk sessions)', () => {
  const { server, f } = useTestServer();

  const login = (servId: string, password: string) => f.api.post('/v1/serv/login', { serv_id: servId, password });
  const logout = (session: string) => f.api.post('/v1/serv/logout', { session });

  it('answers a new session bound to the agent, which serves all its apps', async () => {
    const [a, b] = [await f.app('com.login.b'), await f.app('com.login.a')];
    const agent = await f.agent({ identifies: [a, b], bind: false });
    const reply = assertOk(await login(agent.servId, agent.password), servLoginReply);
    assert.equal(reply.serv_id, agent.servId);
    assert.deepEqual(reply.identifies, ['com.login.a', 'com.login.b']);
    const stored = await server.deps.store.accounts.getSession(sessionDigest(reply.session));
    assert.deepEqual(
      { userId: stored?.userId, identify: stored?.identify, servId: stored?.servId },
      { userId: `kefu:serv:${agent.servId}`, identify: 'com.login.a', servId: agent.servId },
    );
    assert.equal(await server.deps.store.accounts.getUser(`kefu:serv:${agent.servId}`), null, 'no users row is created');
    // It acts as the agent in both apps: questions of the second app show in its queue.
    const asker = await f.user({ identify: b });
    const questionId = await f.question(asker);
    const queue = assertOk(await f.api.get('/v1/question/list', { num: 50 }, { session: reply.session }), summaryListReply);
    assert.ok(queue.questions.some((q) => q.question_id === questionId));
    assertOk(await f.api.get(`/v1/serv/${agent.servId}/tasks`, {}, { session: reply.session }), summaryListReply);
  });

  it('gives each login its own session', async () => {
    const agent = await f.agent({ bind: false });
    const first = assertOk(await login(agent.servId, agent.password), servLoginReply);
    const second = assertOk(await login(agent.servId, agent.password), servLoginReply);
    assert.notEqual(first.session, second.session);
  });

  it('answers a wrong password and an unknown agent with the same 401 serv_auth_failed', async () => {
    const agent = await f.agent({ bind: false });
    const wrong = await login(agent.servId, agent.password + 'x');
    const unknown = await login('nobody-at-all', agent.password);
    assertError(wrong, 'serv_auth_failed');
    assertError(unknown, 'serv_auth_failed');
    assert.deepEqual(wrong.body, unknown.body);
  });

  it('validates its parameters', async () => {
    assertError(await f.api.post('/v1/serv/login', { password: 'x' }), 'param_missing', 'serv_id');
    assertError(await f.api.post('/v1/serv/login', { serv_id: 'someone' }), 'param_missing', 'password');
    assertError(await login('x'.repeat(21), 'pw'), 'param_invalid', 'serv_id');
    assertError(await login('someone', 'p'.repeat(21)), 'param_invalid', 'password');
    assertError(await f.api.post('/v1/serv/login', { serv_id: ['a'], password: 'pw' }), 'param_invalid', 'serv_id');
  });

  it('logs out: the session is gone and its sockets are disconnected', async () => {
    const agent = await f.agent({ bind: false });
    const { session } = assertOk(await login(agent.servId, agent.password), servLoginReply);
    const socket = await connectSocket(server.url, session);
    const disconnected = new Promise<void>((resolve) => socket.on('disconnect', () => resolve()));
    assertOk(await logout(session), okReply);
    await disconnected;
    assert.equal(await server.deps.store.accounts.getSession(sessionDigest(session)), null);
    assertError(await f.api.get('/v1/question/list', {}, { session }), 'session_invalid');
    assertError(await logout(session), 'session_invalid');
    socket.close();
  });

  it('refuses to log out an app device session, bound or not (403 forbidden), and keeps it', async () => {
    const agent = await f.agent();
    const user = await f.user();
    assertError(await logout(agent.session), 'forbidden', 'session');
    assertError(await logout(user.session), 'forbidden', 'session');
    assert.ok(await server.deps.store.accounts.getSession(sessionDigest(agent.session)));
    assert.ok(await server.deps.store.accounts.getSession(sessionDigest(user.session)));
  });

  it('refuses logout without or with a malformed or unknown session', async () => {
    assertError(await f.api.post('/v1/serv/logout', {}), 'param_missing', 'session');
    assertError(await logout('short'), 'param_invalid', 'session');
    assertError(await logout('AAAAAAAAAAAA'), 'session_invalid');
  });

  it('reserves user ids starting with kefu: (no app user can take a desk identity)', async () => {
    const agent = await f.agent({ bind: false });
    const admin = { headers: { authorization: `Bearer ${server.config.adminToken}` } };
    assertError(await f.api.post('/v1/admin/users', { user_id: `kefu:serv:${agent.servId}`, name: 'x' }, admin), 'param_invalid', 'user_id');
    assertError(
      await f.api.post('/v1/admin/sessions', { user_id: `kefu:serv:${agent.servId}`, identify: agent.identifies[0] }, admin),
      'param_invalid',
      'user_id',
    );
  });
});

describe('POST /serv/login rate limits (RATE_LIMITS=on)', () => {
  let server: TestServer;
  let f: Factories;
  beforeEach(async () => {
    server = await startTestServer({ RATE_LIMITS: 'on' });
    f = factories(server);
  });
  afterEach(() => server.stop());

  it('limits attempts per agent like /serv/bind, then refuses even the right password', async () => {
    const { limit } = RATE_RULES.bindPerAgent;
    const agent = await f.agent({ bind: false });
    const attempts = Math.min(limit, RATE_RULES.bindPerIp.limit);
    for (let i = 0; i < attempts; i++) assertError(await f.api.post('/v1/serv/login', { serv_id: agent.servId, password: `guess-${i}` }), 'serv_auth_failed');
    const limited = await f.api.post('/v1/serv/login', { serv_id: agent.servId, password: agent.password });
    assertError(limited, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  });
});
