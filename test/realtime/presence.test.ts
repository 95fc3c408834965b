/**
 * Agents' presence on one node (issue 12), over real HTTP and real sockets: online while a socket of
 * a session bound to the agent is connected, away when it chose so, offline otherwise; every change
 * reaches the agents of its apps as `agent:presence`, and nobody else.
 */
import assert from 'node:assert/strict';
import { okReply, servAgentsReply, servStatusReply } from '../../shared/schemas/responses.js';
import { assertError, assertOk } from '../support/envelope.js';
import type { TestAgent } from '../support/factories.js';
import { useTestServer } from '../support/server.js';
import { recordedSocket, type Recorded } from '../support/sockets.js';

describe('presence: POST /serv/status, GET /serv/agents, agent:presence', () => {
  const { server, f, api } = useTestServer();
  const open: Recorded[] = [];
  const on = async (session: string) => {
    const socket = await recordedSocket(server.url, session);
    open.push(socket);
    return socket;
  };
  afterEach(() => open.splice(0).forEach((s) => s.close()));

  const status = (agent: TestAgent, value: unknown) => api.post('/v1/serv/status', { session: agent.session, serv_id: agent.servId, status: value });
  const presenceOf = async (identify: string, session: string, servId: string) =>
    assertOk(await api.get('/v1/serv/agents', { identify }, { session }), servAgentsReply).agents.find((a) => a.serv_id === servId)?.presence;

  it('goes online with a socket, away by choice, online again, offline when its last socket closes: each change announced once', async () => {
    const identify = await f.app();
    const [alice, bob] = [await f.agent({ identifies: [identify] }), await f.agent({ identifies: [identify] })];
    const watcher = await on(bob.session);
    assert.equal(await presenceOf(identify, bob.session, alice.servId), 'offline');

    const first = await on(alice.session);
    await watcher.waitFor('agent:presence', (p) => p.serv_id === alice.servId && p.presence === 'online');
    assert.equal(await presenceOf(identify, bob.session, alice.servId), 'online');
    // A second socket of the agent changes nothing.
    const device = await f.user({ identify });
    assertOk(await api.post('/v1/serv/bind', { session: device.session, serv_id: alice.servId, password: alice.password }), okReply);
    const second = await on(device.session);

    assert.equal(assertOk(await status(alice, 'away'), servStatusReply).presence, 'away');
    await watcher.waitFor('agent:presence', (p) => p.serv_id === alice.servId && p.presence === 'away');
    // Its own desks hear it too (its agent room), so a second desk shows the toggle as it is.
    await second.waitFor('agent:presence', (p) => p.serv_id === alice.servId && p.presence === 'away');
    assert.equal(await presenceOf(identify, bob.session, alice.servId), 'away');
    // Choosing what it already is announces nothing.
    assert.equal(assertOk(await status(alice, 'away'), servStatusReply).presence, 'away');

    first.close();
    await watcher.flush();
    assert.equal(await presenceOf(identify, bob.session, alice.servId), 'away', 'another socket is still connected');
    assert.equal(assertOk(await status(alice, 'online'), servStatusReply).presence, 'online');
    second.close();
    await watcher.waitFor('agent:presence', (p) => p.serv_id === alice.servId && p.presence === 'offline');
    assert.equal(await presenceOf(identify, bob.session, alice.servId), 'offline');
    assert.deepEqual(
      watcher.all('agent:presence').filter((p) => p.serv_id === alice.servId).map((p) => p.presence),
      ['online', 'away', 'online', 'offline'],
    );
  });

  it('a choice made while offline applies when the agent connects', async () => {
    const identify = await f.app();
    const [alice, bob] = [await f.agent({ identifies: [identify] }), await f.agent({ identifies: [identify] })];
    assert.equal(assertOk(await status(alice, 'away'), servStatusReply).presence, 'offline');
    const watcher = await on(bob.session);
    await on(alice.session);
    await watcher.waitFor('agent:presence', (p) => p.serv_id === alice.servId && p.presence === 'away');
    assert.equal(await presenceOf(identify, bob.session, alice.servId), 'away');
  });

  it('reaches the agents of its apps only: not another app’s agents, not users', async () => {
    const identify = await f.app();
    const alice = await f.agent({ identifies: [identify] });
    const colleague = await on((await f.agent({ identifies: [identify] })).session);
    const stranger = await on((await f.agent()).session);
    const user = await on((await f.user({ identify })).session);
    await on(alice.session);
    await colleague.waitFor('agent:presence', (p) => p.serv_id === alice.servId);
    await Promise.all([stranger.flush(), user.flush()]);
    assert.deepEqual(stranger.all('agent:presence').filter((p) => p.serv_id === alice.servId), []);
    assert.deepEqual(user.all('agent:presence'), []);
  });

  it('unbinding the last session takes the agent offline', async () => {
    const identify = await f.app();
    const [alice, bob] = [await f.agent({ identifies: [identify] }), await f.agent({ identifies: [identify] })];
    const watcher = await on(bob.session);
    await on(alice.session);
    await watcher.waitFor('agent:presence', (p) => p.serv_id === alice.servId && p.presence === 'online');
    await api.post('/v1/serv/unbind', { session: alice.session, serv_id: alice.servId, password: alice.password });
    await watcher.waitFor('agent:presence', (p) => p.serv_id === alice.servId && p.presence === 'offline');
  });

  it('lists every agent of the app with presence, load and max_concurrent, for any agent of that app', async () => {
    const user = await f.user();
    const alice = await f.agent({ identifies: [user.identify], maxConcurrent: 5 });
    const bob = await f.agent({ identifies: [user.identify] });
    await f.serve(await f.question(user), alice);
    const agents = assertOk(await api.get('/v1/serv/agents', { identify: user.identify }, { session: bob.session }), servAgentsReply).agents;
    assert.deepEqual(
      agents.map((a) => ({ ...a, name: undefined })).sort((a, b) => a.serv_id.localeCompare(b.serv_id)),
      [
        { serv_id: alice.servId, name: undefined, presence: 'offline', load: 1, max_concurrent: 5, role: 'agent' },
        { serv_id: bob.servId, name: undefined, presence: 'offline', load: 0, max_concurrent: 0, role: 'agent' },
      ].sort((a, b) => a.serv_id.localeCompare(b.serv_id)),
    );
  });

  it('refuses: unbound sessions, another agent’s serv_id, another app, bad input', async () => {
    const alice = await f.agent();
    const [identify] = alice.identifies as [string];
    const user = await f.user({ identify });
    const other = await f.agent();
    assertError(await api.post('/v1/serv/status', { session: user.session, serv_id: alice.servId, status: 'away' }), 'serv_not_bound', 'session');
    assertError(await api.post('/v1/serv/status', { session: other.session, serv_id: alice.servId, status: 'away' }), 'serv_not_bound', 'serv_id');
    assertError(await status(alice, 'busy'), 'param_invalid', 'status');
    assertError(await api.post('/v1/serv/status', { session: alice.session, serv_id: alice.servId }), 'param_missing', 'status');
    assertError(await api.post('/v1/serv/status', { session: alice.session, status: 'away' }), 'param_missing', 'serv_id');
    assertError(await api.post('/v1/serv/status', { serv_id: alice.servId, status: 'away' }), 'param_missing', 'session');

    assertError(await api.get('/v1/serv/agents', { identify }, { session: user.session }), 'serv_not_bound', 'session');
    assertError(await api.get('/v1/serv/agents', { identify }, { session: other.session }), 'forbidden', 'identify');
    assertError(await api.get('/v1/serv/agents', {}, { session: alice.session }), 'param_missing', 'identify');
    assertError(await api.get('/v1/serv/agents', { identify: 'x'.repeat(81) }, { session: alice.session }), 'param_invalid', 'identify');
  });
});
