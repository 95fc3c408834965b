/**
 * Two nodes on one DATA_DIR and one Redis, both relaying and both delivering webhooks: every event
 * reaches the receiver exactly once, each question's calls in order, whichever node made the change.
 */
import assert from 'node:assert/strict';
import { factories } from '../support/factories.js';
import { eventually } from '../support/eventually.js';
import { startCluster, type Cluster } from '../support/nodes.js';
import { requireRedis, startRedis, type TestRedis } from '../support/redis.js';
import { startReceiver, type Receiver } from './support.js';
import { createWebhook, verifySignature, WEBHOOK_ENV } from './webhookSupport.js';

describe('jobs: webhooks from two nodes', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let cluster: Cluster;
  let receiver: Receiver;

  before(async function () {
    requireRedis(this);
    redis = await startRedis();
    // A slow receiver, so both nodes' delivery loops are busy at once.
    receiver = await startReceiver(() => new Promise((resolve) => setTimeout(() => resolve(200), 20)));
    cluster = await startCluster(redis.url, 2, WEBHOOK_ENV);
  });
  after(async () => {
    await cluster?.stop();
    await receiver?.close();
    await redis?.stop();
  });

  it('delivers each event once, in order per question', async () => {
    const [fa, fb] = cluster.nodes.map((n) => factories(n));
    const user = await fa!.user();
    const agent = await fa!.agent({ identifies: [user.identify] });
    const { secret } = await createWebhook(cluster.nodes[1]!.url, user.identify, receiver.url);
    const questions: string[] = [];
    for (let i = 0; i < 4; i++) questions.push(await (i % 2 ? fb! : fa!).question(user));
    for (const q of questions) await fb!.serve(q, agent);
    for (let round = 1; round <= 3; round++) {
      await Promise.all(questions.map((q, i) => (i % 2 ? fa! : fb!).sendText(q, user, `r${round}`)));
    }

    const expected = questions.length * 5;
    await eventually(() => receiver.delivered().length >= expected, `${expected} calls`, 30_000);
    // Time for a duplicate to show up: another poll of each node.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const calls = receiver.delivered();
    assert.equal(calls.length, expected);
    assert.equal(new Set(calls.map((c) => c.headers['x-kefu-delivery'])).size, expected, 'each delivery once');
    for (const call of calls) verifySignature(secret, call.headers, call.raw);
    for (const q of questions) {
      const texts = calls.filter((c) => c.body.data.question.question_id === q).map((c) => c.body.data.message?.text ?? c.body.event);
      assert.deepEqual(texts, ['question.created', 'question.updated', 'r1', 'r2', 'r3'], q);
    }
  });
});
