/**
 * Contract: webhooks and their deliveries. Deliveries are enqueued idempotently and claimed head of
 * chain per (webhook, question), only for enabled webhooks, under leases two stores never share;
 * failures back off, mark the webhook failing, and past the window disable it and give the entry up.
 * Times follow the database's clock, moved with the store's clock offset.
 */
import assert from 'node:assert/strict';
import type { NewWebhookDelivery, Store, WebhookRecord } from '../../../server/stores/types.js';
import { T0, type ContractContext, type GetStore } from './support.js';

const DAY = 86_400;
let counter = 0;

function webhook(props: Partial<WebhookRecord> = {}): WebhookRecord {
  counter += 1;
  return {
    id: (0x65f000000000 + counter).toString(16).padStart(24, 'a'),
    identify: 'com.example.app',
    url: 'https://hooks.example.com/kefu',
    events: ['question.created', 'message.created'],
    salt: 'ab'.repeat(16),
    createdAt: T0,
    disabledAt: null,
    failingSince: null,
    lastError: null,
    ...props,
  };
}

function delivery(webhookId: string, questionId: string, position: number, props: Partial<NewWebhookDelivery> = {}): NewWebhookDelivery {
  return { id: `d-${webhookId.slice(-4)}-${questionId}-${position}`, webhookId, questionId, position, event: 'message.created', payload: `{"p":${position}}`, ...props };
}

async function claimIds(store: Store): Promise<string[]> {
  return (await store.webhooks.claimDeliveries(30, 100)).map((d) => d.id).sort();
}

export function webhooksContract(store: GetStore, context: ContractContext): void {
  const hooks = () => store().webhooks;
  const advance = (seconds: number) => {
    context.clock().seconds += seconds;
  };
  const failure = { attempts: 1, retryInS: 10, error: 'HTTP 503', windowS: DAY };

  describe('webhooks', () => {
    it('creates, reads, lists by app oldest first, and deletes with its deliveries', async () => {
      const a = webhook({ createdAt: T0 + 1 });
      const b = webhook({ createdAt: T0, identify: 'com.other' });
      const c = webhook({ createdAt: T0 + 2, events: ['question.rated'] });
      for (const w of [a, b, c]) await hooks().createWebhook(w);
      assert.deepEqual(await hooks().getWebhook(a.id), a);
      assert.equal(await hooks().getWebhook('ffffffffffffffffffffffff'), null);
      assert.deepEqual((await hooks().listWebhooks()).map((w) => w.id), [b.id, a.id, c.id]);
      assert.deepEqual(await hooks().listWebhooks('com.example.app'), [a, c]);
      assert.deepEqual(await hooks().listWebhooks('com.none'), []);

      await hooks().enqueueDeliveries([delivery(a.id, 'q1', 0), delivery(c.id, 'q1', 0)]);
      assert.deepEqual(await hooks().deleteWebhook(a.id), a);
      assert.equal(await hooks().deleteWebhook(a.id), null);
      assert.equal(await hooks().getWebhook(a.id), null);
      assert.deepEqual(await hooks().countDeliveries(), { pending: 1, dead: 0 });
      assert.deepEqual(await claimIds(store()), [delivery(c.id, 'q1', 0).id]);
    });

    it('enqueues idempotently: a repeated id keeps the first entry', async () => {
      const w = webhook();
      await hooks().createWebhook(w);
      await hooks().enqueueDeliveries([delivery(w.id, 'q1', 1)]);
      await hooks().enqueueDeliveries([delivery(w.id, 'q1', 1, { payload: '{"changed":true}' })]);
      const [claimed, ...rest] = await hooks().claimDeliveries(30, 10);
      assert.deepEqual(rest, []);
      assert.equal(claimed!.payload, '{"p":1}');
      assert.equal(claimed!.attempts, 0);
      assert.equal(claimed!.webhookId, w.id);
      assert.equal(claimed!.questionId, 'q1');
      assert.equal(claimed!.event, 'message.created');
    });

    it('claims only the first pending delivery of each (webhook, question); the next once it is done', async () => {
      const w = webhook();
      const other = webhook();
      await hooks().createWebhook(w);
      await hooks().createWebhook(other);
      // Enqueued out of order: the position decides.
      await hooks().enqueueDeliveries([delivery(w.id, 'q1', 3), delivery(w.id, 'q1', 1), delivery(w.id, 'q2', 5), delivery(other.id, 'q1', 2)]);
      assert.deepEqual(await claimIds(store()), [delivery(other.id, 'q1', 2).id, delivery(w.id, 'q1', 1).id, delivery(w.id, 'q2', 5).id].sort());
      // The leased head holds its follower back.
      assert.deepEqual(await claimIds(store()), []);
      await hooks().completeDelivery(delivery(w.id, 'q1', 1).id);
      assert.deepEqual(await claimIds(store()), [delivery(w.id, 'q1', 3).id]);
    });

    it('a failing head still holds its followers back, retried when due by the database clock', async () => {
      const w = webhook();
      await hooks().createWebhook(w);
      await hooks().enqueueDeliveries([delivery(w.id, 'q1', 1), delivery(w.id, 'q1', 2)]);
      assert.deepEqual(await claimIds(store()), [delivery(w.id, 'q1', 1).id]);
      assert.deepEqual(await hooks().failDelivery(delivery(w.id, 'q1', 1).id, failure), { disabled: false, gaveUp: false });
      assert.deepEqual(await claimIds(store()), []);
      advance(11);
      const [again] = await hooks().claimDeliveries(30, 10);
      assert.equal(again!.id, delivery(w.id, 'q1', 1).id);
      assert.equal(again!.attempts, 1);
      const failing = (await hooks().getWebhook(w.id))!;
      assert.equal(failing.lastError, 'HTTP 503');
      assert.equal(typeof failing.failingSince, 'number');
      assert.equal(failing.disabledAt, null);
      // A success makes it healthy again.
      await hooks().completeDelivery(again!.id);
      assert.equal((await hooks().getWebhook(w.id))!.failingSince, null);
    });

    it('never hands one delivery to two stores at once; an expired lease comes back', async () => {
      const w = webhook();
      await hooks().createWebhook(w);
      const entries = Array.from({ length: 6 }, (_, i) => delivery(w.id, `q${i}`, 0));
      await hooks().enqueueDeliveries(entries);
      const peer = await context.peer();
      const [a, b] = await Promise.all([hooks().claimDeliveries(30, 4), peer.webhooks.claimDeliveries(30, 4)]);
      const ids = [...a, ...b].map((d) => d.id);
      assert.equal(ids.length, 6);
      assert.equal(new Set(ids).size, 6);
      advance(29);
      assert.deepEqual(await peer.webhooks.claimDeliveries(30, 10), []);
      advance(2);
      assert.equal((await peer.webhooks.claimDeliveries(30, 10)).length, 6);
    });

    it('disables a webhook failing for the whole window, gives up entries that old, and claims nothing of it', async () => {
      const w = webhook();
      await hooks().createWebhook(w);
      await hooks().enqueueDeliveries([delivery(w.id, 'q1', 1), delivery(w.id, 'q2', 1)]);
      await hooks().claimDeliveries(30, 10);
      assert.deepEqual(await hooks().failDelivery(delivery(w.id, 'q1', 1).id, failure), { disabled: false, gaveUp: false });
      advance(DAY / 2);
      assert.deepEqual(await hooks().failDelivery(delivery(w.id, 'q2', 1).id, { ...failure, attempts: 2 }), { disabled: false, gaveUp: false });
      advance(DAY / 2 + 1);
      assert.deepEqual(await hooks().failDelivery(delivery(w.id, 'q1', 1).id, { ...failure, attempts: 3 }), { disabled: true, gaveUp: true });
      const disabled = (await hooks().getWebhook(w.id))!;
      assert.equal(typeof disabled.disabledAt, 'number');
      assert.deepEqual(await hooks().countDeliveries(), { pending: 1, dead: 1 });
      advance(60);
      assert.deepEqual(await claimIds(store()), []);
      // Disabled once: a later failure does not report it again.
      assert.equal((await hooks().failDelivery(delivery(w.id, 'q2', 1).id, failure)).disabled, false);
    });

    it('a given-up entry no longer holds its chain', async () => {
      const w = webhook();
      await hooks().createWebhook(w);
      await hooks().enqueueDeliveries([delivery(w.id, 'q1', 1)]);
      await hooks().claimDeliveries(30, 10);
      advance(DAY + 1);
      // A success elsewhere keeps the webhook healthy; this entry alone has had its window.
      await hooks().enqueueDeliveries([delivery(w.id, 'q1', 2), delivery(w.id, 'q9', 1)]);
      assert.deepEqual((await hooks().failDelivery(delivery(w.id, 'q1', 1).id, failure)).gaveUp, true);
      assert.deepEqual(await claimIds(store()), [delivery(w.id, 'q1', 2).id, delivery(w.id, 'q9', 1).id].sort());
    });
  });
}
