/**
 * What a report means, computed the plain way from scanned cycle facts: each cycle counted under
 * each of its keys, each group's durations sorted with a comparator and ranked by the definition
 * (nearest rank: the smallest value with at least that share of the values at or below it). The
 * contract suite checks every store's reportCycles against it; it shares no code with the stores'
 * fold (server/stores/reportFold.ts) beyond the day format.
 */
import { utcDay } from '../../server/stores/reportFold.js';
import type { CycleAggregate, CycleFacts, CycleReport, DurationAggregate, ReportGroupBy } from '../../server/stores/types.js';

/** The keys a cycle counts under: its UTC day, its agent (null: nobody served it), or each label (null: none). */
function keysOf(cycle: CycleFacts, groupBy: ReportGroupBy): Array<string | null> {
  switch (groupBy) {
    case 'day':
      return [utcDay(cycle.startedAt)];
    case 'agent':
      return [cycle.lastAgent];
    case 'label':
      return cycle.labels.length ? [...new Set(cycle.labels)] : [null];
  }
}

/** The value at nearest rank ⌈share × count⌉. */
const nearestRank = (sorted: number[], share: number) => sorted[Math.max(1, Math.ceil(Number((share * sorted.length).toFixed(9)))) - 1]!;

function durations(values: number[]): DurationAggregate {
  if (values.length === 0) return { count: 0, sum: 0, median: null, p90: null };
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, sum: sorted.reduce((a, b) => a + b, 0), median: nearestRank(sorted, 0.5), p90: nearestRank(sorted, 0.9) };
}

function aggregate(key: string | null, cycles: CycleFacts[]): CycleAggregate {
  const since = (pick: (c: CycleFacts) => number | null) => cycles.flatMap((c) => (pick(c) === null ? [] : [pick(c)! - c.startedAt]));
  const scores = cycles.flatMap((c) => (c.score === null ? [] : [c.score]));
  return {
    key,
    asked: cycles.filter((c) => c.n === 1).length,
    reopened: cycles.filter((c) => c.n !== 1).length,
    served: cycles.filter((c) => c.servedAt !== null).length,
    resolved: cycles.filter((c) => c.resolvedAt !== null).length,
    timedOut: cycles.filter((c) => c.outcome === 'timed_out').length,
    wait: durations(since((c) => c.servedAt)),
    firstResponse: durations(since((c) => c.firstResponseAt)),
    resolution: durations(since((c) => c.resolvedAt)),
    ratings: { count: scores.length, sum: scores.reduce((a, b) => a + b, 0), satisfied: scores.filter((s) => s >= 4).length },
  };
}

/** Groups (by key, null last) and the total of the given cycles. */
export function referenceReport(cycles: CycleFacts[], groupBy?: ReportGroupBy): CycleReport {
  const groups = new Map<string | null, CycleFacts[]>();
  if (groupBy !== undefined) {
    for (const cycle of cycles) {
      for (const key of keysOf(cycle, groupBy)) groups.set(key, [...(groups.get(key) ?? []), cycle]);
    }
  }
  const keys = [...groups.keys()].sort((a, b) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1));
  return { groups: keys.map((key) => aggregate(key, groups.get(key)!)), total: aggregate(null, cycles) };
}
