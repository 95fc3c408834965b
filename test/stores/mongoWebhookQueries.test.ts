/**
 * The webhook queries of the MongoDB store, as shapes (no server): every caller value is a guarded
 * scalar or a `$literal`, clocks are the server's `$$NOW` in update pipelines, and the failure
 * window and the chain order are decided by the write itself.
 */
import assert from 'node:assert/strict';
import * as W from '../../server/stores/mongo/webhookQueries.js';

const json = (value: unknown) => JSON.stringify(value);

describe('MongoDB store: webhook query shapes (no server)', () => {
  it('enqueues as upserts that leave an existing entry as it is, every string a $literal, ordered by position', () => {
    const [op] = W.enqueueDeliveries([{ id: 'd1', webhookId: 'w1', questionId: 'q1', position: 3, event: 'message.created', payload: '$where' }], 0);
    const update = op!.updateOne.update[0]!.$replaceWith.$cond as [unknown, Record<string, unknown>, string];
    assert.deepEqual(op!.updateOne.filter, { _id: 'd1' });
    assert.equal(op!.updateOne.upsert, true);
    assert.equal(update[2], '$$ROOT');
    assert.deepEqual(update[1].payload, { $literal: '$where' });
    assert.deepEqual(update[1].webhook, { $literal: 'w1' });
    assert.equal(update[1].position, 3);
    assert.match(json(update[1].next_attempt_at), /\$\$NOW/);
  });

  it('refuses anything but scalars where a value goes', () => {
    assert.throws(() => W.chainHead({ $gt: '' } as never, 'q1'), TypeError);
    assert.throws(() => W.webhooksOfApp({ $ne: null } as never), TypeError);
    assert.throws(() => W.failDelivery('d1', { attempts: 1, retryInS: Number.NaN, error: 'x', windowS: 60 }, 0), TypeError);
  });

  it("claims a chain's head by (position, _id) among pending entries, and leases only what is due and free", () => {
    assert.deepEqual(W.chainHead('w1', 'q1').sort, { position: 1, _id: 1 });
    assert.equal((W.chainHead('w1', 'q1').filter.next_attempt_at as { $gte: number }).$gte, 0);
    const lease = W.leaseDeliveries(['d1'], 'tok', 60, 0);
    const set = (lease.update as Array<{ $set: Record<string, { $cond: unknown[] }> }>)[0]!.$set;
    for (const field of ['next_attempt_at', 'leased_until', 'lease']) assert.equal(set[field]!.$cond[2], `$${field}`, `${field} kept when not free`);
    assert.match(json(set.lease!.$cond[0]), /\$leased_until.*\$\$NOW/);
    assert.deepEqual(set.lease!.$cond[1], { $literal: 'tok' });
  });

  it('gives an entry up once queued a window ago, and disables a webhook failing a window, by the server clock', () => {
    const fail = (W.failDelivery('d1', { attempts: 2, retryInS: 30, error: 'HTTP 500', windowS: 86_400 }, 0).update as any)[0].$set;
    assert.equal(fail.next_attempt_at.$cond[1], null);
    assert.match(json(fail.next_attempt_at.$cond[0]), /"\$created_at".*\$\$NOW.*86400/);
    assert.deepEqual(fail.last_error, { $literal: 'HTTP 500' });
    const mark = (W.markFailing('w1', 'HTTP 500', 86_400, 0).update as any)[0].$set;
    assert.match(json(mark.failing_since), /"\$failing_since".*\$\$NOW/);
    assert.match(json(mark.disabled_at.$cond[0]), /"\$disabled_at",null.*"\$failing_since".*86400/);
    assert.equal(mark.disabled_at.$cond[2], '$disabled_at', 'disabled once');
  });
});
