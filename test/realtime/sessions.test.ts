/**
 * Socket membership follows the session: unbinding an agent takes its sockets out of the agent,
 * queue and no-longer-readable question rooms; rebinding moves them; presence sees live sockets;
 * floods and oversized packets cost the offender its connection, nobody else.
 */
import assert from 'node:assert/strict';
import { isOnline } from '../support/sockets.js';
import type { Socket as ClientSocket } from 'socket.io-client';
import { agentRemover, agentUpserter, appRemover } from '../../server/domain/commands/provisioning.js';
import { deviceRoomOf } from '../../server/realtime/deviceRooms.js';
import { factories } from '../support/factories.js';
import { ADMIN_TOKEN, useTestServer } from '../support/server.js';
import { recordedSocket, type Recorded } from '../support/sockets.js';
import { eventually } from '../support/eventually.js';
import { sessionDigest } from '../../server/domain/sessionTokens.js';

const disconnected = (socket: ClientSocket) =>
  new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('still connected')), 5000);
    socket.once('disconnect', (reason) => (clearTimeout(timer), resolve(reason)));
  });

describe('real time: sessions, bindings, presence, limits', () => {
  const { server, f } = useTestServer();
  const open: Recorded[] = [];
  const connect = async (session: string) => {
    const r = await recordedSocket(server.url, session);
    open.push(r);
    return r;
  };
  const roomsOf = async (session: string) => {
    const sockets = await server.realtime.io.in(deviceRoomOf(sessionDigest(session))).fetchSockets();
    return new Set(sockets.flatMap((s) => [...s.rooms]));
  };

  afterEach(() => open.splice(0).forEach((r) => r.close()));

  it('joins user, device, agent and one queue room per app; never names the raw session', async () => {
    const app2 = await f.app();
    const agent = await f.agent({ identifies: [await f.app(), app2] });
    await connect(agent.session);
    const rooms = await roomsOf(agent.session);
    for (const room of [`agent:${agent.servId}`, `queue:${agent.identifies[0]}`, `queue:${app2}`]) assert.ok(rooms.has(room), room);
    assert.equal([...rooms].filter((r) => r.startsWith('user:')).length, 1);
    assert.ok([...rooms].every((r) => !r.includes(agent.session)));
    const [remote] = await server.realtime.io.in(deviceRoomOf(sessionDigest(agent.session))).fetchSockets();
    assert.ok(!JSON.stringify({ data: remote!.data, handshake: remote!.handshake }).includes(agent.session));
  });

  it('unbind: the sockets stop receiving the queue and the questions they may no longer read', async () => {
    const asker = await f.user();
    const agent = await f.agent({ identifies: [asker.identify] });
    const colleague = await connect((await f.agent({ identifies: [asker.identify] })).session);
    const { servId, session, password } = agent;
    const others = await f.question(asker);
    // The agent's device is also a user of the app, with a question of its own.
    const deviceUser = { userId: (await server.deps.store.accounts.getSession(sessionDigest(session)))!.userId, session, identify: asker.identify, name: '' };
    const own = await f.question(deviceUser);
    const a = await connect(session);
    for (const id of [others, own]) assert.equal((await a.socket.emitWithAck('question:subscribe', { question_id: id })).status, 200);

    assert.equal((await f.api.post('/v1/serv/unbind', { session, serv_id: servId, password })).status, 200);
    await eventually(async () => !(await roomsOf(session)).has(`agent:${servId}`), 'agent room left', 5000);
    const rooms = await roomsOf(session);
    assert.ok(!rooms.has(`queue:${asker.identify}`));
    assert.ok(!rooms.has(`question:${others}`), 'left the question it may no longer read');
    assert.ok(rooms.has(`question:${own}`), 'kept its own question');

    const fresh = await f.question(asker);
    await colleague.waitFor('queue:added', (p) => p.question.question_id === fresh);
    const helper = await f.agent({ identifies: [asker.identify] });
    await f.serve(others, helper);
    await f.sendText(others, asker, 'still there?');
    await colleague.flush();
    await a.flush();
    assert.ok(!a.all('queue:added').some((p) => p.question.question_id === fresh));
    assert.ok(!a.all('message:new').some((p) => p.question_id === others));
    // A subscription it may no longer hold is refused, like the REST read.
    assert.equal((await a.socket.emitWithAck('question:subscribe', { question_id: others }) as any).error, 'forbidden');
  });

  it('rebinding the session to another agent moves the sockets to that agent’s rooms', async () => {
    const app = await f.app();
    const first = await f.agent({ identifies: [app] });
    const appB = await f.app();
    const second = await f.agent({ identifies: [app, appB] });
    const a = await connect(first.session);
    const bind = await f.api.post('/v1/serv/bind', { session: first.session, serv_id: second.servId, password: second.password });
    assert.equal(bind.status, 200);
    await eventually(async () => (await roomsOf(first.session)).has(`queue:${appB}`), 'new queue room joined', 5000);
    assert.ok(!(await roomsOf(first.session)).has(`agent:${first.servId}`));
    const id = await f.question(await f.user({ identify: appB }));
    await a.waitFor('queue:added', (p) => p.question.question_id === id);
  });

  it('binding while connected: the open socket joins the agent and queue rooms at once', async () => {
    const agent = await f.agent({ bind: false });
    const a = await connect(agent.session);
    assert.ok(!(await roomsOf(agent.session)).has(`agent:${agent.servId}`));
    const bind = await f.api.post('/v1/serv/bind', { session: agent.session, serv_id: agent.servId, password: agent.password });
    assert.equal(bind.status, 200);
    await eventually(async () => (await roomsOf(agent.session)).has(`queue:${agent.identifies[0]}`), 'queue room joined', 5000);
    const asker = await f.user({ identify: agent.identifies[0] });
    const fresh = await f.question(asker);
    await a.waitFor('queue:added', (p) => p.question.question_id === fresh);
  });

  it("changing an agent's password ends its bindings: the open sockets leave its rooms; the same password keeps them", async () => {
    const agent = await f.agent();
    const a = await connect(agent.session);
    const digest = sessionDigest(agent.session);
    await agentUpserter(server.deps, { serv_id: agent.servId, password: agent.password, name: 'Renamed', identifies: agent.identifies });
    assert.equal((await server.deps.store.accounts.getSession(digest))!.servId, agent.servId, 'same password: still bound');

    await agentUpserter(server.deps, { serv_id: agent.servId, password: 'a-new-password', identifies: agent.identifies });
    assert.equal((await server.deps.store.accounts.getSession(digest))!.servId, null);
    await eventually(async () => !(await roomsOf(agent.session)).has(`agent:${agent.servId}`), 'agent room left', 5000);
    assert.ok(!(await roomsOf(agent.session)).has(`queue:${agent.identifies[0]}`));
    assert.equal(a.socket.connected, true, 'the device stays connected as its user');
  });

  it('removing an agent (agentRemover) unbinds its sessions and takes their sockets out of its rooms', async () => {
    const agent = await f.agent();
    await connect(agent.session);
    await agentRemover(server.deps, { serv_id: agent.servId });
    assert.equal(await server.deps.store.accounts.getAgent(agent.servId), null);
    assert.equal((await server.deps.store.accounts.getSession(sessionDigest(agent.session)))!.servId, null);
    await eventually(async () => !(await roomsOf(agent.session)).has(`agent:${agent.servId}`), 'agent room left', 5000);
    assert.ok(!(await roomsOf(agent.session)).has(`queue:${agent.identifies[0]}`));
    await assert.rejects(agentRemover(server.deps, { serv_id: agent.servId }), (error: Error & { code?: string }) => error.code === 'not_found');
  });

  it("removing an app (appRemover) disconnects its sessions; its agents' other sessions leave its queue room", async () => {
    const removed = await f.app();
    const kept = await f.app();
    const agent = await f.agent({ identifies: [kept, removed] }); // its device session is in `kept`
    const user = await f.user({ identify: removed });
    const u = await connect(user.session);
    await connect(agent.session);
    assert.ok((await roomsOf(agent.session)).has(`queue:${removed}`));
    const gone = disconnected(u.socket);
    await appRemover(server.deps, { identify: removed });
    assert.equal(await gone, 'io server disconnect');
    await eventually(async () => !(await roomsOf(agent.session)).has(`queue:${removed}`), 'queue room left', 5000);
    assert.ok((await roomsOf(agent.session)).has(`queue:${kept}`));
    assert.ok((await roomsOf(agent.session)).has(`agent:${agent.servId}`));
    await assert.rejects(appRemover(server.deps, { identify: removed }), (error: Error & { code?: string }) => error.code === 'not_found');
  });

  it('deleting an unbound session disconnects its sockets too', async () => {
    const user = await f.user();
    const u = await connect(user.session);
    const gone = disconnected(u.socket);
    const reply = await f.api.delete(`/v1/admin/sessions/${user.session}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(reply.status, 200);
    assert.equal(await gone, 'io server disconnect');
  });

  it('deleting a bound session disconnects its sockets', async () => {
    const agent = await f.agent();
    const a = await connect(agent.session);
    const gone = disconnected(a.socket);
    const reply = await f.api.delete(`/v1/admin/sessions/${agent.session}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(reply.status, 200);
    assert.equal(await gone, 'io server disconnect');
  });

  it('presence: online while a socket of the session is connected, on this node', async () => {
    const user = await f.user();
    const presence = server.realtime.presence;
    assert.equal(await isOnline(presence, sessionDigest(user.session)), false);
    const r = await connect(user.session);
    assert.equal(await isOnline(presence, sessionDigest(user.session)), true);
    assert.equal(await isOnline(presence, sessionDigest(await f.session(user))), false, 'another device of the same user');
    r.close();
    await eventually(async () => !(await isOnline(presence, sessionDigest(user.session))), 'offline after close', 5000);
  });

  describe('limits (rate limits on)', () => {
    const { server: limited } = useTestServer({ env: { RATE_LIMITS: 'on' }, realtime: { socketEventLimit: { limit: 20, windowS: 60 } } });

    it('a flood of events disconnects the offender only', async () => {
      const lf = factories(limited);
      const { user, agent, questionId } = await lf.servedQuestion();
      const flooder = await recordedSocket(limited.url, user.session);
      const bystander = await recordedSocket(limited.url, agent.session);
      try {
        const gone = disconnected(flooder.socket);
        for (let i = 0; i < 50; i++) flooder.socket.emit('typing', { question_id: questionId });
        assert.equal(await gone, 'io server disconnect');
        await bystander.flush();
        assert.ok(bystander.socket.connected);
      } finally {
        flooder.close();
        bystander.close();
      }
    });

    it('a packet over 1 MB closes the connection', async () => {
      const user = await factories(limited).user();
      const r = await recordedSocket(limited.url, user.session);
      try {
        const gone = disconnected(r.socket);
        r.socket.emit('message:send_text', { question_id: 'f'.repeat(24), text: 'x'.repeat(1_100_000) }, () => {});
        assert.equal(await gone, 'transport close');
      } finally {
        r.close();
      }
    });

    it('socket sends count against the per-session send limit shared with REST', async () => {
      const lf = factories(limited);
      const { user, questionId } = await lf.servedQuestion();
      const r = await recordedSocket(limited.url, user.session);
      try {
        let status = 200;
        for (let i = 0; i < 200 && status === 200; i++) status = (await lf.sendText(questionId, user, `rest ${i}`)).status;
        assert.equal(status, 429, 'REST send budget spent');
        const ack: any = await r.socket.emitWithAck('message:send_text', { question_id: questionId, text: 'and now?' });
        assert.equal(ack.status, 300);
        assert.equal(ack.error, 'rate_limited');
      } finally {
        r.close();
      }
    });
  });
});
