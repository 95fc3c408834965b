/**
 * The reports view's arithmetic (issue 13), pure and tested: the default range, durations as
 * people read them, the per-day chart series built from `group_by=day` groups (every day of the
 * range, empty days at zero or absent), the chart's axis, and the per-agent rows.
 */
import type { ReportSummary } from '../../../shared/schemas/responses.js';

export type ReportGroup = ReportSummary['groups'][number];
export type DurationKey = 'wait_time' | 'first_response_time' | 'resolution_time';

const DAY = 86_400;

/** `YYYY-MM-DD` of a unix second, in UTC (the report's days are UTC days). */
export const isoDay = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);

/** The default range: the last 30 days, today included (the API's `to` date is inclusive). */
export function defaultRange(nowSeconds: number): { from: string; to: string } {
  return { from: isoDay(nowSeconds - 29 * DAY), to: isoDay(nowSeconds) };
}

/** Every UTC day from `from` to `to` inclusive, as `YYYY-MM-DD` (empty when to < from). */
export function daysBetween(from: string, to: string): string[] {
  const start = Date.parse(`${from}T00:00:00Z`) / 1000;
  const end = Date.parse(`${to}T00:00:00Z`) / 1000;
  const days: string[] = [];
  if (!Number.isFinite(start) || !Number.isFinite(end)) return days;
  for (let t = start; t <= end && days.length <= 366; t += DAY) days.push(isoDay(t));
  return days;
}

/** One day of the counts chart. */
export interface CountPoint {
  day: string;
  asked: number;
  resolved: number;
}

/** Asked and resolved per day, every day of the range (a day without cycles counts zero). */
export function countSeries(groups: readonly ReportGroup[], days: readonly string[]): CountPoint[] {
  const byDay = new Map(groups.map((g) => [g.key, g]));
  return days.map((day) => ({ day, asked: byDay.get(day)?.asked ?? 0, resolved: byDay.get(day)?.resolved ?? 0 }));
}

/** One day of a duration chart: null where nothing was measured that day (a gap, not a zero). */
export interface DurationPoint {
  day: string;
  median: number | null;
  p90: number | null;
  count: number;
}

/** A duration's median and p90 per day, every day of the range. */
export function durationSeries(groups: readonly ReportGroup[], days: readonly string[], key: DurationKey): DurationPoint[] {
  const byDay = new Map(groups.map((g) => [g.key, g]));
  return days.map((day) => {
    const stats = byDay.get(day)?.[key];
    return { day, median: stats?.median ?? null, p90: stats?.p90 ?? null, count: stats?.count ?? 0 };
  });
}

/**
 * A chart axis from 0 to a round top at or above `max`, with `ticks` + 1 evenly spaced marks
 * (1, 2, 2.5 or 5 times a power of ten per step), so gridlines fall on readable values.
 */
export function niceAxis(max: number, ticks = 4): { top: number; step: number } {
  if (!(max > 0)) return { top: ticks, step: 1 };
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw - 1e-9)!;
  return { top: step * ticks, step };
}

/**
 * Seconds as people read them: "45 s", "2 min 5 s", "1 h 30 min", "2 d 3 h" (two units at most,
 * the second dropped when zero); null (nothing measured) is "—".
 */
export function formatSeconds(seconds: number | null, lang: 'en' | 'zh-CN'): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  const units: Array<[number, string, string]> = [
    [DAY, 'd', '天'],
    [3600, 'h', '小时'],
    [60, 'min', '分'],
    [1, 's', '秒'],
  ];
  const join = (n: number, en: string, zh: string) => (lang === 'en' ? `${n} ${en}` : `${n} ${zh}`);
  for (let i = 0; i < units.length; i++) {
    const [size, en, zh] = units[i]!;
    if (s < size && size > 1) continue;
    const whole = Math.floor(s / size);
    const rest = s - whole * size;
    const next = units[i + 1];
    if (!next || rest < next[0]) return join(whole, en, zh);
    return `${join(whole, en, zh)} ${join(Math.floor(rest / next[0]), next[1], next[2])}`;
  }
  return join(0, 's', '秒');
}

const AXIS_UNITS: Array<[number, string, string]> = [
  [DAY, 'd', '天'],
  [3600, 'h', '小时'],
  [60, 'min', '分'],
  [1, 's', '秒'],
];

/**
 * A duration axis: the unit the largest value reads best in (at least two of it: 90 s stays in
 * seconds, 10 min goes in minutes), then a nice axis in that unit, so marks read "2.5 min", not
 * "150 s" or "1.7 min".
 */
export function durationAxis(maxSeconds: number, ticks = 4): { top: number; step: number; unit: number } {
  const unit = AXIS_UNITS.find(([size]) => maxSeconds >= 2 * size)?.[0] ?? 1;
  const { top, step } = niceAxis(Math.max(maxSeconds / unit, 4), ticks);
  return { top: top * unit, step: step * unit, unit };
}

/** An axis mark in the axis's unit: "45 s", "7.5 min", "2 h", "1.5 天". */
export function formatAxisSeconds(seconds: number, unit: number, lang: 'en' | 'zh-CN'): string {
  const [, en, zh] = AXIS_UNITS.find(([size]) => size === unit) ?? AXIS_UNITS[3]!;
  const value = Math.round((seconds / unit) * 10) / 10;
  return lang === 'en' ? `${value} ${en}` : `${value} ${zh}`;
}

/** A CSAT as "4.5 (80 % satisfied, 10)", or "—" without ratings. */
export function formatCsat(csat: ReportGroup['csat'], lang: 'en' | 'zh-CN'): string {
  if (csat.count === 0 || csat.mean === null) return '—';
  const share = Math.round((csat.satisfied ?? 0) * 100);
  return lang === 'en' ? `${csat.mean.toFixed(1)} (${share} % satisfied, ${csat.count})` : `${csat.mean.toFixed(1)}（${share}% 满意，${csat.count} 条）`;
}

/** The per-agent table's rows: agents by id, the cycles nobody served last (the API's order). */
export function agentRows(groups: readonly ReportGroup[]): ReportGroup[] {
  return [...groups].sort((a, b) => (a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The file name of a CSV download: the app, the range and the grouping. */
export const csvFileName = (identify: string, from: string, to: string, groupBy: string) =>
  `kefu-report-${identify.replace(/[^\w.-]+/g, '_')}-${from}-${to}-${groupBy}.csv`;
