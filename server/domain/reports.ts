/**
 * Reports over stored cycle rows (issue 13): pure functions from the cycles a range covers to the
 * figures of docs/api.md (GET /v1/reports/summary), and the CSV form of the same. No history is
 * read: every figure comes from the cycle rows kept as the conversations happened.
 *
 * A cycle belongs to the range, and to a day, by when it started (the ask or the reopen), so a
 * range's numbers never change for cycles that started before it. Days are UTC days.
 */
import { ApiError } from '../../shared/errors.js';
import { LIMITS } from '../../shared/limits.js';
import type { ReportFigures, ReportSummary } from '../../shared/schemas/responses.js';
import type { CycleFacts, Seconds } from '../stores/types.js';

export type GroupBy = 'day' | 'agent' | 'label';

const DAY_S = 86_400;

/** A bound as given (unix seconds, or a UTC date) to seconds; a date `to` is the end of its day. */
function boundToSeconds(bound: number | string, end: boolean): Seconds {
  if (typeof bound === 'number') return bound;
  const start = Date.parse(`${bound}T00:00:00Z`) / 1000;
  return end ? start + DAY_S : start;
}

/**
 * The half-open range [from, to) a request covers: `to` defaults to now, `from` to 30 days before
 * `to`; at most LIMITS.reportRangeDays long, and `from` before `to`.
 */
export function reportRange(input: { from?: number | string; to?: number | string }, now: Seconds): { from: Seconds; to: Seconds } {
  const to = input.to === undefined ? now : boundToSeconds(input.to, true);
  const from = input.from === undefined ? to - LIMITS.reportRangeDays.default * DAY_S : boundToSeconds(input.from, false);
  if (from >= to) throw new ApiError('param_invalid', 'from must be before to', { field: 'from' });
  if (to - from > LIMITS.reportRangeDays.max * DAY_S) {
    throw new ApiError('param_invalid', `a report covers at most ${LIMITS.reportRangeDays.max} days`, { field: 'to' });
  }
  return { from, to };
}

/** The keys a cycle counts under: its UTC day, its agent (null: nobody served it), or each label (null: none). */
function keysOf(cycle: CycleFacts, groupBy: GroupBy | undefined): Array<string | null> {
  switch (groupBy) {
    case undefined:
      return [];
    case 'day':
      return [dayOf(cycle.startedAt)];
    case 'agent':
      return [cycle.lastAgent];
    case 'label':
      return cycle.labels.length ? [...new Set(cycle.labels)] : [null];
  }
}

/** The UTC day of a time, memoized per day number: a report has at most 366 distinct ones. */
const days = new Map<number, string>();
function dayOf(at: Seconds): string {
  const n = Math.floor(at / DAY_S);
  let day = days.get(n);
  if (day === undefined) {
    day = new Date(n * DAY_S * 1000).toISOString().slice(0, 10);
    if (days.size < 10_000) days.set(n, day);
  }
  return day;
}

/** What one group accumulates before its figures are computed. */
class Tally {
  asked = 0;
  served = 0;
  resolved = 0;
  timedOut = 0;
  reopened = 0;
  readonly wait: number[] = [];
  readonly firstResponse: number[] = [];
  readonly resolution: number[] = [];
  readonly scores: number[] = [];

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
    if (c.score !== null) this.scores.push(c.score);
  }

  figures(): ReportFigures {
    let satisfied = 0;
    for (const score of this.scores) if (score >= 4) satisfied++;
    return {
      asked: this.asked,
      served: this.served,
      resolved: this.resolved,
      timed_out: this.timedOut,
      reopened: this.reopened,
      wait_time: durationStats(this.wait),
      first_response_time: durationStats(this.firstResponse),
      resolution_time: durationStats(this.resolution),
      csat: {
        count: this.scores.length,
        mean: this.scores.length ? round(sum(this.scores) / this.scores.length) : null,
        satisfied: this.scores.length ? round(satisfied / this.scores.length) : null,
      },
    };
  }
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
/** Figures to the millisecond (durations) or the thousandth (scores, shares). */
const round = (value: number) => Math.round(value * 1000) / 1000;

/** Mean, median (the lower middle of an even count, a value that occurred) and p90 of durations. */
export function durationStats(values: number[]): ReportFigures['wait_time'] {
  if (values.length === 0) return { count: 0, mean: null, median: null, p90: null };
  // A typed array sorts numerically in native code, without a comparator call per pair.
  const sorted = Float64Array.from(values).sort();
  let total = 0;
  for (let i = 0; i < sorted.length; i++) total += sorted[i]!;
  // Nearest rank: the smallest value with at least a share p of them at or below it.
  const at = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
  return { count: sorted.length, mean: round(total / sorted.length), median: round(at(0.5)), p90: round(at(0.9)) };
}

/** The report of the cycles a range covers: one group per key (sorted by key, null last) and the total. */
export function summarize(
  cycles: CycleFacts[],
  scope: { identify: string; from: Seconds; to: Seconds; groupBy?: GroupBy },
): Omit<ReportSummary, 'status'> {
  const total = new Tally();
  const groups = new Map<string | null, Tally>();
  for (const cycle of cycles) {
    total.add(cycle);
    if (scope.groupBy === undefined) continue;
    for (const key of keysOf(cycle, scope.groupBy)) {
      let tally = groups.get(key);
      if (!tally) groups.set(key, (tally = new Tally()));
      tally.add(cycle);
    }
  }
  const keys = [...groups.keys()].sort((a, b) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0));
  return {
    identify: scope.identify,
    from: scope.from,
    to: scope.to,
    group_by: scope.groupBy ?? null,
    groups: keys.map((key) => ({ key, ...groups.get(key)!.figures() })),
    total: total.figures(),
  };
}

/** The CSV columns, in order (docs/api.md): the key, then every figure flattened. */
export const CSV_COLUMNS = [
  'key',
  'asked',
  'served',
  'resolved',
  'timed_out',
  'reopened',
  'wait_count',
  'wait_mean',
  'wait_median',
  'wait_p90',
  'first_response_count',
  'first_response_mean',
  'first_response_median',
  'first_response_p90',
  'resolution_count',
  'resolution_mean',
  'resolution_median',
  'resolution_p90',
  'csat_count',
  'csat_mean',
  'csat_satisfied',
] as const;

/** RFC 4180 quoting where needed; a leading =, +, - or @ is prefixed with ' so no spreadsheet runs it. */
function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvRow(key: string | null, f: ReportFigures): string {
  const d = (s: ReportFigures['wait_time']) => [s.count, s.mean, s.median, s.p90];
  return [key, f.asked, f.served, f.resolved, f.timed_out, f.reopened, ...d(f.wait_time), ...d(f.first_response_time), ...d(f.resolution_time), f.csat.count, f.csat.mean, f.csat.satisfied]
    .map(csvCell)
    .join(',');
}

/** The same report as CSV: a header, one row per group, then a row whose key is `total`. */
export function reportCsv(report: Omit<ReportSummary, 'status'>): string {
  const lines = [CSV_COLUMNS.join(','), ...report.groups.map((g) => csvRow(g.key, g)), csvRow('total', report.total)];
  return lines.join('\r\n') + '\r\n';
}
