/**
 * The aggregate of a report, computed from cycle facts in memory: what a store without a faster way
 * returns (MongoDB reads the facts and folds them here), and the reference the SQLite store's SQL is
 * checked against in the contract suite. Medians and p90s are nearest-rank: the smallest value with
 * at least that share of the values at or below it (the lower middle for an even count).
 */
import type { CycleAggregate, CycleFacts, CycleReport, DurationAggregate, ReportGroupBy } from './types.js';

const DAY_S = 86_400;

/** The UTC day (YYYY-MM-DD) a time falls in. */
export const utcDay = (at: number) => new Date(Math.floor(at / DAY_S) * DAY_S * 1000).toISOString().slice(0, 10);

/** The keys a cycle counts under: its UTC day, its agent (null: nobody served it), or each label (null: none). */
function keysOf(cycle: CycleFacts, groupBy: ReportGroupBy, days: Map<number, string>): Array<string | null> {
  switch (groupBy) {
    case 'day': {
      const n = Math.floor(cycle.startedAt / DAY_S);
      let day = days.get(n);
      if (day === undefined) days.set(n, (day = utcDay(cycle.startedAt)));
      return [day];
    }
    case 'agent':
      return [cycle.lastAgent];
    case 'label':
      return cycle.labels.length ? [...new Set(cycle.labels)] : [null];
  }
}

/** Nearest-rank median and p90 positions (1-based) among `count` sorted values. */
export const medianRank = (count: number) => Math.floor((count + 1) / 2);
export const p90Rank = (count: number) => Math.floor((9 * count + 9) / 10);

export function durationAggregate(values: number[]): DurationAggregate {
  if (values.length === 0) return { count: 0, sum: 0, median: null, p90: null };
  // A typed array sorts numerically in native code, without a comparator call per pair.
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i]!;
  return { count: sorted.length, sum, median: sorted[medianRank(sorted.length) - 1]!, p90: sorted[p90Rank(sorted.length) - 1]! };
}

class Tally {
  asked = 0;
  reopened = 0;
  served = 0;
  resolved = 0;
  timedOut = 0;
  readonly wait: number[] = [];
  readonly firstResponse: number[] = [];
  readonly resolution: number[] = [];
  ratings = 0;
  scoreSum = 0;
  satisfied = 0;

  add(c: CycleFacts): void {
    if (c.n === 1) this.asked++;
    else this.reopened++;
    if (c.servedAt !== null) {
      this.served++;
      this.wait.push(c.servedAt - c.startedAt);
    }
    if (c.firstResponseAt !== null) this.firstResponse.push(c.firstResponseAt - c.startedAt);
    if (c.resolvedAt !== null) {
      this.resolved++;
      this.resolution.push(c.resolvedAt - c.startedAt);
    }
    if (c.outcome === 'timed_out') this.timedOut++;
    if (c.score !== null) {
      this.ratings++;
      this.scoreSum += c.score;
      if (c.score >= 4) this.satisfied++;
    }
  }

  aggregate(key: string | null): CycleAggregate {
    return {
      key,
      asked: this.asked,
      reopened: this.reopened,
      served: this.served,
      resolved: this.resolved,
      timedOut: this.timedOut,
      wait: durationAggregate(this.wait),
      firstResponse: durationAggregate(this.firstResponse),
      resolution: durationAggregate(this.resolution),
      ratings: { count: this.ratings, sum: this.scoreSum, satisfied: this.satisfied },
    };
  }
}

/** Groups (sorted by key, null last) and the total of the given cycles. */
export function aggregateCycles(cycles: CycleFacts[], groupBy?: ReportGroupBy): CycleReport {
  const total = new Tally();
  const groups = new Map<string | null, Tally>();
  const days = new Map<number, string>();
  for (const cycle of cycles) {
    total.add(cycle);
    if (groupBy === undefined) continue;
    for (const key of keysOf(cycle, groupBy, days)) {
      let tally = groups.get(key);
      if (!tally) groups.set(key, (tally = new Tally()));
      tally.add(cycle);
    }
  }
  return { groups: sortGroups([...groups].map(([key, tally]) => tally.aggregate(key))), total: total.aggregate(null) };
}

/** By key, null last (both stores order groups alike). */
export function sortGroups(groups: CycleAggregate[]): CycleAggregate[] {
  return groups.sort((a, b) => (a.key === b.key ? 0 : a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : 1));
}
