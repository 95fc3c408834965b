/**
 * Rate limits with REDIS_URL: two nodes on one DATA_DIR and one private redis-server count one
 * budget (an attacker alternating nodes gets no more guesses), Redis holds digests rather than
 * session tokens, a socket flood costs only the offender its connection, and with Redis stopped
 * every request is still answered (each node counts in memory).
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RATE_RULES } from '../../server/rateLimits/index.js';
import { RATE_KEY_PREFIX } from '../../server/rateLimits/redisCounter.js';
import { assertError } from '../support/envelope.js';
import { factories, type Factories, type TestAgent, type TestUser } from '../support/factories.js';
import { client } from '../support/http.js';
import { startCluster, type Cluster } from '../support/nodes.js';
import { requireRedis, startRedis, type TestRedis } from '../support/redis.js';
import { recordedSocket } from '../support/sockets.js';

describe('rate limits shared through Redis (REDIS_URL, RATE_LIMITS=on)', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let cluster: Cluster;
  let inspector: Redis;
  let f: Factories;
  const apis = () => cluster.nodes.map((n) => client(n.url));

  before(async function () {
    requireRedis(this);
    redis = await startRedis();
    cluster = await startCluster(redis.url, 2, { RATE_LIMITS: 'on' });
    inspector = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    await inspector.connect();
    f = factories(cluster.nodes[0]!);
  });
  // Each test starts with fresh windows (every attempt here comes from 127.0.0.1).
  beforeEach(async () => {
    if (inspector?.status === 'ready') await inspector.flushdb();
  });
  after(async () => {
    inspector?.disconnect();
    await cluster?.stop();
    await redis?.stop();
  });

  /** A bind attempt on node `i % 2`: attempts alternate between the two nodes. */
  const bindOn = (i: number, session: string, agent: TestAgent, password: string) =>
    apis()[i % 2]!.post('/v1/serv/bind', { session, serv_id: agent.servId, password });

  it('counts bind attempts of one session on both nodes against one limit', async () => {
    const { limit } = RATE_RULES.bindPerSession;
    const agent = await f.agent({ bind: false });
    const device = await f.user({ identify: agent.identifies[0] });
    for (let i = 0; i < limit; i++) assertError(await bindOn(i, device.session, agent, `guess-${i}`), 'serv_auth_failed');
    // Memory counters would allow `limit` more on each node; the shared one refuses on both.
    assertError(await bindOn(limit, device.session, agent, 'guess-x'), 'rate_limited');
    assertError(await bindOn(limit + 1, device.session, agent, agent.password), 'rate_limited');
    const retryAfter = Number((await bindOn(limit, device.session, agent, 'y')).headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= RATE_RULES.bindPerSession.windowS, `Retry-After ${retryAfter}`);

    // Redis holds the counters under kefu:rl:, keyed by a digest: no session token in a key.
    const keys = await inspector.keys(`${RATE_KEY_PREFIX}*`);
    assert.ok(keys.some((k) => k.startsWith(`${RATE_KEY_PREFIX}bind-session:`)), keys.join(' '));
    for (const key of keys) assert.ok(!key.includes(device.session), key);
    const ttl = await inspector.pttl(keys.find((k) => k.includes('bind-session'))!);
    assert.ok(ttl > 0 && ttl <= RATE_RULES.bindPerSession.windowS * 1000, `PTTL ${ttl}`);
  });

  it('counts password guesses against one agent across sessions and nodes', async () => {
    const { limit } = RATE_RULES.bindPerAgent;
    const agent = await f.agent({ bind: false });
    const devices: TestUser[] = [];
    for (let i = 0; i <= limit; i++) devices.push(await f.user({ identify: agent.identifies[0] }));
    // One guess per session, so only the per-agent (and per-IP, higher) rule can trip.
    for (let i = 0; i < limit; i++) assertError(await bindOn(i, devices[i]!.session, agent, `guess-${i}`), 'serv_auth_failed');
    assertError(await bindOn(limit, devices[limit]!.session, agent, agent.password), 'rate_limited');
  });

  it('counts sends of one session on both nodes and over sockets against one limit', async () => {
    const { limit } = RATE_RULES.sendPerSession;
    const { user, questionId } = await f.servedQuestion();
    const socket = await recordedSocket(cluster.nodes[1]!.url, user.session);
    try {
      const send = (i: number) =>
        apis()[i % 2]!.post(`/v1/question/${questionId}/message/send_text`, {
          session: user.session,
          sender: user.userId,
          sender_type: 1,
          text: `m${i}`,
        });
      for (let i = 0; i < limit - 1; i++) assert.equal((await send(i)).status, 200, `send ${i}`);
      const last: any = await socket.socket.emitWithAck('message:send_text', { question_id: questionId, text: 'by socket' });
      assert.equal(last.status, 200, JSON.stringify(last));
      assertError(await send(limit), 'rate_limited');
      const refused: any = await socket.socket.emitWithAck('message:send_text', { question_id: questionId, text: 'again' });
      assert.equal(refused.error, 'rate_limited');
    } finally {
      socket.close();
    }
  });

  it("disconnects a socket that floods events; another client's messages keep flowing", async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    const flooder = await recordedSocket(cluster.nodes[0]!.url, agent.session);
    const listener = await recordedSocket(cluster.nodes[0]!.url, user.session);
    try {
      const gone = new Promise<string>((resolve) => flooder.socket.once('disconnect', resolve));
      let flooding = true;
      void gone.then(() => (flooding = false));
      // Interleave the flood with real messages from the other node.
      const texts: string[] = [];
      for (let round = 0; round < 10; round++) {
        for (let i = 0; i < 40 && flooding; i++) flooder.socket.emit('typing', { question_id: questionId });
        const text = `still here ${round}`;
        const reply = await f.sendText(questionId, agent, text).catch(() => null);
        if (reply?.status === 200) texts.push(text);
      }
      assert.equal(await gone, 'io server disconnect');
      assert.ok(texts.length > 0);
      for (const text of texts) await listener.waitFor('message:new', (p) => p.message.text === text, 10_000);
      assert.ok(listener.socket.connected);
    } finally {
      flooder.close();
      listener.close();
    }
  });

  // Last: stops the shared Redis.
  it('answers every request while Redis is down, limiting per node in memory', async () => {
    const agent = await f.agent({ bind: false });
    const device = await f.user({ identify: agent.identifies[0] });
    await redis.stop();
    const [a] = apis() as [ReturnType<typeof client>];
    const question = await a.post('/v1/question/new', { session: device.session, title: 'Redis is away' });
    assert.equal(question.status, 200, question.text);
    const { limit } = RATE_RULES.bindPerSession;
    for (let i = 0; i < limit; i++) {
      assertError(await a.post('/v1/serv/bind', { session: device.session, serv_id: agent.servId, password: `g${i}` }), 'serv_auth_failed');
    }
    assertError(await a.post('/v1/serv/bind', { session: device.session, serv_id: agent.servId, password: 'g' }), 'rate_limited');
    // The other node has its own memory budget until Redis returns.
    const other = await apis()[1]!.post('/v1/serv/bind', { session: device.session, serv_id: agent.servId, password: agent.password });
    assert.equal(other.status, 200, other.text);
  });
});
