import assert from 'node:assert/strict';
import {
  itemIdReply,
  messageIdReply,
  itemsReply,
  okReply,
  sessionReply,
  templateIdReply,
} from '../../shared/schemas/responses.js';
import { assertError, assertOk } from '../support/envelope.js';
import { ADMIN_TOKEN, useTestServer } from '../support/server.js';
import { sessionDigest } from '../../server/domain/sessionTokens.js';

const auth = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };
let sequence = 0;
const unique = (prefix: string) => `${prefix}${process.pid.toString(36)}a${++sequence}`;

describe('admin API (provisioning)', () => {
  const { server, api } = useTestServer();

  const admin = (path: string, body: unknown, options = {}) => api.post(`/v1/admin${path}`, body, { ...auth, ...options });
  async function app() {
    const identify = `com.admin.${unique('app')}`;
    assertOk(await admin('/apps', { identify, name: 'An app' }), okReply);
    return identify;
  }
  async function userSession(identify: string) {
    const userId = unique('user');
    assertOk(await admin('/users', { user_id: userId, name: 'Someone' }), okReply);
    const { session } = assertOk(await admin('/sessions', { user_id: userId, identify }), sessionReply);
    return { userId, session };
  }

  it('refuses a missing, wrong or non-Bearer token', async () => {
    const identify = `com.admin.${unique('denied')}`;
    for (const headers of [<Record<string, string>>{}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: ADMIN_TOKEN }, { authorization: `Basic ${ADMIN_TOKEN}` }]) {
      assertError(await api.post('/v1/admin/apps', { identify }, { headers }), 'forbidden');
    }
    assertError(await api.delete('/v1/admin/sessions/AAAAAAAAAAAA'), 'forbidden');
    assert.equal(await server.deps.store.accounts.getApp(identify), null);
  });

  it('creates apps and validates identify', async () => {
    const identify = await app();
    assert.equal((await server.deps.store.accounts.getApp(identify))?.name, 'An app');
    assertOk(await admin('/apps', { identify, name: 'Renamed' }), okReply);
    assert.equal((await server.deps.store.accounts.getApp(identify))?.name, 'Renamed');
    assertError(await admin('/apps', { name: 'x' }), 'param_missing', 'identify');
    assertError(await admin('/apps', { identify: 'has space' }), 'param_invalid', 'identify');
    assertError(await admin('/apps', { identify: 'x'.repeat(81) }), 'param_invalid', 'identify');
  });

  it('upserts users and validates their fields', async () => {
    const userId = unique('user');
    assertOk(await admin('/users', { user_id: userId, name: 'Ann', device_count: '2', group_count: 5 }), okReply);
    assertOk(await admin('/users', { user_id: userId, name: 'Ann B', image_url: 'https://x.example/a.png' }), okReply);
    const stored = await server.deps.store.accounts.getUser(userId);
    assert.equal(stored?.name, 'Ann B');
    assert.equal(stored?.imageUrl, 'https://x.example/a.png');
    assertOk(await admin('/users', { user_id: unique('form'), name: 'Form', device_count: '1' }, { form: true }), okReply);
    assertError(await admin('/users', { name: 'x' }), 'param_missing', 'user_id');
    assertError(await admin('/users', { user_id: userId }), 'param_missing', 'name');
    assertError(await admin('/users', { user_id: userId, name: 'x', device_count: -1 }), 'param_invalid', 'device_count');
    assertError(await admin('/users', { user_id: userId, name: 'x', group_count: 'many' }), 'param_invalid', 'group_count');
    assertError(await admin('/users', { user_id: userId, name: 'x', image_url: 'ftp://x/a.png' }), 'param_invalid', 'image_url');
  });

  it('creates 12-character sessions that work, and deletes them', async () => {
    const identify = await app();
    const { session } = await userSession(identify);
    assert.match(session, /^[A-Za-z0-9]{12}$/);
    assert.equal((await api.post('/v1/question/new', { session, title: 'hi' })).status, 200);
    assertOk(await api.delete(`/v1/admin/sessions/${session}`, auth), okReply);
    assertError(await api.post('/v1/question/new', { session, title: 'hi' }), 'session_invalid', 'session');
    assertError(await api.get('/v1/question/list', {}, { session }), 'session_invalid');
    assertError(await api.delete(`/v1/admin/sessions/${session}`, auth), 'not_found', 'session');
    assertError(await api.delete('/v1/admin/sessions/short', auth), 'param_invalid', 'session');
  });

  it('creates a session only for an existing app and user', async () => {
    const identify = await app();
    const { userId } = await userSession(identify);
    assertError(await admin('/sessions', { user_id: userId, identify: 'com.missing.app' }), 'not_found', 'identify');
    assertError(await admin('/sessions', { user_id: unique('ghost'), identify }), 'not_found', 'user_id');
    assertError(await admin('/sessions', { user_id: userId }), 'param_missing', 'identify');
    assertError(await admin('/sessions', { identify }), 'param_missing', 'user_id');
  });

  it('upserts agents: a new password replaces the old one; apps must exist', async () => {
    const identify = await app();
    const { session } = await userSession(identify);
    const servId = unique('serv').slice(0, 20);
    assertOk(await admin('/servs', { serv_id: servId, password: 'first-pw', name: 'Agent', identifies: [identify] }), okReply);
    const stored = await server.deps.store.accounts.getAgent(servId);
    assert.match(stored!.passwordHash, /^scrypt\$/);
    assert.ok(!stored!.passwordHash.includes('first-pw'));
    assertOk(await api.post('/v1/serv/bind', { session, serv_id: servId, password: 'first-pw' }), okReply);

    // The same password again (a rename, new apps) keeps the agent's bindings.
    assertOk(await admin('/servs', { serv_id: servId, password: 'first-pw', name: 'Renamed', identifies: [identify] }), okReply);
    assert.equal((await server.deps.store.accounts.getSession(sessionDigest(session)))!.servId, servId);

    assertOk(await admin('/servs', { serv_id: servId, password: 'second-pw', identifies: [identify] }), okReply);
    // Changing the password ends the bindings made with the old one.
    assert.equal((await server.deps.store.accounts.getSession(sessionDigest(session)))!.servId, null);
    const other = (await userSession(identify)).session;
    assertError(await api.post('/v1/serv/bind', { session: other, serv_id: servId, password: 'first-pw' }), 'serv_auth_failed');
    assertOk(await api.post('/v1/serv/bind', { session: other, serv_id: servId, password: 'second-pw' }), okReply);

    assertError(await admin('/servs', { serv_id: servId, password: 'x', identifies: [identify, 'com.no.such'] }), 'not_found', 'identifies');
    assertError(await admin('/servs', { serv_id: servId, password: 'x', identifies: [] }), 'param_invalid', 'identifies');
    assertError(await admin('/servs', { serv_id: servId, password: 'x', identifies: [identify, 'bad app!'] }), 'param_invalid', 'identifies');
    assertError(await admin('/servs', { serv_id: servId, password: 'x', identifies: { $ne: null } }), 'param_invalid', 'identifies');
    assertError(await admin('/servs', { serv_id: servId, identifies: [identify] }), 'param_missing', 'password');
    assertError(await admin('/servs', { serv_id: 'x'.repeat(21), password: 'x', identifies: [identify] }), 'param_invalid', 'serv_id');
    assertError(await admin('/servs', { serv_id: servId, password: 'p'.repeat(21), identifies: [identify] }), 'param_invalid', 'password');
  });

  it('accepts a form-encoded agent with one or repeated identifies', async () => {
    const a = await app();
    const b = await app();
    const servId = unique('fs').slice(0, 20);
    const body = new URLSearchParams([['serv_id', servId], ['password', 'pw'], ['identifies', a], ['identifies', b]]);
    const reply = await api.request('POST', '/v1/admin/servs', undefined, {
      headers: { ...auth.headers, 'content-type': 'application/x-www-form-urlencoded' },
      raw: body.toString(),
    });
    assertOk(reply, okReply);
    assert.deepEqual((await server.deps.store.accounts.getAgent(servId))?.identifies.sort(), [a, b].sort());
    // A form cannot say "a list of one" other than by giving the key once.
    const single = unique('fs1').slice(0, 20);
    assertOk(await admin('/servs', { serv_id: single, password: 'pw', identifies: a }, { form: true }), okReply);
    assert.deepEqual((await server.deps.store.accounts.getAgent(single))?.identifies, [a]);
  });

  it('creates templates and items', async () => {
    const identify = await app();
    const { template_id: templateId } = assertOk(await admin('/templates', { identify, title: 'Hello' }), templateIdReply);
    const { item_id: itemId } = assertOk(
      await admin(`/templates/${templateId}/items`, { question: 'Q?', content: 'A.\nMore.' }),
      itemIdReply,
    );
    const { session } = await userSession(identify);
    const servId = unique('t').slice(0, 20);
    assertOk(await admin('/servs', { serv_id: servId, password: 'pw', identifies: [identify] }), okReply);
    assertOk(await api.post('/v1/serv/bind', { session, serv_id: servId, password: 'pw' }), okReply);
    const items = assertOk(await api.get(`/v1/answer/template/${templateId}`, {}, { session }), itemsReply);
    assert.deepEqual(items.items, [{ item_id: itemId, question: 'Q?', content: 'A.\nMore.' }]);

    assertError(await admin('/templates', { identify: 'com.no.such', title: 'x' }), 'not_found', 'identify');
    assertError(await admin('/templates', { identify }), 'param_missing', 'title');
    assertError(await admin('/templates', { identify, title: 't'.repeat(201) }), 'param_invalid', 'title');
    assertError(await admin('/templates/0123456789abcdef01234567/items', { question: 'q', content: 'c' }), 'template_not_found', 'template_id');
    assertError(await admin('/templates/nope/items', { question: 'q', content: 'c' }), 'param_invalid', 'template_id');
    assertError(await admin(`/templates/${templateId}/items`, { question: 'q' }), 'param_missing', 'content');
  });

  it('removes an agent: its bindings end, its served questions wait again, a second removal is not_found', async () => {
    const identify = await app();
    const asker = await userSession(identify);
    const device = await userSession(identify);
    const servId = unique('r').slice(0, 20);
    assertOk(await admin('/servs', { serv_id: servId, password: 'pw', identifies: [identify] }), okReply);
    assertOk(await api.post('/v1/serv/bind', { session: device.session, serv_id: servId, password: 'pw' }), okReply);
    const { question_id: questionId } = await (await api.post('/v1/question/new', { session: asker.session, title: 'Help' })).body;
    assertOk(await api.post(`/v1/question/${questionId}/serve`, { session: device.session, serv_id: servId }), messageIdReply);

    assertError(await api.delete(`/v1/admin/servs/${servId}`), 'forbidden');
    assertOk(await api.delete(`/v1/admin/servs/${servId}`, auth), okReply);
    assert.equal(await server.deps.store.accounts.getAgent(servId), null);
    assert.equal((await server.deps.store.accounts.getSession(sessionDigest(device.session)))!.servId, null);
    assertError(await api.get('/v1/question/list', {}, { session: device.session }), 'serv_not_bound', 'session');
    const waits = await api.get(`/v1/user/${asker.userId}/waits`, {}, { session: asker.session });
    assert.deepEqual(waits.body.questions.map((q: { question_id: string }) => q.question_id), [questionId]);
    const messages = await api.get(`/v1/question/${questionId}/message`, { sort: 1 }, { session: asker.session });
    assert.deepEqual(messages.body.messages.map((m: { action?: number; sender: string }) => [m.action, m.sender]), [[1, servId], [2, 'system']]);

    assertError(await api.delete(`/v1/admin/servs/${servId}`, auth), 'not_found', 'serv_id');
    assertError(await api.delete(`/v1/admin/servs/${'x'.repeat(21)}`, auth), 'param_invalid', 'serv_id');
  });

  it("removes an app: its sessions end, its agents lose it, its templates go; a second removal is not_found", async () => {
    const [kept, removed] = [await app(), await app()];
    const user = await userSession(removed);
    const servId = unique('r').slice(0, 20);
    assertOk(await admin('/servs', { serv_id: servId, password: 'pw', identifies: [kept, removed] }), okReply);
    const { template_id: templateId } = assertOk(await admin('/templates', { identify: removed, title: 'Gone' }), templateIdReply);

    assertError(await api.delete(`/v1/admin/apps/${removed}`), 'forbidden');
    assertOk(await api.delete(`/v1/admin/apps/${removed}`, auth), okReply);
    assert.equal(await server.deps.store.accounts.getApp(removed), null);
    assertError(await api.get(`/v1/user/${user.userId}/alls`, {}, { session: user.session }), 'session_invalid', 'session');
    assert.deepEqual((await server.deps.store.accounts.getAgent(servId))?.identifies, [kept]);
    assert.equal(await server.deps.store.templates.getTemplate(templateId), null);

    assertError(await api.delete(`/v1/admin/apps/${removed}`, auth), 'not_found', 'identify');
    assertError(await api.delete('/v1/admin/apps/not%20a%20package', auth), 'param_invalid', 'identify');
  });

  it('answers unknown admin routes with not_found', async () => {
    assertError(await admin('/nothing', {}), 'not_found');
  });
});

describe('admin API while ADMIN_TOKEN is unset', () => {
  const { server, api } = useTestServer({ env: { ADMIN_TOKEN: '' } });

  it('answers 404 not_found for every endpoint, whatever the token', async () => {
    assert.equal(server.config.adminToken, undefined);
    const paths = ['/apps', '/users', '/sessions', '/servs', '/templates', '/templates/0123456789abcdef01234567/items'];
    for (const path of paths) {
      assertError(await api.post(`/v1/admin${path}`, { identify: 'com.x' }, auth), 'not_found');
      assertError(await api.post(`/v1/admin${path}`, {}), 'not_found');
    }
    assertError(await api.delete('/v1/admin/sessions/AAAAAAAAAAAA', auth), 'not_found');
    assertError(await api.delete('/v1/admin/servs/mei', auth), 'not_found');
    assertError(await api.delete('/v1/admin/apps/com.x', auth), 'not_found');
    assert.equal(await server.deps.store.accounts.getApp('com.x'), null);
  });
});
