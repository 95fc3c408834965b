/**
 * Partial indexes and the planner, no server needed: impliesPartialFilter (the planner's proof that
 * a query filter implies an index's partialFilterExpression) on its own, then every hot query of the
 * store (server/stores/mongo/hotQueries.ts) against the index that must serve it.
 */
import assert from 'node:assert/strict';
import mongoose from 'mongoose';
import { hotQueries } from '../../server/stores/mongo/hotQueries.js';
import { createModels } from '../../server/stores/mongo/models.js';
import { impliesPartialFilter } from '../../server/stores/mongo/partialIndexes.js';

const models = createModels(mongoose.createConnection());

describe('MongoDB store: partial indexes and the planner (no server)', () => {
  describe('impliesPartialFilter', () => {
    it('an equality, an $in or a comparison implies $exists: true; nothing implies $exists: false', () => {
      const index = { c: { $exists: true } };
      assert.equal(impliesPartialFilter({ c: 'x' }, index), true);
      assert.equal(impliesPartialFilter({ c: { $eq: 'x' } }, index), true);
      assert.equal(impliesPartialFilter({ c: { $in: ['x', 'y'] } }, index), true);
      assert.equal(impliesPartialFilter({ c: { $gt: 3 } }, index), true);
      assert.equal(impliesPartialFilter({ c: { $exists: true } }, index), true);
      assert.equal(impliesPartialFilter({ c: null }, index), false);
      assert.equal(impliesPartialFilter({ c: { $in: ['x', null] } }, index), false);
      assert.equal(impliesPartialFilter({ other: 'x' }, index), false);
      assert.equal(impliesPartialFilter({ c: 'x' }, { c: { $exists: false } }), false);
    });

    it('a bound is implied by a tighter or equal bound in the same direction, of the same type', () => {
      assert.equal(impliesPartialFilter({ t: { $gte: 0, $lt: 50 } }, { t: { $gte: 0 } }), true);
      assert.equal(impliesPartialFilter({ t: { $gt: 0 } }, { t: { $gte: 0 } }), true);
      assert.equal(impliesPartialFilter({ t: { $gte: 0 } }, { t: { $gt: 0 } }), false);
      assert.equal(impliesPartialFilter({ t: { $gt: 5 } }, { t: { $gt: 0 } }), true);
      assert.equal(impliesPartialFilter({ t: { $gte: -1 } }, { t: { $gte: 0 } }), false);
      assert.equal(impliesPartialFilter({ t: { $lte: 10 } }, { t: { $lt: 11 } }), true);
      assert.equal(impliesPartialFilter({ t: { $lte: 11 } }, { t: { $lt: 11 } }), false);
      // An upper bound says nothing about a lower one, and a number nothing about strings.
      assert.equal(impliesPartialFilter({ t: { $lt: 50 } }, { t: { $gte: 0 } }), false);
      assert.equal(impliesPartialFilter({ s: { $gt: 'a' } }, { s: { $gt: 0 } }), false);
    });

    it('equalities and $in lists imply a bound only when every value satisfies it', () => {
      assert.equal(impliesPartialFilter({ s: 's1' }, { s: { $gt: '' } }), true);
      assert.equal(impliesPartialFilter({ s: '' }, { s: { $gt: '' } }), false);
      assert.equal(impliesPartialFilter({ s: { $in: ['s1', 's2'] } }, { s: { $gt: '' } }), true);
      assert.equal(impliesPartialFilter({ s: { $in: ['s1', ''] } }, { s: { $gt: '' } }), false);
      assert.equal(impliesPartialFilter({ s: { $in: [] } }, { s: { $gt: '' } }), false);
      assert.equal(impliesPartialFilter({ n: 3 }, { n: { $gte: 0 } }), true);
      assert.equal(impliesPartialFilter({ n: '3' }, { n: { $gte: 0 } }), false);
    });

    it('never implies $type, $ne or a top-level operator of the index filter, whatever the query', () => {
      assert.equal(impliesPartialFilter({ s: 's1' }, { s: { $type: 'string' } }), false);
      assert.equal(impliesPartialFilter({ s: { $type: 'string' } }, { s: { $type: 'string' } }), false);
      assert.equal(impliesPartialFilter({ s: 's1' }, { s: { $ne: null } }), false);
      assert.equal(impliesPartialFilter({ s: 's1' }, { $or: [{ s: 's1' }] }), false);
    });

    it('reads equality in the index filter, dotted paths and $and on both sides', () => {
      assert.equal(impliesPartialFilter({ k: 'a' }, { k: 'a' }), true);
      assert.equal(impliesPartialFilter({ k: 'b' }, { k: 'a' }), false);
      assert.equal(impliesPartialFilter({ 'p.t': { $gte: 0, $lt: 9 } }, { 'p.t': { $gte: 0 } }), true);
      assert.equal(impliesPartialFilter({ $and: [{ a: 1 }, { b: { $gt: 2 } }] }, { $and: [{ a: { $gte: 0 } }, { b: { $exists: true } }] }), true);
      assert.equal(impliesPartialFilter({ a: 1 }, { a: { $gte: 0 }, b: { $exists: true } }), false);
    });
  });

  describe('every hot query against its index', () => {
    const queries = hotQueries(1_732_790_000);

    it('names an index its model declares (or _id_)', () => {
      for (const hot of queries) {
        const names = models[hot.model].schema.indexes().map(([, options]) => options.name);
        assert.ok(hot.index === '_id_' || names.includes(hot.index), `${hot.name}: ${hot.model} has no index ${hot.index}`);
      }
    });

    it("satisfies its index's partial filter, as the planner decides it, so the index can be chosen", () => {
      let partial = 0;
      for (const hot of queries) {
        const found = models[hot.model].schema.indexes().find(([, options]) => options.name === hot.index);
        const filter = found?.[1].partialFilterExpression as Record<string, unknown> | undefined;
        if (!filter) continue;
        partial++;
        assert.ok(impliesPartialFilter(hot.spec.filter, filter), `${hot.name}: ${JSON.stringify(hot.spec.filter)} does not imply ${hot.index} ${JSON.stringify(filter)}`);
      }
      // sessions_by_serv, messages_idempotency, notes_idempotency, questions_finish_requested, questions_unsettled (2), outbox_due (2),
      // webhook_deliveries_due (2), webhook_deliveries_chain
      assert.equal(partial, 11);
    });

    it('reads no clock in a filter ($expr, $$NOW): every bound is a plain range the planner can use; clocks live in update pipelines', () => {
      for (const hot of queries) assert.doesNotMatch(JSON.stringify(hot.spec.filter), /\$expr|\$\$NOW/, hot.name);
      const leases = queries.filter((hot) => hot.name.endsWith('lease'));
      assert.equal(leases.length, 3);
      for (const hot of leases) assert.match(JSON.stringify(hot.spec.update), /\$\$NOW/, hot.name);
    });

    it('sorts only by a prefix of its index after the equality fields (no in-memory sort needed)', () => {
      for (const hot of queries) {
        if (!hot.spec.sort || hot.index === '_id_') continue;
        const found = models[hot.model].schema.indexes().find(([, options]) => options.name === hot.index)!;
        const keys = Object.keys(found[0]);
        const sortKeys = Object.keys(hot.spec.sort);
        const start = keys.indexOf(sortKeys[0]!);
        assert.ok(start >= 0, `${hot.name}: sorts by ${sortKeys[0]}, not in ${hot.index}`);
        assert.deepEqual(keys.slice(start, start + sortKeys.length), sortKeys, `${hot.name}: sort ${sortKeys} is not a run of ${hot.index}`);
        // The fields before the sort run are pinned by equality (or one $in: MongoDB merges its runs in order).
        for (const key of keys.slice(0, start)) assert.ok(key in hot.spec.filter, `${hot.name}: ${key} precedes the sort but is not in the filter`);
      }
    });
  });
});
