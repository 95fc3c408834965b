import assert from 'node:assert/strict';
import fc from 'fast-check';
import { foldCycles } from '../../server/stores/reportFold.js';
import type { CycleFacts } from '../../server/stores/types.js';
import { referenceReport } from './reportReference.js';

const T0 = 1_790_000_000;

/** A cycle as a store scans it; times in whole seconds after its start, as kefu writes them. */
const cycle = fc
  .record({
    startedAt: fc.integer({ min: T0, max: T0 + 5 * 86_400 }),
    n: fc.integer({ min: 1, max: 3 }),
    wait: fc.option(fc.integer({ min: 0, max: 3_600 })),
    firstResponse: fc.option(fc.integer({ min: 0, max: 600 })),
    resolution: fc.option(fc.integer({ min: 0, max: 90_000 })),
    outcome: fc.constantFrom(null, 'finished', 'confirmed', 'timed_out'),
    lastAgent: fc.constantFrom(null, 's1', 's2', 's3'),
    labels: fc.array(fc.constantFrom('billing', 'vip', 'shipping'), { maxLength: 3 }),
    score: fc.option(fc.integer({ min: 1, max: 5 })),
  })
  .map(
    (c): CycleFacts => ({
      startedAt: c.startedAt,
      n: c.n,
      servedAt: c.wait === null ? null : c.startedAt + c.wait,
      firstResponseAt: c.wait === null || c.firstResponse === null ? null : c.startedAt + c.wait + c.firstResponse,
      resolvedAt: c.resolution === null ? null : c.startedAt + c.resolution,
      outcome: c.outcome as CycleFacts['outcome'],
      lastAgent: c.lastAgent,
      labels: c.labels,
      score: c.score,
    }),
  );

describe('report fold', () => {
  it('gives the plain reading of the cycles for every grouping: counts, sums, nearest-rank medians and p90s, ratings', () => {
    fc.assert(
      fc.property(fc.array(cycle, { maxLength: 60 }), fc.constantFrom(undefined, 'day', 'agent', 'label'), (cycles, groupBy) => {
        assert.deepEqual(foldCycles(cycles, groupBy), referenceReport(cycles, groupBy));
      }),
      { numRuns: 300 },
    );
  });

  it('counts a cycle once under a label it carries twice, and under null when it has none', () => {
    const base = { n: 1, servedAt: null, firstResponseAt: null, resolvedAt: null, outcome: null, lastAgent: null, score: null };
    const report = foldCycles(
      [
        { ...base, startedAt: T0, labels: ['vip', 'vip'] },
        { ...base, startedAt: T0, labels: [] },
      ],
      'label',
    );
    assert.deepEqual(
      report.groups.map((g) => [g.key, g.asked]),
      [
        ['vip', 1],
        [null, 1],
      ],
    );
    assert.equal(report.total.asked, 2);
  });

  it('ranks an even count at its lower middle, and p90 at the ninth of ten', () => {
    const base = { n: 1, firstResponseAt: null, resolvedAt: null, outcome: null, lastAgent: 's1', labels: [], score: null };
    const waits = [40, 10, 30, 20, 100, 90, 80, 70, 60, 50];
    const { wait } = foldCycles(waits.map((w) => ({ ...base, startedAt: T0, servedAt: T0 + w }))).total;
    assert.deepEqual(wait, { count: 10, sum: 550, median: 50, p90: 90 });
  });
});
