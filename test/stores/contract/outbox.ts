/**
 * Contract: the outbox. Domain events (recorded by the conversation writes) are claimed under
 * leases and completed; deliveries are enqueued idempotently, claimed when due, retried or given
 * up. (The change feed is exercised with the provisioning writes, in accounts.ts.)
 */
import assert from 'node:assert/strict';
import { T0, drainEvents, newQuestion, type GetStore } from './support.js';

export function outboxContract(store: GetStore): void {
  const outbox = () => store().outbox;

  describe('outbox events', () => {
    it('claims oldest first, up to the limit, and counts an attempt per claim', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push((await newQuestion(store(), { now: T0 + 3 - i })).id);
      assert.equal(await outbox().countEvents(), 4);
      const first = await outbox().claimEvents(T0 + 10, 30, 3);
      assert.deepEqual(first.map((e) => e.id), [ids[3], ids[2], ids[1]]);
      assert.deepEqual(first.map((e) => e.attempts), [1, 1, 1]);
      assert.deepEqual((await outbox().claimEvents(T0 + 10, 30, 3)).map((e) => e.id), [ids[0]]);
    });

    it('never hands a leased event to a second claim; the lease expires and the event comes back', async () => {
      for (let i = 0; i < 6; i++) await newQuestion(store(), { now: T0 + i / 10 });
      const [a, b] = await Promise.all([outbox().claimEvents(T0 + 1, 30, 4), outbox().claimEvents(T0 + 1, 30, 4)]);
      const ids = [...a!, ...b!].map((e) => e.id);
      assert.equal(ids.length, 6);
      assert.equal(new Set(ids).size, 6);
      assert.deepEqual(await outbox().claimEvents(T0 + 30, 30, 10), []);
      // A relay that crashed mid-event left its lease to expire: the next claim takes it, a second attempt.
      const again = await outbox().claimEvents(T0 + 31, 30, 10);
      assert.equal(again.length, 6);
      assert.deepEqual(new Set(again.map((e) => e.attempts)), new Set([2]));
    });

    it('removes a completed event; the others stay', async () => {
      const q1 = await newQuestion(store(), { now: T0 });
      const q2 = await newQuestion(store(), { now: T0 + 1 });
      await outbox().claimEvents(T0 + 2, 30, 10);
      await outbox().completeEvent(q1.id);
      await outbox().completeEvent('not-an-event');
      assert.equal(await outbox().countEvents(), 1);
      assert.deepEqual((await drainEvents(store())).map((e) => e.id), [q2.id]);
      assert.equal(await outbox().countEvents(), 0);
    });
  });

  describe('deliveries', () => {
    it('enqueues in one write, idempotently, and claims only due entries', async () => {
      await outbox().enqueueDeliveries([{ id: 'e1', payload: '{"n":1}' }], T0);
      await outbox().enqueueDeliveries([{ id: 'e1', payload: '{"n":"changed"}' }, { id: 'e2', payload: '{"n":2}' }], T0 + 10);
      await outbox().enqueueDeliveries([], T0 + 20);
      assert.deepEqual(await outbox().countDeliveries(), { pending: 2, dead: 0 });
      const claimed = await outbox().claimDeliveries(T0 + 1, 30, 10);
      assert.deepEqual(claimed, [{ id: 'e1', payload: '{"n":1}', attempts: 0, nextAttemptAt: T0, createdAt: T0 }]);
    });

    it('never hands a leased entry to a second claim until its lease ends', async () => {
      for (let i = 0; i < 6; i++) await outbox().enqueueDeliveries([{ id: `e${i}`, payload: '{}' }], T0 + i / 10);
      const [a, b] = await Promise.all([outbox().claimDeliveries(T0 + 1, 30, 4), outbox().claimDeliveries(T0 + 1, 30, 4)]);
      const ids = [...a!, ...b!].map((e) => e.id);
      assert.equal(ids.length, 6);
      assert.equal(new Set(ids).size, 6);
      assert.deepEqual(await outbox().claimDeliveries(T0 + 20, 30, 10), []);
      assert.equal((await outbox().claimDeliveries(T0 + 31, 30, 10)).length, 6);
    });

    it('completes, retries later, and gives up (dead) entries', async () => {
      await outbox().enqueueDeliveries(['ok', 'again', 'dead'].map((id) => ({ id, payload: '{}' })), T0);
      await outbox().claimDeliveries(T0, 30, 10);
      await outbox().completeDelivery('ok');
      await outbox().retryDelivery('again', { attempts: 1, nextAttemptAt: T0 + 60, error: 'HTTP 500' });
      await outbox().retryDelivery('dead', { attempts: 8, nextAttemptAt: null, error: 'x'.repeat(2000) });
      assert.deepEqual(await outbox().countDeliveries(), { pending: 1, dead: 1 });
      // A retry releases the lease: due again at its next attempt, not before.
      assert.deepEqual(await outbox().claimDeliveries(T0 + 59, 30, 10), []);
      const [again] = await outbox().claimDeliveries(T0 + 60, 30, 10);
      assert.equal(again!.id, 'again');
      assert.equal(again!.attempts, 1);
      assert.equal(again!.nextAttemptAt, T0 + 60);
    });
  });
}
