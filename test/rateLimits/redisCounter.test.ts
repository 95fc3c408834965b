/**
 * RedisRateCounter against a private redis-server: two nodes' counters share one window, Redis keys
 * hold digests, and while Redis is slow or down every hit is still answered, counted in memory,
 * with one warning per outage and one notice when Redis counts again.
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { LimitRule } from '../../server/rateLimits/index.js';
import { RATE_KEY_PREFIX, RedisRateCounter } from '../../server/rateLimits/redisCounter.js';
import { LogCapture } from '../support/logCapture.js';
import { requireRedis, startRedis, type TestRedis } from '../support/redis.js';

const rule: LimitRule = { name: 'test-rule', limit: 3, windowS: 60 };
const session = 'a-live-session-token-that-must-stay-out-of-redis';

describe('rate limits: RedisRateCounter (rate-limiter-flexible on a real redis-server)', function () {
  this.timeout(30_000);
  let redis: TestRedis;
  const clients: Redis[] = [];
  const connect = async () => {
    const client = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    clients.push(client);
    await new Promise((resolve) => client.once('ready', resolve));
    return client;
  };
  const counterOn = (client: Redis, log: LogCapture, timeoutMs?: number) => {
    const counter = new RedisRateCounter({ logger: log.logger, timeoutMs });
    counter.attach(client);
    return counter;
  };
  const warnings = (log: LogCapture) => log.lines.filter((l) => l.level === 40 && /redis unavailable/.test(l.msg));
  const notices = (log: LogCapture) => log.lines.filter((l) => /shared through redis again/.test(l.msg));

  before(async function () {
    requireRedis(this);
    redis = await startRedis();
  });
  let inspector: Redis;
  beforeEach(async () => {
    inspector = await connect();
    await inspector.flushdb();
  });
  after(async () => {
    for (const client of clients) client.disconnect();
    await redis?.stop();
  });

  it('counts the hits of two nodes in one window, under a digest of the key', async () => {
    const log = new LogCapture();
    const [a, b] = [counterOn(await connect(), log), counterOn(await connect(), log)];
    const results = [];
    for (let i = 0; i <= rule.limit; i++) results.push(await (i % 2 ? b : a).hit(rule, session));
    assert.deepEqual(
      results.map((r) => r.allowed),
      [true, true, true, false],
    );
    const refused = results.at(-1)!;
    assert.ok(refused.retryAfter >= 1 && refused.retryAfter <= rule.windowS, `retryAfter ${refused.retryAfter}`);

    const keys = await inspector.keys('*');
    assert.equal(keys.length, 1, keys.join(' '));
    assert.match(keys[0]!, new RegExp(`^${RATE_KEY_PREFIX}${rule.name}:[A-Za-z0-9_-]{22}$`));
    assert.ok(!keys[0]!.includes(session));
    assert.equal(await inspector.get(keys[0]!), String(rule.limit + 1));
    assert.deepEqual(warnings(log), []);
  });

  it('counts in memory while Redis is slow: answered within the timeout, one warning, one notice after', async () => {
    const log = new LogCapture();
    const counter = counterOn(await connect(), log, 100);
    assert.equal((await counter.hit(rule, session)).allowed, true);
    // Every client waits 3 s for an answer: far over the counter's 100 ms.
    await inspector.call('CLIENT', 'PAUSE', '3000', 'ALL');
    const started = Date.now();
    const slow = [];
    for (let i = 0; i < rule.limit + 1; i++) slow.push(await counter.hit(rule, session));
    assert.ok(Date.now() - started < 2500, `slow hits took ${Date.now() - started} ms`);
    // The node's own window: it has not seen the hit Redis counted before the pause.
    assert.deepEqual(
      slow.map((r) => r.allowed),
      [true, true, true, false],
    );
    assert.equal(warnings(log).length, 1, log.text);

    await new Promise((resolve) => setTimeout(resolve, 3000 - (Date.now() - started) + 100));
    await counter.hit(rule, 'another key');
    await counter.hit(rule, 'another key');
    assert.equal(notices(log).length, 1, log.text);
    assert.equal(warnings(log).length, 1, log.text);
  });

  it('answers every hit while Redis is down and counts in Redis again once it is back', async () => {
    const log = new LogCapture();
    const client = await connect();
    const counter = counterOn(client, log);
    await redis.stop();
    const down = [];
    for (let i = 0; i < rule.limit + 2; i++) down.push(await counter.hit(rule, session));
    assert.deepEqual(
      down.map((r) => r.allowed),
      [true, true, true, false, false],
    );
    assert.equal(warnings(log).length, 1, log.text);
    assert.equal(warnings(log)[0]!.redisStatus === 'ready', false);

    await redis.restart();
    for (const c of [client, inspector]) await new Promise((resolve) => (c.status === 'ready' ? resolve(null) : c.once('ready', resolve)));
    assert.equal((await counter.hit(rule, 'after the outage')).allowed, true);
    assert.equal(notices(log).length, 1, log.text);
    assert.equal((await inspector.keys(`${RATE_KEY_PREFIX}*`)).length, 1);
  });

  it('counts in memory until a client is attached', async () => {
    const log = new LogCapture();
    const counter = new RedisRateCounter({ logger: log.logger });
    for (let i = 0; i < rule.limit; i++) assert.equal((await counter.hit(rule, session)).allowed, true);
    assert.equal((await counter.hit(rule, session)).allowed, false);
    assert.equal(warnings(log).length, 1, log.text);
    assert.equal(warnings(log)[0]!.redisStatus, 'not attached');
  });
});
