/**
 * A report folded from its cycles in one pass, the same for every store: the store feeds each
 * cycle's partition key and facts (SQLite from inside its statement, through an aggregate function;
 * MongoDB from the scanned documents), and the fold keeps one tally per partition. Partitions never
 * overlap (a UTC day, the last agent, or the cycle's whole label set), so the total is every
 * partition merged, and a label's group is the merge of every label set that holds it.
 *
 * Medians and p90s are nearest-rank: the smallest value with at least that share of the values at
 * or below it (the lower middle for an even count).
 */
import type { CycleAggregate, CycleFacts, CycleReport, DurationAggregate, ReportGroupBy } from './types.js';

const DAY_S = 86_400;

/** The UTC day (YYYY-MM-DD) a time falls in. */
export const utcDay = (at: number) => new Date(Math.floor(at / DAY_S) * DAY_S * 1000).toISOString().slice(0, 10);

/** Nearest-rank median and p90 positions (1-based) among `count` sorted values. */
const medianRank = (count: number) => Math.floor((count + 1) / 2);
const p90Rank = (count: number) => Math.floor((9 * count + 9) / 10);

/** A partition's key: the day number (`floor(started_at / 86400)`), the last agent, or the labels as stored (JSON); null when ungrouped. */
export type PartitionKey = string | number | null;

function durationAggregate(values: number[]): DurationAggregate {
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
  ratings = 0;
  scoreSum = 0;
  satisfied = 0;
  readonly wait: number[] = [];
  readonly firstResponse: number[] = [];
  readonly resolution: number[] = [];

  merge(other: Tally): void {
    this.asked += other.asked;
    this.reopened += other.reopened;
    this.served += other.served;
    this.resolved += other.resolved;
    this.timedOut += other.timedOut;
    this.ratings += other.ratings;
    this.scoreSum += other.scoreSum;
    this.satisfied += other.satisfied;
    append(this.wait, other.wait);
    append(this.firstResponse, other.firstResponse);
    append(this.resolution, other.resolution);
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

/** `target.push(...values)` without spreading (a spread of 100,000 arguments overflows the stack). */
function append(target: number[], values: number[]): void {
  for (let i = 0; i < values.length; i++) target.push(values[i]!);
}

export class ReportFold {
  private readonly partitions = new Map<PartitionKey, Tally>();

  constructor(private readonly groupBy?: ReportGroupBy) {}

  /**
   * One cycle: its partition, its number (1 is the ask, more a reopen), its wait, first-response
   * and resolution times (null until they happen), whether it timed out, and its rating. Called once
   * per cycle of a report, so it does no more than count and push.
   */
  add(key: PartitionKey, n: number, wait: number | null, firstResponse: number | null, resolution: number | null, timedOut: boolean | number | null, score: number | null): void {
    let tally = this.partitions.get(key);
    if (tally === undefined) this.partitions.set(key, (tally = new Tally()));
    if (n === 1) tally.asked++;
    else tally.reopened++;
    if (wait !== null) {
      tally.served++;
      tally.wait.push(wait);
    }
    if (firstResponse !== null) tally.firstResponse.push(firstResponse);
    if (resolution !== null) {
      tally.resolved++;
      tally.resolution.push(resolution);
    }
    if (timedOut) tally.timedOut++;
    if (score !== null) {
      tally.ratings++;
      tally.scoreSum += score;
      if (score >= 4) tally.satisfied++;
    }
  }

  /** Groups (by key, null last) and the total. */
  report(): CycleReport {
    // One partition (an ungrouped report, or one day or agent) is its own total: no copy of its durations.
    const [only, ...more] = this.partitions.values();
    let total = only ?? new Tally();
    if (more.length) {
      total = new Tally();
      for (const tally of this.partitions.values()) total.merge(tally);
    }
    return { groups: sortGroups(this.groups()), total: total.aggregate(null) };
  }

  private groups(): CycleAggregate[] {
    switch (this.groupBy) {
      case undefined:
        return [];
      case 'day':
        return [...this.partitions].map(([day, tally]) => tally.aggregate(utcDay(Number(day) * DAY_S)));
      case 'agent':
        return [...this.partitions].map(([agent, tally]) => tally.aggregate(agent === null ? null : String(agent)));
      case 'label': {
        // A cycle counts once under each of its labels (a label repeated counts once), or under null without any.
        const labels = new Map<string | null, Tally>();
        for (const [set, tally] of this.partitions) {
          const names = [...new Set(JSON.parse(String(set)) as string[])];
          for (const label of names.length ? names : [null]) {
            let merged = labels.get(label);
            if (merged === undefined) labels.set(label, (merged = new Tally()));
            merged.merge(tally);
          }
        }
        return [...labels].map(([label, tally]) => tally.aggregate(label));
      }
    }
  }
}

/** The partition a scanned cycle falls in, as the SQLite statement computes it (PARTITIONS in sqlite/cycles.ts). */
function partitionOf(cycle: CycleFacts, groupBy?: ReportGroupBy): PartitionKey {
  switch (groupBy) {
    case undefined:
      return null;
    case 'day':
      return Math.floor(cycle.startedAt / DAY_S);
    case 'agent':
      return cycle.lastAgent;
    case 'label':
      return JSON.stringify(cycle.labels);
  }
}

/** The report of scanned cycles (a store that cannot fold where it reads). */
export function foldCycles(cycles: CycleFacts[], groupBy?: ReportGroupBy): CycleReport {
  const fold = new ReportFold(groupBy);
  for (const c of cycles) {
    const since = (at: number | null) => (at === null ? null : at - c.startedAt);
    fold.add(partitionOf(c, groupBy), c.n, since(c.servedAt), since(c.firstResponseAt), since(c.resolvedAt), c.outcome === 'timed_out', c.score);
  }
  return fold.report();
}

/** By key, null last (both stores order groups alike). */
export function sortGroups(groups: CycleAggregate[]): CycleAggregate[] {
  return groups.sort((a, b) => (a.key === b.key ? 0 : a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : 1));
}
