/** The push outbox against a real local webhook receiver: signature, retries, restarts, two nodes. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { rmSync } from 'node:fs';
import { BACKOFF_CAP_S, MAX_ATTEMPTS, backoffSeconds } from '../../server/jobs/pushDelivery.js';
import { factories, type Factories } from '../support/factories.js';
import { startTestServer, tempDataDir, type TestServer } from '../support/server.js';
import { eventually } from '../support/eventually.js';
import { movableClock, startReceiver, type Receiver } from './support.js';
import { sessionDigest } from '../../server/domain/sessionTokens.js';

const SECRET = 'push-secret-0123456789abcdef';
/** No question may time out while the tests move the clock by hours. */
const QUIET = { QUESTION_PENDING_TIMEOUT_S: '1000000000', QUESTION_IDLE_TIMEOUT_S: '1000000000' };

function pushEnv(receiver: Receiver, extra: Record<string, string> = {}) {
  return { ...QUIET, PUSH_WEBHOOK_URL: receiver.url, PUSH_WEBHOOK_SECRET: SECRET, ...extra };
}

/** A user and one agent with one bound device in the user's app: a new question makes one push. */
async function appWithAgent(f: Factories) {
  const user = await f.user();
  const agent = await f.agent({ identifies: [user.identify] });
  return { user, agent };
}

const outboxEmpty = async (server: TestServer) => {
  const count = await server.deps.store.outbox.countDeliveries();
  return count.pending === 0 && count.dead === 0;
};

describe('jobs: push delivery to the webhook', () => {
  const cleanup: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('POSTs the notification JSON signed with HMAC-SHA256 of the exact body', async () => {
    const receiver = await startReceiver();
    const server = await startTestServer(pushEnv(receiver));
    cleanup.push(() => receiver.close(), () => server.stop());
    const f = factories(server);
    const { user, agent } = await appWithAgent(f);
    const q = await f.question(user, { title: 'Refund' });

    const [delivery] = await eventually(() => receiver.delivered().length === 1 && receiver.delivered(), 'one delivery');
    const expected = 'sha256=' + createHmac('sha256', SECRET).update(delivery!.raw).digest('hex');
    assert.equal(delivery!.headers['x-kefu-signature'], expected);
    assert.equal(delivery!.headers['x-kefu-delivery'], delivery!.body.id);
    assert.match(String(delivery!.headers['content-type']), /^application\/json/);
    const { id, created_at, title, ...rest } = delivery!.body;
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.ok(Math.abs(created_at - Date.now() / 1000) < 600);
    assert.equal(typeof title, 'string');
    assert.deepEqual(rest, {
      kind: 'queue',
      device: sessionDigest(agent.session),
      serv_id: agent.servId,
      identify: user.identify,
      question_id: q,
      body: 'Refund',
    });
    await eventually(() => outboxEmpty(server), 'the outbox emptied');
  });

  it('retries with backoff after failures and delivers once', async () => {
    const receiver = await startReceiver((_d, index) => (index < 2 ? 503 : 200));
    const clock = movableClock();
    const server = await startTestServer(pushEnv(receiver), { now: clock.now });
    cleanup.push(() => receiver.close(), () => server.stop());
    const f = factories(server);
    const { user } = await appWithAgent(f);
    await f.question(user);

    // Backoff is measured on the node's clock: move it past any retry delay until delivered.
    await eventually(() => {
      clock.advance(5000);
      return receiver.delivered().length === 1;
    }, 'a delivery after two failures');
    await eventually(() => outboxEmpty(server), 'the outbox emptied');
    assert.deepEqual(receiver.requests.map((r) => r.status), [503, 503, 200]);
    assert.equal(new Set(receiver.requests.map((r) => r.headers['x-kefu-delivery'])).size, 1);
    assert.equal(new Set(receiver.requests.map((r) => r.raw)).size, 1, 'every attempt sends the same body');
  });

  it('loses nothing when the receiver is down and the node restarts', async () => {
    let up = false;
    const receiver = await startReceiver(() => (up ? 200 : 'reset'));
    const dataDir = tempDataDir();
    const clock = movableClock();
    const env = pushEnv(receiver, { DATA_DIR: dataDir });
    cleanup.push(() => receiver.close(), () => rmSync(dataDir, { recursive: true, force: true }));
    const first = await startTestServer(env, { now: clock.now });
    const f = factories(first);
    const { user } = await appWithAgent(f);
    await f.question(user);
    await eventually(() => receiver.requests.length >= 1, 'a failed attempt');
    await first.stop();
    assert.deepEqual(await countIn(dataDir), { pending: 1, dead: 0 });

    up = true;
    clock.advance(3600); // past the backoff of the failed attempt
    const second = await startTestServer(env, { now: clock.now });
    cleanup.push(() => second.stop());
    await eventually(() => receiver.delivered().length === 1, 'delivery after the restart');
    await eventually(() => outboxEmpty(second), 'the outbox emptied');
    assert.equal(receiver.delivered()[0]!.body.id, receiver.requests[0]!.body.id);
  });

  it(`gives up after ${MAX_ATTEMPTS} failed attempts and keeps the entry as dead`, async () => {
    const receiver = await startReceiver(() => 500);
    const server = await startTestServer(pushEnv(receiver));
    cleanup.push(() => receiver.close(), () => server.stop());
    const store = server.deps.store;
    // An entry that already failed all but one attempt: queued and marked in one commit (the write
    // path joins writes issued together), so no round can take it in between.
    await Promise.all([
      store.outbox.enqueueDeliveries([{ id: 'almost-dead', payload: '{"id":"almost-dead"}' }]),
      store.outbox.retryDelivery('almost-dead', { attempts: MAX_ATTEMPTS - 1, retryInS: 0, error: 'seeded' }),
    ]);
    await eventually(async () => (await store.outbox.countDeliveries()).dead === 1, 'the entry given up');
    assert.deepEqual(await store.outbox.countDeliveries(), { pending: 0, dead: 1 });
    assert.equal(receiver.requests.length, 1);
  });

  it('backs off 2^attempts seconds, jittered by ±25%, capped at an hour', () => {
    assert.equal(backoffSeconds(1, () => 0.5), 2);
    assert.equal(backoffSeconds(3, () => 0), 6);
    assert.equal(backoffSeconds(3, () => 1), 10);
    assert.equal(backoffSeconds(30, () => 0.5), BACKOFF_CAP_S);
  });

  it('two nodes on one store never deliver one entry twice', async () => {
    // A slow receiver keeps each node's round in flight while the other node claims.
    const receiver = await startReceiver(() => new Promise((resolve) => setTimeout(() => resolve(200), 40)));
    const dataDir = tempDataDir();
    const env = pushEnv(receiver, { DATA_DIR: dataDir });
    const a = await startTestServer(env);
    const b = await startTestServer(env);
    cleanup.push(
      () => receiver.close(),
      () => rmSync(dataDir, { recursive: true, force: true }),
      () => a.stop(),
      () => b.stop(),
    );
    const fa = factories(a);
    const fb = factories(b);
    const user = await fa.user();
    for (let i = 0; i < 3; i++) await fb.agent({ identifies: [user.identify] });
    const questions = 8;
    for (let i = 0; i < questions; i++) await (i % 2 ? fa : fb).question(user, { title: `q${i}` });
    const expected = questions * 3;

    await eventually(() => receiver.delivered().length >= expected, `${expected} deliveries`);
    await eventually(async () => (await outboxEmpty(a)) && outboxEmpty(b), 'the outbox emptied');
    const ids = receiver.requests.map((r) => String(r.headers['x-kefu-delivery']));
    assert.equal(ids.length, expected);
    assert.equal(new Set(ids).size, expected);
  });
});

/** Outbox counts of a data directory whose node is stopped, read through a node that does not deliver. */
async function countIn(dataDir: string) {
  const reader = await startTestServer({ DATA_DIR: dataDir, ...QUIET });
  try {
    return await reader.deps.store.outbox.countDeliveries();
  } finally {
    await reader.stop();
  }
}
