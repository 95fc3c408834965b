/**
 * Host-app webhooks against a real local receiver: signed calls with their headers, the events of
 * a conversation in order (never a note), retries after failures without breaking a question's
 * order, and a webhook disabled after failing for 24 h (the store's clock moved by its offset).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { webhooksReply } from '../../shared/schemas/responses.js';
import { FAILURE_WINDOW_S, webhookBackoffSeconds, BACKOFF_CAP_S } from '../../server/jobs/webhookDelivery.js';
import { SqliteStore } from '../../server/stores/sqlite/sqliteStore.js';
import type { ClockOffset } from '../../server/stores/types.js';
import { assertOk } from '../support/envelope.js';
import { eventually } from '../support/eventually.js';
import { factories } from '../support/factories.js';
import { LogCapture } from '../support/logCapture.js';
import { METRICS_TOKEN, scrape } from '../support/metrics.js';
import { startTestServer } from '../support/server.js';
import { startReceiver, type Delivery } from './support.js';
import { ADMIN, createWebhook, verifySignature, WEBHOOK_ENV } from './webhookSupport.js';

/** Test-only backoff: retries after 0.05–0.1 s, doubling. */
const FAST = { webhookBackoffBaseS: 0.05 };

describe('jobs: host-app webhooks', function () {
  this.timeout(30_000);
  const cleanup: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function setUp(respond?: Parameters<typeof startReceiver>[0], options: Parameters<typeof startTestServer>[1] = {}, env: Record<string, string> = {}) {
    const receiver = await startReceiver(respond);
    const server = await startTestServer({ ...WEBHOOK_ENV, ...env }, { jobs: FAST, ...options });
    cleanup.push(() => receiver.close(), () => server.stop());
    const f = factories(server);
    const user = await f.user();
    const agent = await f.agent({ identifies: [user.identify] });
    return { receiver, server, f, user, agent };
  }

  it('POSTs question.created signed with t=…,v1=HMAC-SHA256("t.body") under the secret shown at creation', async () => {
    const { receiver, server, f, user } = await setUp();
    const { webhook_id, secret } = await createWebhook(server.url, user.identify, receiver.url);
    const questionId = await f.question(user, { title: 'Refund', label: ['billing'] });

    const [call] = await eventually(() => receiver.delivered().length === 1 && receiver.delivered(), 'one call');
    const t = verifySignature(secret, call!.headers, call!.raw);
    assert.ok(Math.abs(t - Date.now() / 1000) < 60, 'signed now');
    assert.equal(call!.headers['x-kefu-event'], 'question.created');
    assert.equal(call!.headers['x-kefu-delivery'], call!.body.id);
    assert.match(String(call!.headers['content-type']), /^application\/json/);
    assert.match(call!.body.id, /^[0-9a-f]{32}$/);
    const { question } = call!.body.data;
    assert.deepEqual({ ...call!.body, data: undefined }, { id: call!.body.id, event: 'question.created', created_at: call!.body.created_at, identify: user.identify, data: undefined });
    assert.deepEqual(
      { question_id: question.question_id, title: question.title, labels: question.labels, user_id: question.user_id, user_name: question.user_name, status: question.status, serv_id: question.serv_id },
      { question_id: questionId, title: 'Refund', labels: ['billing'], user_id: user.userId, user_name: user.name, status: 1, serv_id: null },
    );
    // Another secret does not verify it.
    assert.throws(() => verifySignature(secret.replace(/.$/, (c) => (c === '0' ? '1' : '0')), call!.headers, call!.raw));
    await eventually(async () => (await server.deps.store.webhooks.countDeliveries()).pending === 0, 'the delivery removed');
    assert.ok(webhook_id);
  });

  it('sends every transition as question.updated with its action, and messages but never notes, in order', async () => {
    const { receiver, server, f, user, agent } = await setUp();
    const { secret } = await createWebhook(server.url, user.identify, receiver.url);
    const questionId = await f.question(user);
    await f.serve(questionId, agent);
    assert.equal((await f.sendText(questionId, user, 'my card was charged twice')).status, 200);
    assert.equal((await f.note(questionId, agent, 'PRIVATE: check the ledger')).status, 200);
    assert.equal((await f.sendText(questionId, agent, 'refunded')).status, 200);
    assert.equal((await f.api.post(`/v1/question/${questionId}/finish`, { session: agent.session, serv_id: agent.servId })).status, 200);

    const calls = await eventually(() => receiver.delivered().length >= 5 && receiver.delivered(), 'five calls');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(receiver.requests.length, 5, 'nothing more (no note)');
    for (const call of calls) verifySignature(secret, call.headers, call.raw);
    assert.deepEqual(
      calls.map((c) => [c.body.event, c.body.data.action ?? c.body.data.message?.text ?? null]),
      [
        ['question.created', null],
        ['question.updated', 1],
        ['message.created', 'my card was charged twice'],
        ['message.created', 'refunded'],
        ['question.updated', 4],
      ],
    );
    assert.ok(!receiver.requests.some((r) => r.raw.includes('PRIVATE')), 'a note is never sent');
    const served = calls[1]!.body.data;
    assert.deepEqual([served.status, served.serv_id, served.previous], [2, agent.servId, { status: 1, serv_id: null }]);
    assert.deepEqual({ type: served.notice.type, action: served.notice.action, sender: served.notice.sender }, { type: 4, action: 1, sender: agent.servId });
    const message = calls[2]!.body.data.message;
    assert.deepEqual([message.type, message.sender, message.sender_type, message.seq], [3, user.userId, 1, 2]);
    assert.deepEqual([calls[4]!.body.data.status, calls[4]!.body.data.question.status], [3, 3]);
  });

  it('only calls a webhook for the events it subscribed to and the app it belongs to', async () => {
    const { receiver, server, f, user, agent } = await setUp();
    const other = await f.user();
    await createWebhook(server.url, user.identify, receiver.url, ['question.updated']);
    await f.question(other);
    const questionId = await f.question(user);
    await f.serve(questionId, agent);
    const [call] = await eventually(() => receiver.delivered().length === 1 && receiver.delivered(), 'one call');
    assert.equal(call!.body.event, 'question.updated');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(receiver.requests.length, 1);
  });

  it('retries after receiver failures and keeps each question in order', async () => {
    // Every first attempt at a delivery fails (503, then a dropped connection), the second succeeds.
    const attempts = new Map<string, number>();
    const { receiver, server, f, user, agent } = await setUp((d) => {
      const n = (attempts.get(d.body.id) ?? 0) + 1;
      attempts.set(d.body.id, n);
      return n === 1 ? 503 : n === 2 && d.body.event === 'message.created' ? 'reset' : 200;
    });
    await createWebhook(server.url, user.identify, receiver.url);
    const questions = [await f.question(user), await f.question(user)];
    for (const q of questions) await f.serve(q, agent);
    for (let i = 1; i <= 3; i++) for (const q of questions) assert.equal((await f.sendText(q, user, `m${i}`)).status, 200);

    await eventually(() => receiver.delivered().length === 10, 'ten calls delivered', 20_000);
    for (const q of questions) {
      const ofQuestion = (list: Delivery[]) => list.filter((d) => d.body.data.question.question_id === q);
      const delivered = ofQuestion(receiver.delivered()).map((d) => d.body.data.message?.text ?? d.body.event);
      assert.deepEqual(delivered, ['question.created', 'question.updated', 'm1', 'm2', 'm3']);
      // Attempts too: nothing of a question was tried before the one before it was delivered.
      const tried = ofQuestion(receiver.requests);
      for (let i = 1; i < tried.length; i++) {
        const previous = tried[i - 1]!;
        if (tried[i]!.body.id !== previous.body.id) assert.equal(previous.status, 200, `attempt ${i} came after a delivered one`);
      }
    }
    // The retries happened: each delivery failed once (messages twice) before it went through.
    assert.equal(receiver.requests.length, 10 + 10 + 6);
  });

  it('disables a webhook that failed for 24 h, says so in the log, in GET and in the metrics, and calls it no more', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-webhook-'));
    const clock: ClockOffset = { seconds: 0 };
    const logs = new LogCapture('info');
    const store = new SqliteStore({ dataDir, clockOffset: clock });
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const { receiver, server, f, user } = await setUp(() => 500, { store, logger: logs.logger }, { METRICS_TOKEN });
    cleanup.push(() => store.close());
    const { webhook_id } = await createWebhook(server.url, user.identify, receiver.url);
    await f.question(user);

    await eventually(() => receiver.requests.length >= 2, 'failed attempts');
    const failing = assertOk(await f.api.get('/v1/admin/webhooks', { identify: user.identify }, ADMIN), webhooksReply).webhooks;
    assert.deepEqual(failing.map((w) => [w.webhook_id, w.state, w.last_error]), [[webhook_id, 'failing', 'HTTP 500']]);
    assert.equal(typeof failing[0]!.failing_since, 'number');

    // A day later by the database's clock, the next failure disables it.
    clock.seconds += FAILURE_WINDOW_S + 60;
    const [line] = await logs.waitFor((l) => l.webhook === webhook_id && /webhook disabled/.test(l.msg));
    assert.equal(line!.level, 50);
    const listed = assertOk(await f.api.get('/v1/admin/webhooks', { identify: user.identify }, ADMIN), webhooksReply).webhooks[0]!;
    assert.equal(listed.state, 'disabled');
    assert.equal(typeof listed.disabled_at, 'number');
    const metrics = await scrape(server.url);
    assert.deepEqual(['active', 'failing', 'disabled'].map((state) => metrics.value('kefu_webhooks', { state })), [0, 0, 1]);
    assert.ok(metrics.value('kefu_outbox_deliveries_total', { sink: 'webhook', outcome: 'retried' }) >= 2);
    const seen = receiver.requests.length;
    await f.question(user);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(receiver.requests.length, seen, 'a disabled webhook is called no more');
  });

  it('backs off exponentially with jitter, capped, and tells a 3xx apart from success', async () => {
    assert.equal(webhookBackoffSeconds(1, 30, () => 1), 30);
    assert.equal(webhookBackoffSeconds(2, 30, () => 1), 60);
    assert.equal(webhookBackoffSeconds(1, 30, () => 0), 15);
    assert.equal(webhookBackoffSeconds(30, 30, () => 1), BACKOFF_CAP_S);
    const { receiver, server, f, user } = await setUp((_d, index) => (index === 0 ? 302 : 200));
    await createWebhook(server.url, user.identify, receiver.url);
    await f.question(user);
    await eventually(() => receiver.delivered().length === 1, 'delivered after the redirect failed');
    assert.deepEqual(receiver.requests.map((r) => r.status), [302, 200]);
  });
});

