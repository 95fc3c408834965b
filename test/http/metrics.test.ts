import assert from 'node:assert/strict';
import { assertError } from '../support/envelope.js';
import { eventually } from '../support/eventually.js';
import { LogCapture } from '../support/logCapture.js';
import { METRICS_TOKEN, parseExposition, scrape } from '../support/metrics.js';
import { requireRedis, startRedis, type TestRedis } from '../support/redis.js';
import { startTestServer, useTestServer, type TestServer } from '../support/server.js';
import { connectSocket, type TestSocket } from '../support/sockets.js';
import { movableClock, startReceiver, type Receiver } from '../jobs/support.js';

/** The families every scrape carries (the Redis gauge only with REDIS_URL, below). */
const FAMILIES = [
  'kefu_http_request_duration_seconds',
  'kefu_socket_events_emitted_total',
  'kefu_messages_stored_total',
  'kefu_queue_depth',
  'kefu_sockets_connected',
  'kefu_outbox_events',
  'kefu_outbox_deliveries',
  'kefu_outbox_deliveries_total',
  'kefu_webhooks',
  'kefu_sweeper_runs_total',
  'kefu_sweeper_transitions_total',
  'kefu_store_operation_duration_seconds',
  'kefu_metrics_read_failures_total',
  // prom-client's default process metrics
  'process_cpu_user_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_eventloop_lag_seconds',
  'nodejs_heap_size_used_bytes',
];

describe('GET /metrics without METRICS_TOKEN', () => {
  const { f } = useTestServer();

  it('answers 404 not_found exactly as an unknown path does, token or not', async () => {
    const unknown = await f.api.get('/no-such-path');
    const attempts: Array<Record<string, string>> = [{}, { authorization: `Bearer ${METRICS_TOKEN}` }];
    for (const headers of attempts) {
      const reply = await f.api.get('/metrics', undefined, { headers });
      assertError(reply, 'not_found');
      assert.equal(reply.body.debug, unknown.body.debug.replace('/no-such-path', '/metrics'));
    }
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  const logs = new LogCapture('debug');
  const clock = movableClock();
  const { server, f } = useTestServer({
    env: { METRICS_TOKEN, QUESTION_PENDING_TIMEOUT_S: '100', SWEEP_INTERVAL_S: '3600', RATE_LIMITS: 'on' },
    logger: logs.logger,
    now: clock.now,
  });
  const sockets: TestSocket[] = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.disconnect();
  });

  it('answers 401 token_invalid without the bearer token, with another one, or another scheme', async () => {
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: `Basic ${METRICS_TOKEN}` }, { authorization: `Bearer ${METRICS_TOKEN}x` }];
    for (const headers of attempts) {
      const reply = await f.api.get('/metrics', undefined, { headers });
      assertError(reply, 'token_invalid', 'authorization');
      assert.equal(reply.headers.get('www-authenticate'), 'Bearer realm="kefu metrics"');
      assert.doesNotMatch(reply.text, /kefu_/);
    }
  });

  it('serves the text exposition with every family, uncached, and never logs the token', async () => {
    const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const text = await response.text();
    for (const family of FAMILIES) assert.match(text, new RegExp(`^# TYPE ${family} `, 'm'), family);
    assert.doesNotMatch(text, /kefu_redis_connected/, 'no Redis gauge without REDIS_URL');
    parseExposition(text);
    await f.api.get('/metrics', undefined, { headers: { authorization: 'Bearer wrong-token-0123456789' } });
    assert.ok(logs.raw.some((line) => line.includes('"/metrics"')), 'the scrapes were logged');
    assert.ok(!logs.raw.some((line) => line.includes(METRICS_TOKEN) || line.includes('wrong-token')), 'a token in the logs');
  });

  it('is not rate limited: more scrapes than the per-IP limit of /v1 all answer', async function () {
    this.timeout(90_000);
    // 1200 per 60 s per IP under /v1 (RATE_LIMITS=on here); refused scrapes are the cheap ones.
    const refused = async () => {
      const response = await fetch(`${server.url}/metrics`);
      await response.arrayBuffer();
      return response.status;
    };
    for (let batch = 0; batch < 22; batch++) {
      const statuses = await Promise.all(Array.from({ length: 55 }, refused));
      assert.deepEqual(new Set(statuses), new Set([401]), `batch ${batch}`);
    }
    await scrape(server.url);
    assert.equal((await f.api.get('/v1/question/list')).status, 400, 'the /v1 budget of this IP is untouched');
  });

  it('times requests by route template, method and status; unknown paths under one label', async () => {
    const user = await f.user();
    const q = await f.question(user);
    await f.api.get(`/v1/question/${q}/message`, { sort: 1, num: 10 }, { session: user.session });
    await f.api.get(`/v1/nothing/${q}`);
    const after = await scrape(server.url);
    const route = '/v1/question/:question_id/message';
    assert.ok(after.value('kefu_http_request_duration_seconds_count', { route, method: 'GET', status: '200' }) >= 1);
    assert.ok(after.value('kefu_http_request_duration_seconds_count', { route: '/v1/question/new', method: 'POST', status: '200' }) >= 1);
    assert.ok(after.value('kefu_http_request_duration_seconds_count', { route: '(unmatched)', method: 'GET', status: '404' }) >= 1);
    assert.ok(!after.text.includes(q), 'a question id in the output');
  });

  it('counts stored messages by type, emitted socket events by name, and reports queue depth and sockets', async () => {
    const user = await f.user();
    const agent = await f.agent({ identifies: [user.identify] });
    const before = await scrape(server.url);
    assert.equal(before.value('kefu_sockets_connected'), 0);
    assert.equal(before.value('kefu_queue_depth', { identify: user.identify }), 0, 'a new app reports an empty queue');

    sockets.push(await connectSocket(server.url, agent.session));
    const q = await f.question(user);
    const queued = await scrape(server.url);
    assert.equal(queued.value('kefu_sockets_connected'), 1);
    assert.equal(queued.value('kefu_queue_depth', { identify: user.identify }), 1);
    // queue:added is emitted once the asker's name is read, just after the reply.
    const added = before.value('kefu_socket_events_emitted_total', { event: 'queue:added' }) + 1;
    await eventually(async () => (await scrape(server.url)).value('kefu_socket_events_emitted_total', { event: 'queue:added' }) === added, 'queue:added counted');

    await f.serve(q, agent);
    const reply = await f.sendText(q, user, 'hello');
    assert.equal(reply.status, 200);
    const sent = await scrape(server.url);
    assert.equal(sent.value('kefu_queue_depth', { identify: user.identify }), 0);
    assert.equal(sent.value('kefu_messages_stored_total', { type: 'text' }), before.value('kefu_messages_stored_total', { type: 'text' }) + 1);
    assert.equal(sent.value('kefu_messages_stored_total', { type: 'notice' }), before.value('kefu_messages_stored_total', { type: 'notice' }) + 1);
    // The serve notice and the text, each one emit; the serve's question:updated and queue:removed.
    const emitted = (s: typeof sent, event: string) => s.value('kefu_socket_events_emitted_total', { event });
    assert.equal(emitted(sent, 'message:new'), emitted(before, 'message:new') + 2);
    assert.equal(emitted(sent, 'question:updated'), emitted(before, 'question:updated') + 1);
    assert.equal(emitted(sent, 'queue:removed'), emitted(before, 'queue:removed') + 1);

    // A retried send (same client_msg_id) stores nothing new.
    await f.sendText(q, user, 'again', { client_msg_id: 'c-1' });
    await f.sendText(q, user, 'again', { client_msg_id: 'c-1' });
    const retried = await scrape(server.url);
    assert.equal(retried.value('kefu_messages_stored_total', { type: 'text' }), sent.value('kefu_messages_stored_total', { type: 'text' }) + 1);

    sockets.splice(0).forEach((socket) => socket.disconnect());
    await eventually(async () => (await scrape(server.url)).value('kefu_sockets_connected') === 0, 'the socket gone from the gauge');
  });

  it('times store operations by subject and operation', async () => {
    const user = await f.user();
    await f.question(user);
    const after = await scrape(server.url);
    assert.ok(after.value('kefu_store_operation_duration_seconds_count', { subject: 'conversations', operation: 'createQuestion' }) >= 1);
    assert.ok(after.value('kefu_store_operation_duration_seconds_count', { subject: 'accounts', operation: 'getSession' }) >= 1);
    assert.ok(after.value('kefu_store_operation_duration_seconds_count', { subject: 'conversations', operation: 'queueDepths' }) >= 1, 'the scrape reads the store too');
  });

  it('counts sweeps and the transitions they apply, by action', async () => {
    const user = await f.user();
    await f.question(user);
    const before = await scrape(server.url);
    clock.advance(200);
    await server.jobs.sweeper.sweep();
    const after = await scrape(server.url);
    assert.equal(after.value('kefu_sweeper_runs_total'), before.value('kefu_sweeper_runs_total') + 1);
    assert.ok(after.value('kefu_sweeper_transitions_total', { action: 'timedOut' }) >= before.value('kefu_sweeper_transitions_total', { action: 'timedOut' }) + 1);
    assert.equal(after.value('kefu_queue_depth', { identify: user.identify }), 0);
    await server.jobs.sweeper.sweep();
    const idle = await scrape(server.url);
    assert.equal(idle.value('kefu_sweeper_runs_total'), after.value('kefu_sweeper_runs_total') + 1);
    assert.equal(idle.value('kefu_sweeper_transitions_total'), after.value('kefu_sweeper_transitions_total'), 'nothing left to time out');
  });

  it('keeps label sets bounded: many distinct question ids add no series and appear nowhere', async () => {
    const user = await f.user();
    const agent = await f.agent({ identifies: [user.identify] });
    const traffic = async (count: number) => {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const q = await f.question(user);
        ids.push(q);
        await f.serve(q, agent);
        await f.sendText(q, user, `message ${i}`);
        await f.api.get(`/v1/question/${q}/message`, { sort: 1, num: 10 }, { session: user.session });
        await f.api.get(`/v1/question/${q}/nowhere/${i}`);
      }
      return ids;
    };
    const kefuSeries = (text: string) => parseExposition(text).filter((s) => s.name.startsWith('kefu_')).length;
    const firstIds = await traffic(5);
    const first = await scrape(server.url);
    const moreIds = await traffic(40);
    const second = await scrape(server.url);
    assert.equal(kefuSeries(second.text), kefuSeries(first.text), 'series grew with the number of questions');
    for (const id of [...firstIds, ...moreIds, user.userId, user.session, agent.session]) {
      assert.ok(!second.text.includes(id), `${id} appears in the metrics`);
    }
  });
});

describe('GET /metrics: outbox depth and delivery outcomes', () => {
  let receiver: Receiver;
  let answer = 200;
  before(async () => {
    receiver = await startReceiver(() => answer);
  });
  after(async () => {
    await receiver.close();
  });
  const clock = movableClock();
  const { server, f } = useTestServer({
    env: () => ({ METRICS_TOKEN, PUSH_WEBHOOK_URL: receiver.url, PUSH_WEBHOOK_SECRET: 'test-push-secret-0123456789' }),
    now: clock.now,
  });

  it('counts delivered and retried deliveries under the push sink, and reads the outbox depth', async () => {
    const user = await f.user();
    await f.agent({ identifies: [user.identify], bind: true });
    const outcome = (s: Awaited<ReturnType<typeof scrape>>, name: string) => s.value('kefu_outbox_deliveries_total', { sink: 'push', outcome: name });
    const before = await scrape(server.url);

    await f.question(user);
    await eventually(async () => outcome(await scrape(server.url), 'delivered') === outcome(before, 'delivered') + 1, 'one delivery counted');
    const delivered = await scrape(server.url);
    assert.equal(delivered.value('kefu_outbox_deliveries', { state: 'pending' }), 0);
    assert.equal(delivered.value('kefu_outbox_events'), 0);

    answer = 503;
    await f.question(user);
    await eventually(async () => outcome(await scrape(server.url), 'retried') === outcome(before, 'retried') + 1, 'one retry counted');
    const retrying = await scrape(server.url);
    assert.equal(retrying.value('kefu_outbox_deliveries', { state: 'pending' }), 1, 'the failed delivery waits in the outbox');
    assert.equal(outcome(retrying, 'failed'), outcome(before, 'failed'));
    answer = 200;
    clock.advance(3600);
    await eventually(async () => (await scrape(server.url)).value('kefu_outbox_deliveries', { state: 'pending' }) === 0, 'the retry delivered');
  });

  it('counts a delivery given up as failed and reports it dead', async () => {
    answer = 500;
    const store = server.deps.store;
    // Queued and marked in one commit (the write path joins writes issued together), so no round takes it in between.
    await Promise.all([
      store.outbox.enqueueDeliveries([{ id: 'almost-dead', payload: '{"id":"almost-dead"}' }]),
      store.outbox.retryDelivery('almost-dead', { attempts: 9, retryInS: 0, error: 'seeded' }),
    ]);
    await eventually(async () => (await scrape(server.url)).value('kefu_outbox_deliveries', { state: 'dead' }) === 1, 'the entry given up');
    assert.equal((await scrape(server.url)).value('kefu_outbox_deliveries_total', { sink: 'push', outcome: 'failed' }), 1);
  });

  it('reports the relay backlog: recorded events not yet relayed', async () => {
    await server.jobs.relay.stop();
    const user = await f.user();
    await f.question(user);
    await f.question(user);
    assert.equal((await scrape(server.url)).value('kefu_outbox_events'), 2);
  });
});

describe('GET /metrics: the Redis adapter state (REDIS_URL)', function () {
  let redis: TestRedis;
  let server: TestServer;
  before(async function () {
    requireRedis(this);
    redis = await startRedis();
    server = await startTestServer({ METRICS_TOKEN, REDIS_URL: redis.url });
  });
  after(async () => {
    await server?.stop();
    await redis?.stop();
  });

  it('reports 1 while both connections are ready, 0 while Redis is away, 1 once it is back', async function () {
    this.timeout(30_000);
    assert.equal((await scrape(server.url)).value('kefu_redis_connected'), 1);
    await redis.stop();
    await eventually(async () => {
      const metrics = await scrape(server.url);
      return metrics.has('kefu_redis_connected') && metrics.value('kefu_redis_connected') === 0;
    }, 'the gauge at 0', 10_000);
    await redis.restart();
    await eventually(async () => (await scrape(server.url)).value('kefu_redis_connected') === 1, 'the gauge back at 1', 15_000);
  });
});
