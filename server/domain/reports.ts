/**
 * Reports over stored cycle rows (issue 13): the range a request covers, the store's aggregates
 * presented as the figures of docs/api.md (GET /v1/reports/summary), and the CSV form of the same. No history is
 * read: every figure comes from the cycle rows kept as the conversations happened.
 *
 * A cycle belongs to the range, and to a day, by when it started (the ask or the reopen), so a
 * range's numbers never change for cycles that started before it. Days are UTC days.
 */
import { ApiError } from '../../shared/errors.js';
import { LIMITS } from '../../shared/limits.js';
import type { ReportFigures, ReportSummary } from '../../shared/schemas/responses.js';
import type { CycleAggregate, CycleReport, DurationAggregate, ReportGroupBy, Seconds } from '../stores/types.js';

export type GroupBy = ReportGroupBy;

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

/** Figures to the thousandth (seconds, scores, shares). */
const round = (value: number) => Math.round(value * 1000) / 1000;
const roundOrNull = (value: number | null) => (value === null ? null : round(value));

function durationFigures(d: DurationAggregate): ReportFigures['wait_time'] {
  return { count: d.count, mean: d.count ? round(d.sum / d.count) : null, median: roundOrNull(d.median), p90: roundOrNull(d.p90) };
}

/** One group's figures as docs/api.md shows them. */
export function figuresOf(a: CycleAggregate): ReportFigures {
  return {
    asked: a.asked,
    served: a.served,
    resolved: a.resolved,
    timed_out: a.timedOut,
    reopened: a.reopened,
    wait_time: durationFigures(a.wait),
    first_response_time: durationFigures(a.firstResponse),
    resolution_time: durationFigures(a.resolution),
    csat: {
      count: a.ratings.count,
      mean: a.ratings.count ? round(a.ratings.sum / a.ratings.count) : null,
      satisfied: a.ratings.count ? round(a.ratings.satisfied / a.ratings.count) : null,
    },
  };
}

/** The report as the API answers it, from the store's aggregates. */
export function presentReport(report: CycleReport, scope: { identify: string; from: Seconds; to: Seconds; groupBy?: GroupBy }): Omit<ReportSummary, 'status'> {
  return {
    identify: scope.identify,
    from: scope.from,
    to: scope.to,
    group_by: scope.groupBy ?? null,
    groups: report.groups.map((g) => ({ key: g.key, ...figuresOf(g) })),
    total: figuresOf(report.total),
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
