/**
 * GET /v1/reports/summary over real HTTP: figures from the stored cycle rows of a seeded app (the
 * cycles are written through the store with chosen times, as the conversations would), grouped by
 * day, agent and label, as JSON and CSV; who may read them; the range's rules.
 */
import assert from 'node:assert/strict';
import { reportSummaryReply } from '../../shared/schemas/responses.js';
import { CSV_COLUMNS } from '../../server/domain/reports.js';
import type { QuestionRecord } from '../../server/stores/types.js';
import { agentText, applyRow } from '../stores/contract/cycles.js';
import { USER_GUARD, userText } from '../stores/contract/support.js';
import { assertError, assertOk } from '../support/envelope.js';
import { ADMIN_TOKEN, useTestServer } from '../support/server.js';

const DAY1 = Date.UTC(2026, 0, 5, 10) / 1000;
const DAY2 = Date.UTC(2026, 0, 6, 9) / 1000;

describe('reports (GET /v1/reports/summary)', () => {
  const { server, f } = useTestServer();
  let app: string;
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const summary = (params: Record<string, unknown>, headers: Record<string, string> = admin) =>
    f.api.get('/v1/reports/summary', { identify: app, from: '2026-01-01', to: '2026-01-31', ...params }, { headers });

  before(async () => {
    app = await f.app();
    const store = server.deps.store;
    const ask = (now: number, labels: string[]) => store.conversations.createQuestion({ identify: app, userId: 'u1', title: 't', labels, now });
    const rate = (q: QuestionRecord, score: number, now: number) => store.cycles.rate({ questionId: q.id, userId: 'u1', score, comment: '', now });
    // q1: served after 30 s, answered after 45 s, finished after 300 s, rated 5; reopened on day 2
    // back to its agent, finished 100 s later, rated 2.
    let q1 = await ask(DAY1, ['billing']);
    await store.conversations.appendMessage(userText(q1.id, 'hi', { now: DAY1 + 1 }), USER_GUARD);
    q1 = await applyRow(store, q1, 'serve', DAY1 + 30, 's1');
    await store.conversations.appendMessage(agentText(q1.id, 's1', DAY1 + 45), { statuses: [2], servId: 's1' });
    q1 = await applyRow(store, q1, 'finish', DAY1 + 300, 's1');
    await rate(q1, 5, DAY1 + 400);
    // q2: served after 60 s by s2, answered after 120 s, timed out after 600 s.
    let q2 = await ask(DAY1 + 7200, []);
    q2 = await applyRow(store, q2, 'serve', DAY1 + 7260, 's2');
    await store.conversations.appendMessage(agentText(q2.id, 's2', DAY1 + 7320), { statuses: [2], servId: 's2' });
    await applyRow(store, q2, 'timeOut', DAY1 + 7800);
    // q3: nobody served it; timed out after 1000 s.
    const q3 = await ask(DAY2, ['billing', 'vip']);
    await applyRow(store, q3, 'timeOut', DAY2 + 1000);
    q1 = await applyRow(store, q1, 'reopen', DAY2 + 3600, undefined, true);
    q1 = await applyRow(store, q1, 'finish', DAY2 + 3700, 's1');
    await rate(q1, 2, DAY2 + 3800);
  });

  it('counts and distributions of every cycle started in the range, with CSAT', async () => {
    const report = assertOk(await summary({}), reportSummaryReply);
    assert.deepEqual(report.total, {
      asked: 3, served: 3, resolved: 4, timed_out: 2, reopened: 1,
      wait_time: { count: 3, mean: 30, median: 30, p90: 60 },
      first_response_time: { count: 2, mean: 82.5, median: 45, p90: 120 },
      resolution_time: { count: 4, mean: 500, median: 300, p90: 1000 },
      csat: { count: 2, mean: 3.5, satisfied: 0.5 },
    });
    assert.deepEqual([report.group_by, report.groups], [null, []]);
    assert.deepEqual([report.from, report.to], [Date.UTC(2026, 0, 1) / 1000, Date.UTC(2026, 1, 1) / 1000]);
  });

  it('groups by UTC day, by agent (the one serving at the end; null when nobody served) and by label', async () => {
    const by = async (group_by: string) =>
      assertOk(await summary({ group_by }), reportSummaryReply).groups.map((g) => [g.key, g.asked + g.reopened, g.resolution_time.mean, g.csat.mean]);
    assert.deepEqual(await by('day'), [['2026-01-05', 2, 450, 5], ['2026-01-06', 2, 550, 2]]);
    assert.deepEqual(await by('agent'), [['s1', 2, 200, 3.5], ['s2', 1, 600, null], [null, 1, 1000, null]]);
    assert.deepEqual(await by('label'), [['billing', 3, 466.667, 3.5], ['vip', 1, 1000, null], [null, 1, 600, null]]);
  });

  it('dates are whole UTC days (to included); unix seconds are [from, to)', async () => {
    const day2 = assertOk(await summary({ from: '2026-01-06', to: '2026-01-06' }), reportSummaryReply).total;
    assert.deepEqual([day2.asked, day2.reopened], [1, 1]);
    const exact = assertOk(await summary({ from: DAY1, to: DAY1 + 7200 }), reportSummaryReply).total;
    assert.deepEqual([exact.asked, exact.reopened], [1, 0], 'q2 started exactly at `to`: left out');
    assert.equal(assertOk(await summary({ from: String(DAY1), to: String(DAY1 + 7201) }), reportSummaryReply).total.asked, 2);
  });

  it('format=csv: the documented columns, one row per group, then the total', async () => {
    const reply = await summary({ group_by: 'agent', format: 'csv' });
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^text\/csv/);
    const lines = reply.text.trimEnd().split('\r\n');
    assert.equal(lines[0], CSV_COLUMNS.join(','));
    assert.deepEqual(lines.slice(1).map((l) => l.split(',').slice(0, 3)), [['s1', '1', '2'], ['s2', '1', '1'], ['', '1', '0'], ['total', '3', '3']]);
    assert.equal(lines.at(-1), 'total,3,3,4,2,1,3,30,30,60,2,82.5,45,120,4,500,300,1000,2,3.5,0.5');
  });

  it('readable with ADMIN_TOKEN or by a supervisor of the app; nobody else', async () => {
    const supervisor = await f.agent({ identifies: [app], role: 'supervisor' });
    assertOk(await summary({}, { 'x-session': supervisor.session }), reportSummaryReply);
    const agent = await f.agent({ identifies: [app] });
    assertError(await summary({}, { 'x-session': agent.session }), 'forbidden', 'identify');
    const elsewhere = await f.agent({ role: 'supervisor' });
    assertError(await summary({}, { 'x-session': elsewhere.session }), 'forbidden', 'identify');
    const user = await f.user({ identify: app });
    assertError(await summary({}, { 'x-session': user.session }), 'forbidden', 'identify');
    assertError(await summary({}, { authorization: 'Bearer wrong' }), 'forbidden', 'authorization');
    assertError(await summary({}, {}), 'param_missing', 'session');
  });

  it('validation and limits: identify, bounds, at most 366 days, group_by, format', async () => {
    assertError(await f.api.get('/v1/reports/summary', {}, { headers: admin }), 'param_missing', 'identify');
    assertError(await summary({ from: '2026-01-10', to: '2026-01-09' }), 'param_invalid', 'from');
    assertError(await summary({ from: '2025-01-01', to: '2026-01-02' }), 'param_invalid', 'to');
    assertOk(await summary({ from: '2025-01-02', to: '2026-01-02' }), reportSummaryReply);
    assertError(await summary({ from: '2026-02-30' }), 'param_invalid', 'from');
    assertError(await summary({ to: 'yesterday' }), 'param_invalid', 'to');
    assertError(await summary({ group_by: 'week' }), 'param_invalid', 'group_by');
    assertError(await summary({ format: 'xml' }), 'param_invalid', 'format');
  });
});
