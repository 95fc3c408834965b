import assert from 'node:assert/strict';
import { agentRows, countSeries, durationAxis, formatAxisSeconds, csvFileName, daysBetween, defaultRange, durationSeries, formatCsat, formatSeconds, niceAxis, type ReportGroup } from '../../desk/src/state/reports.js';

const stats = (median: number | null, p90: number | null, count = median === null ? 0 : 1) => ({ count, mean: median, median, p90 });
const group = (key: string | null, asked: number, resolved: number, extra: Partial<ReportGroup> = {}): ReportGroup => ({
  key,
  asked,
  served: asked,
  resolved,
  timed_out: 0,
  reopened: 0,
  wait_time: stats(null, null),
  first_response_time: stats(null, null),
  resolution_time: stats(null, null),
  csat: { count: 0, mean: null, satisfied: null },
  ...extra,
});

describe('desk state: reports', () => {
  it('defaults to the last 30 UTC days, today included, and lists every day of a range', () => {
    const now = Date.parse('2026-03-01T10:00:00Z') / 1000;
    assert.deepEqual(defaultRange(now), { from: '2026-01-31', to: '2026-03-01' });
    assert.equal(daysBetween('2026-01-31', '2026-03-01').length, 30);
    assert.deepEqual(daysBetween('2026-02-27', '2026-03-01'), ['2026-02-27', '2026-02-28', '2026-03-01']);
    assert.deepEqual(daysBetween('2026-03-02', '2026-03-01'), []);
    assert.deepEqual(daysBetween('nonsense', '2026-03-01'), []);
  });

  it('builds the counts series for every day, a day without cycles at zero', () => {
    const days = ['2026-01-05', '2026-01-06', '2026-01-07'];
    assert.deepEqual(countSeries([group('2026-01-05', 3, 2), group('2026-01-07', 1, 0)], days), [
      { day: '2026-01-05', asked: 3, resolved: 2 },
      { day: '2026-01-06', asked: 0, resolved: 0 },
      { day: '2026-01-07', asked: 1, resolved: 0 },
    ]);
  });

  it('builds a duration series of median and p90 per day, a day without measurements a gap (null), not zero', () => {
    const days = ['2026-01-05', '2026-01-06'];
    const series = durationSeries([group('2026-01-05', 2, 2, { first_response_time: stats(30, 90, 2) })], days, 'first_response_time');
    assert.deepEqual(series, [
      { day: '2026-01-05', median: 30, p90: 90, count: 2 },
      { day: '2026-01-06', median: null, p90: null, count: 0 },
    ]);
    assert.deepEqual(durationSeries([group('2026-01-05', 2, 2)], days, 'resolution_time')[0], { day: '2026-01-05', median: null, p90: null, count: 0 });
  });

  it('rounds a chart axis up to readable steps', () => {
    assert.deepEqual(niceAxis(0), { top: 4, step: 1 });
    assert.deepEqual(niceAxis(3), { top: 4, step: 1 });
    assert.deepEqual(niceAxis(7), { top: 8, step: 2 });
    assert.deepEqual(niceAxis(9), { top: 10, step: 2.5 });
    assert.deepEqual(niceAxis(170), { top: 200, step: 50 });
    assert.deepEqual(niceAxis(4000), { top: 4000, step: 1000 });
  });

  it('formats durations with two units at most, in both languages', () => {
    assert.equal(formatSeconds(null, 'en'), '—');
    assert.equal(formatSeconds(0, 'en'), '0 s');
    assert.equal(formatSeconds(45.4, 'en'), '45 s');
    assert.equal(formatSeconds(120, 'en'), '2 min');
    assert.equal(formatSeconds(125, 'en'), '2 min 5 s');
    assert.equal(formatSeconds(5400, 'en'), '1 h 30 min');
    assert.equal(formatSeconds(3 * 86400 + 7200 + 59, 'en'), '3 d 2 h');
    assert.equal(formatSeconds(125, 'zh-CN'), '2 分 5 秒');
    assert.equal(formatSeconds(86400, 'zh-CN'), '1 天');
  });

  it('formats CSAT, orders agents with the unserved last, and names the CSV file', () => {
    assert.equal(formatCsat({ count: 0, mean: null, satisfied: null }, 'en'), '—');
    assert.equal(formatCsat({ count: 5, mean: 4.2, satisfied: 0.8 }, 'en'), '4.2 (80 % satisfied, 5)');
    assert.equal(formatCsat({ count: 5, mean: 4.2, satisfied: 0.8 }, 'zh-CN'), '4.2（80% 满意，5 条）');
    assert.deepEqual(agentRows([group(null, 1, 0), group('tom', 1, 1), group('mei', 2, 2)]).map((g) => g.key), ['mei', 'tom', null]);
    assert.equal(csvFileName('com.example/shop', '2026-01-01', '2026-01-31', 'agent'), 'kefu-report-com.example_shop-2026-01-01-2026-01-31-agent.csv');
  });
});

describe('desk state: report chart axes', () => {
  it('picks the unit the largest duration reads best in, with nice marks in it', () => {
    assert.deepEqual(durationAxis(0), { top: 4, step: 1, unit: 1 }, 'at least 4 s tall');
    assert.deepEqual(durationAxis(90), { top: 100, step: 25, unit: 1 }, '90 s stays in seconds');
    assert.deepEqual(durationAxis(600), { top: 600, step: 150, unit: 60 }, '10 min in minutes: 2.5 min steps');
    assert.deepEqual(durationAxis(3 * 3600), { top: 4 * 3600, step: 3600, unit: 3600 });
    assert.deepEqual(durationAxis(5 * 86400), { top: 8 * 86400, step: 2 * 86400, unit: 86400 });
  });

  it('labels axis marks in the axis unit', () => {
    assert.equal(formatAxisSeconds(0, 1, 'en'), '0 s');
    assert.equal(formatAxisSeconds(75, 1, 'en'), '75 s');
    assert.equal(formatAxisSeconds(150, 60, 'en'), '2.5 min');
    assert.equal(formatAxisSeconds(7200, 3600, 'en'), '2 h');
    assert.equal(formatAxisSeconds(129600, 86400, 'zh-CN'), '1.5 天');
  });
});
