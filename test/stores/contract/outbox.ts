/**
 * Contract: the outbox. Domain events (recorded by the conversation writes) are claimed under
 * leases and completed; deliveries are enqueued idempotently, claimed when due, retried or given
 * up. Leases and due times follow the database's clock, which the tests move with the store's
 * clock offset; a node's own clock never counts. (The change feed is exercised with the
 * provisioning writes, in accounts.ts.)
 */
import assert from 'node:assert/strict';
import type { Store } from '../../../server/stores/types.js';
import { T0, drainEvents, newQuestion, type ContractContext, type GetStore } from './support.js';

/** Runs `work` while this process's clock (Date.now, what a node would read) is `seconds` off. */
async function withLocalClockOff<T>(seconds: number, work: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  Date.now = () => realNow() + seconds * 1000;
  try {
    return await work();
  } finally {
    Date.now = realNow;
  }
}

/** Every event and delivery `store` can claim now, as [event ids, delivery ids]. */
async function claimAll(store: Store): Promise<[string[], string[]]> {
  const events = await store.outbox.claimEvents(30, 100);
  const deliveries = await store.outbox.claimDeliveries(30, 100);
  return [events.map((e) => e.id), deliveries.map((d) => d.id)];
}

export function outboxContract(store: GetStore, context: ContractContext): void {
  const outbox = () => store().outbox;
  const advance = (seconds: number) => {
    context.clock().seconds += seconds;
  };

  describe('outbox events', () => {
    it('claims oldest first, up to the limit, and counts an attempt per claim', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push((await newQuestion(store(), { now: T0 + 3 - i })).id);
      assert.equal(await outbox().countEvents(), 4);
      const first = await outbox().claimEvents(30, 3);
      assert.deepEqual(first.map((e) => e.id), [ids[3], ids[2], ids[1]]);
      assert.deepEqual(first.map((e) => e.attempts), [1, 1, 1]);
      assert.deepEqual((await outbox().claimEvents(30, 3)).map((e) => e.id), [ids[0]]);
    });

    it('never hands a leased event to a second claim; the lease expires and the event comes back', async () => {
      for (let i = 0; i < 6; i++) await newQuestion(store(), { now: T0 + i / 10 });
      const [a, b] = await Promise.all([outbox().claimEvents(30, 4), outbox().claimEvents(30, 4)]);
      const ids = [...a!, ...b!].map((e) => e.id);
      assert.equal(ids.length, 6);
      assert.equal(new Set(ids).size, 6);
      advance(29);
      assert.deepEqual(await outbox().claimEvents(30, 10), []);
      // A relay that crashed mid-event left its lease to expire: the next claim takes it, a second attempt.
      advance(2);
      const again = await outbox().claimEvents(30, 10);
      assert.equal(again.length, 6);
      assert.deepEqual(new Set(again.map((e) => e.attempts)), new Set([2]));
    });

    it('removes a completed event; the others stay', async () => {
      const q1 = await newQuestion(store(), { now: T0 });
      const q2 = await newQuestion(store(), { now: T0 + 1 });
      await outbox().claimEvents(30, 10);
      await outbox().completeEvent(q1.id);
      await outbox().completeEvent('not-an-event');
      assert.equal(await outbox().countEvents(), 1);
      advance(31);
      assert.deepEqual((await drainEvents(store())).map((e) => e.id), [q2.id]);
      assert.equal(await outbox().countEvents(), 0);
    });
  });

  describe('deliveries', () => {
    it('enqueues in one write, idempotently, due at once; a claim holds an entry until its lease ends', async () => {
      await outbox().enqueueDeliveries([{ id: 'e1', payload: '{"n":1}' }]);
      await outbox().enqueueDeliveries([{ id: 'e1', payload: '{"n":"changed"}' }, { id: 'e2', payload: '{"n":2}' }]);
      await outbox().enqueueDeliveries([]);
      assert.deepEqual(await outbox().countDeliveries(), { pending: 2, dead: 0 });
      const claimed = await outbox().claimDeliveries(30, 10);
      assert.deepEqual(claimed.map(({ id, payload, attempts }) => ({ id, payload, attempts })), [
        { id: 'e1', payload: '{"n":1}', attempts: 0 },
        { id: 'e2', payload: '{"n":2}', attempts: 0 },
      ]);
      // Times are the database's: queued now, next tried when the lease ends should the claimer die.
      for (const entry of claimed) {
        const held = entry.nextAttemptAt - entry.createdAt;
        assert.ok(held >= 30 && held < 40, `leased for ${held} s`);
      }
    });

    it('never hands a leased entry to a second claim until its lease ends', async () => {
      for (let i = 0; i < 6; i++) await outbox().enqueueDeliveries([{ id: `e${i}`, payload: '{}' }]);
      const [a, b] = await Promise.all([outbox().claimDeliveries(30, 4), outbox().claimDeliveries(30, 4)]);
      const ids = [...a!, ...b!].map((e) => e.id);
      assert.equal(ids.length, 6);
      assert.equal(new Set(ids).size, 6);
      advance(29);
      assert.deepEqual(await outbox().claimDeliveries(30, 10), []);
      advance(2);
      assert.equal((await outbox().claimDeliveries(30, 10)).length, 6);
    });

    it('completes, retries later (by the database clock), and gives up (dead) entries', async () => {
      await outbox().enqueueDeliveries(['ok', 'again', 'dead'].map((id) => ({ id, payload: '{}' })));
      await outbox().claimDeliveries(30, 10);
      await outbox().completeDelivery('ok');
      await outbox().retryDelivery('again', { attempts: 1, retryInS: 60, error: 'HTTP 500' });
      await outbox().retryDelivery('dead', { attempts: 8, retryInS: null, error: 'x'.repeat(2000) });
      assert.deepEqual(await outbox().countDeliveries(), { pending: 1, dead: 1 });
      // A retry releases the lease: due again at its next attempt, not before.
      advance(58);
      assert.deepEqual(await outbox().claimDeliveries(30, 10), []);
      advance(3);
      const [again] = await outbox().claimDeliveries(30, 10);
      assert.equal(again!.id, 'again');
      assert.equal(again!.attempts, 1);
      advance(1e6);
      assert.deepEqual((await outbox().claimDeliveries(30, 10)).map((e) => e.id), ['again'], 'the dead entry is never due');
    });
  });

  describe('two nodes whose own clocks disagree', () => {
    it('by more than the lease, never both hold a lease on one event or delivery', async () => {
      const other = await context.peer();
      const question = await newQuestion(store());
      await outbox().enqueueDeliveries([{ id: 'd1', payload: '{}' }]);

      // This node leases both; the other node's clock runs two leases ahead. Were leases timed by
      // the claimer's clock, the other node would see them expired and take them.
      assert.deepEqual(await claimAll(store()), [[question.id], ['d1']]);
      assert.deepEqual(await withLocalClockOff(61, () => claimAll(other)), [[], []]);

      // The lease ends by the database's clock, whatever either node reads: then one node takes each.
      advance(31);
      const ahead = await withLocalClockOff(61, () => claimAll(other));
      const behind = await withLocalClockOff(-61, () => claimAll(store()));
      assert.deepEqual([...ahead[0], ...behind[0]], [question.id]);
      assert.deepEqual([...ahead[1], ...behind[1]], ['d1']);
      // And the node whose clock is behind does not take them back while that lease lasts.
      assert.deepEqual(await withLocalClockOff(-61, () => claimAll(store())), [[], []]);
      assert.deepEqual(await claimAll(other), [[], []]);
    });
  });
}
