/**
 * The operator's watch socket (`kefu watch`): a handshake with the ADMIN_TOKEN instead of a
 * session joins the watch rooms of the apps it names (or of every app), and hears one `watch:event`
 * per question asked or changed and per message stored there, from this node or another. A wrong
 * or missing token, an unknown app or a malformed list is refused; nothing of any session travels.
 */
import assert from 'node:assert/strict';
import { sessionDigest } from '../../server/domain/sessionTokens.js';
import { factories } from '../support/factories.js';
import { startCluster, type Cluster } from '../support/nodes.js';
import { requireRedis, startRedis, type TestRedis } from '../support/redis.js';
import { ADMIN_TOKEN, startTestServer, useTestServer } from '../support/server.js';
import { connectSocket, record, type Recorded } from '../support/sockets.js';

/** A watch socket: the admin token in the handshake, and the apps to watch when given. */
async function watcher(url: string, auth: Record<string, unknown>): Promise<Recorded> {
  return record(await connectSocket(url, undefined, { auth }));
}

/** The handshake refusal: connect_error's message and data. */
async function refusal(url: string, auth: Record<string, unknown>): Promise<{ message: string; data: any }> {
  const error = await connectSocket(url, undefined, { auth }).then(
    (socket) => {
      socket.close();
      throw new Error('the handshake was accepted');
    },
    (e: Error & { data?: unknown }) => e,
  );
  return { message: error.message, data: error.data };
}

describe('real time: the watch socket (kefu watch)', function () {
  this.timeout(30_000);
  const { server, f } = useTestServer();
  const open: Recorded[] = [];
  afterEach(() => open.splice(0).forEach((r) => r.close()));
  const watch = async (auth: Record<string, unknown>) => {
    const r = await watcher(server.url, auth);
    open.push(r);
    return r;
  };

  it('hears the questions, transitions and messages of the apps it names, and nothing else', async () => {
    const user = await f.user();
    const other = await f.user();
    const agent = await f.agent({ identifies: [user.identify] });
    const w = await watch({ admin_token: ADMIN_TOKEN, identifies: [user.identify] });

    const ignored = await f.question(other);
    const id = await f.question(user, { title: 'Where is my parcel?' });
    const created = await w.waitFor('watch:event', (p) => p.question_id === id && p.event === 'question.created');
    assert.deepEqual(
      { ...created, timestamp: 0 },
      { event: 'question.created', identify: user.identify, question_id: id, user_id: user.userId, title: 'Where is my parcel?', status: 1, serv_id: null, action: null, message: null, timestamp: 0 },
    );
    await f.serve(id, agent);
    const served = await w.waitFor('watch:event', (p) => p.question_id === id && p.event === 'question.transitioned');
    assert.deepEqual([served.status, served.serv_id, served.action, served.message?.type, served.message?.preview], [2, agent.servId, 1, 4, '']);

    const long = `Order 42 has not arrived ${'x'.repeat(200)}`;
    await f.sendText(id, user, long);
    const sent = await w.waitFor('watch:event', (p) => p.event === 'message.created');
    assert.equal(sent.message!.sender, user.userId);
    assert.equal(sent.message!.sender_type, 1);
    assert.equal(sent.message!.preview, long.slice(0, 120));

    // Events reach one connection in order: once a later question is heard, everything before it was.
    const last = await f.question(user);
    await w.waitFor('watch:event', (p) => p.question_id === last);
    assert.ok(w.received.every((r) => r.event === 'watch:event'), `only watch:event: ${w.received.map((r) => r.event)}`);
    assert.ok(!w.received.some((r) => r.payload.question_id === ignored), 'an app it does not watch');
    assert.ok(w.received.every((r) => !('invalid' in r.payload)), 'every payload matches watchEventPayload');
    // Nothing of any session: no token, no digest, in any payload.
    const heard = JSON.stringify(w.received);
    for (const session of [user.session, agent.session]) {
      assert.ok(!heard.includes(session), 'a session token');
      assert.ok(!heard.includes(sessionDigest(session).slice(0, 16)), 'a session digest');
    }
    assert.ok(!heard.includes(ADMIN_TOKEN));
  });

  it('hears every app when it names none; its handshake keeps no token for other nodes to see', async () => {
    const [a, b] = [await f.user(), await f.user()];
    const w = await watch({ admin_token: ADMIN_TOKEN });
    const [qa, qb] = [await f.question(a), await f.question(b)];
    await w.waitFor('watch:event', (p) => p.question_id === qa && p.identify === a.identify);
    await w.waitFor('watch:event', (p) => p.question_id === qb && p.identify === b.identify);

    const sockets = await server.realtime.io.fetchSockets();
    const watchers = sockets.filter((s) => s.data.kind === 'watcher');
    assert.equal(watchers.length, 1);
    assert.deepEqual([...watchers[0]!.rooms].filter((r) => r.startsWith('watch:')), ['watch:*']);
    assert.ok(!JSON.stringify(watchers.map((s) => [s.handshake, s.data])).includes(ADMIN_TOKEN));
  });

  it('refuses a wrong or missing token, an unknown app and a malformed list, saying why', async () => {
    const user = await f.user();
    const wrong = await refusal(server.url, { admin_token: `${ADMIN_TOKEN}x`, identifies: [user.identify] });
    assert.equal(wrong.message, 'forbidden');
    assert.deepEqual(wrong.data, { error: 'forbidden', debug: 'watching needs the ADMIN_TOKEN' });
    assert.equal((await refusal(server.url, { admin_token: '' })).message, 'param_missing');
    assert.equal((await refusal(server.url, { admin_token: ADMIN_TOKEN, identifies: 'com.not.a.list' })).message, 'param_invalid');
    const unknown = await refusal(server.url, { admin_token: ADMIN_TOKEN, identifies: [user.identify, 'com.nobody.here'] });
    assert.deepEqual(unknown, { message: 'not_found', data: { error: 'not_found', debug: 'no app com.nobody.here' } });
    // A device session's socket is still refused as before, whatever else its auth carries.
    assert.equal((await refusal(server.url, { session: 'AAAAAAAAAAAA' })).message, 'session_invalid');
  });

  it('is refused while ADMIN_TOKEN is unset', async () => {
    const bare = await startTestServer({ ADMIN_TOKEN: '' });
    try {
      assert.equal((await refusal(bare.url, { admin_token: ADMIN_TOKEN })).message, 'forbidden');
    } finally {
      await bare.stop();
    }
  });
});

describe('real time: the watch socket across nodes', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let cluster: Cluster;
  before(async function () {
    requireRedis(this);
    redis = await startRedis();
    cluster = await startCluster(redis.url);
  });
  after(async () => {
    await cluster?.stop();
    await redis?.stop();
  });

  it('a watcher on one node hears what happens through another', async () => {
    const b = factories(cluster.nodes[1]!);
    const user = await b.user();
    const w = await watcher(cluster.nodes[0]!.url, { admin_token: ADMIN_TOKEN, identifies: [user.identify] });
    try {
      const id = await b.question(user);
      await w.waitFor('watch:event', (p) => p.question_id === id && p.event === 'question.created');
      await b.sendText(id, user, 'through node B');
      const sent = await w.waitFor('watch:event', (p) => p.event === 'message.created');
      assert.equal(sent.message!.preview, 'through node B');
    } finally {
      w.close();
    }
  });
});
