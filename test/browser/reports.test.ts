/**
 * The reports view in real Chromium (issue 13): a supervisor opens it and reads the numbers of
 * conversations seeded through the HTTP API (totals, per day, per agent, CSAT), picks another of
 * its apps, downloads the CSV; an agent that is not a supervisor is offered none, and a supervisor
 * demoted meanwhile is told they are for supervisors; desk width, 375 px and zh-CN.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { reportSummaryReply } from '../../shared/schemas/responses.js';
import { assertOk } from '../support/envelope.js';
import type { Factories, TestAgent, TestUser } from '../support/factories.js';
import { ADMIN_TOKEN, useTestServer } from '../support/server.js';
import { screenshot, seriousViolations, signInDesk, useBrowser, watchErrors } from './support.js';

/** A question served by `agent`, answered, finished, and rated when `score` is given. */
async function resolved(f: Factories, user: TestUser, agent: TestAgent, score?: number) {
  const questionId = await f.question(user);
  await f.serve(questionId, agent);
  assert.equal((await f.sendText(questionId, agent, 'Hello, looking at it')).status, 200);
  assert.equal((await f.api.post(`/v1/question/${questionId}/finish`, { session: agent.session, serv_id: agent.servId })).status, 200);
  if (score) assert.equal((await f.api.post(`/v1/question/${questionId}/rate`, { session: user.session, score, comment: 'ok' })).status, 200);
  return questionId;
}

const today = () => new Date().toISOString().slice(0, 10);
const auth = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };

describe('browser: the reports view', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  const { server, f } = useTestServer();
  const openReports = async (page: Page, name = 'Reports') => {
    await page.getByRole('button', { name, exact: true }).click();
    await page.getByTestId('reports').waitFor();
  };
  const cell = (page: Page, agent: string, column: number) => page.getByTestId('agents-table').locator(`tr[data-agent="${agent}"] > :nth-child(${column})`);

  /** Two agents and a supervisor of one app; mei resolves two (rated 5 and 3), tom one (unrated), one waits. */
  async function seed() {
    const identify = await f.app();
    const second = await f.app();
    const mei = await f.agent({ identifies: [identify], servId: `mei${Date.now() % 100000}` });
    const tom = await f.agent({ identifies: [identify], servId: `tom${Date.now() % 100000}` });
    const boss = await f.agent({ identifies: [identify, second], role: 'supervisor' });
    const user = await f.user({ identify });
    await resolved(f, user, mei, 5);
    await resolved(f, user, mei, 3);
    await resolved(f, user, tom);
    await f.question(user);
    const other = await f.user({ identify: second });
    await f.question(other);
    return { identify, second, mei, tom, boss };
  }

  it('shows a supervisor the seeded numbers, per day and per agent, as the API reports them; another app; the CSV', async () => {
    const { identify, second, mei, tom, boss } = await seed();
    const page = await (await chrome.context()).newPage();
    const errors = watchErrors(page);
    await signInDesk(page, server.url, boss.servId, boss.password);
    await openReports(page);
    const totals = page.getByTestId('totals');
    await totals.waitFor();
    const total = async (key: string) => (await page.getByTestId(`total-${key}`).locator('dd').innerText()).trim();
    assert.equal(await total('asked'), '4');
    assert.equal(await total('served'), '3');
    assert.equal(await total('resolved'), '3');
    assert.equal(await total('timedOut'), '0');
    assert.equal(await total('csat'), '4.0 (50 % satisfied, 2)');
    // Default range: the last 30 days, today included.
    assert.equal(await page.getByLabel('To', { exact: true }).inputValue(), today());

    // The per-agent table against the API's own report for the same range.
    const api = assertOk(
      await f.api.get('/v1/reports/summary', { identify, group_by: 'agent', from: await page.getByLabel('From', { exact: true }).inputValue(), to: today() }, { session: boss.session }),
      reportSummaryReply,
    );
    const meiRow = api.groups.find((g) => g.key === mei.servId)!;
    assert.deepEqual([meiRow.asked, meiRow.resolved, meiRow.csat.count], [2, 2, 2]);
    assert.equal(await cell(page, mei.servId, 2).innerText(), '2');
    assert.equal(await cell(page, mei.servId, 4).innerText(), '2');
    assert.equal(await cell(page, mei.servId, 11).innerText(), '4.0 (50 % satisfied, 2)');
    assert.equal(await cell(page, tom.servId, 2).innerText(), '1');
    assert.equal(await cell(page, tom.servId, 11).innerText(), '—');
    assert.equal(await cell(page, '', 1).innerText(), '(nobody served)');
    assert.equal(await cell(page, '', 2).innerText(), '1');

    // The charts' text alternatives: today's row in the per-day table, labelled SVGs.
    await page.getByText('Show as a table').first().click();
    const dayRow = page.getByTestId('per-day-table').locator('tbody tr');
    assert.equal(await dayRow.count(), 1);
    assert.deepEqual(await dayRow.first().locator('th, td').allInnerTexts(), [today(), '4', '3']);
    assert.equal(await page.getByRole('img', { name: /^Questions asked and resolved per day/ }).count(), 1);
    assert.equal(await page.getByRole('img', { name: /^First response per day \(median and p90\)/ }).count(), 1);
    assert.equal(await page.getByRole('img', { name: /^Resolution per day \(median and p90\)/ }).count(), 1);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'desk-reports');

    // The CSV: fetched with the session, handed over as a file.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    assert.match(download.suggestedFilename(), /^kefu-report-.+-agent\.csv$/);
    const csv = (await readFile((await download.path())!, 'utf8')).split('\r\n').filter(Boolean);
    assert.match(csv[0]!, /^key,asked,served,resolved,timed_out,reopened,wait_count,/);
    assert.match(csv.find((line) => line.startsWith(`${mei.servId},`))!, new RegExp(`^${mei.servId},2,2,2,0,0,`));
    assert.match(csv.at(-1)!, /^total,4,3,3,0,0,/);

    // The app picker: the second app has one waiting question.
    await page.getByTestId('reports').getByRole('combobox', { name: /^App/ }).selectOption(second);
    await page.getByTestId('total-asked').filter({ hasText: /^\s*Asked\s*1\s*$/ }).waitFor();
    assert.equal(await total('resolved'), '0');
    await page.getByRole('button', { name: /Back to the desk/ }).click();
    await page.getByTestId('queue').waitFor();
    assert.deepEqual(errors, []);
  });

  it('at 375 px and in Chinese', async () => {
    const { boss } = await seed();
    const phone = await (await chrome.context({ width: 375, height: 740 })).newPage();
    await signInDesk(phone, server.url, boss.servId, boss.password);
    await openReports(phone);
    await phone.getByTestId('total-asked').filter({ hasText: '4' }).waitFor();
    assert.ok(Number(await phone.evaluate('document.documentElement.scrollWidth')) <= 375, 'no horizontal scroll at 375 px');
    await screenshot(phone, 'desk-375-reports');
    await phone.getByTestId('agents-table').scrollIntoViewIfNeeded();
    await screenshot(phone, 'desk-375-reports-agents');

    const zh = await (await chrome.context({ locale: 'zh-CN' })).newPage();
    await zh.goto(`${server.url}/desk`);
    await zh.getByLabel('客服账号').fill(boss.servId);
    await zh.getByLabel('密码').fill(boss.password);
    await zh.getByRole('button', { name: '登录' }).click();
    await openReports(zh, '报表');
    await zh.getByTestId('total-csat').filter({ hasText: '4.0（50% 满意，2 条）' }).waitFor();
    await zh.getByRole('heading', { name: '按客服' }).waitFor();
    await zh.getByRole('img', { name: /每日提问数与解决数/ }).waitFor();
    await screenshot(zh, 'desk-reports-zh');
  });

  it('offers no reports to an agent that is not a supervisor; a supervisor demoted meanwhile is told they are for supervisors', async () => {
    const { identify, second, mei, boss } = await seed();
    const page = await (await chrome.context()).newPage();
    await signInDesk(page, server.url, mei.servId, mei.password);
    // Its own entry in the team is loaded (presence Online), so the role is known.
    await page.getByTestId('my-presence').filter({ hasText: 'Online' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Reports', exact: true }).count(), 0, 'no reports button for an agent');

    const lead = await (await chrome.context()).newPage();
    await signInDesk(lead, server.url, boss.servId, boss.password);
    await openReports(lead);
    await lead.getByTestId('total-asked').filter({ hasText: '4' }).waitFor();
    // The operator makes it a plain agent (an update without a role); the next read is refused.
    const demoted = await f.api.post('/v1/admin/servs', { serv_id: boss.servId, password: boss.password, identifies: [identify, second] }, auth);
    assert.equal(demoted.status, 200, demoted.text);
    await lead.getByLabel('From', { exact: true }).fill(today());
    await lead.getByTestId('reports-forbidden').filter({ hasText: 'Only supervisors can read the reports of this app.' }).waitFor();
    assert.equal(await lead.getByTestId('totals').count(), 0);
    assert.equal(await lead.getByRole('button', { name: 'Download CSV' }).isDisabled(), true);
    await screenshot(lead, 'desk-reports-forbidden');
  });
});

/**
 * A month seeded through the HTTP API on a moved clock (the server's `now`): questions on three
 * days, 20, 10 and 3 days ago, each answered after 90 s and finished after 10 min, so the charts
 * and tables have days, medians and p90s to show; then the clock is back to the real time.
 */
describe('browser: the reports view over a seeded month', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  let offset = 0;
  const { server, f } = useTestServer({ now: () => Date.now() / 1000 + offset });
  const DAY = 86_400;

  it('shows questions per day and the first-response and resolution times of each day', async () => {
    const identify = await f.app();
    const mei = await f.agent({ identifies: [identify] });
    const boss = await f.agent({ identifies: [identify], role: 'supervisor' });
    const user = await f.user({ identify });
    const days: string[] = [];
    for (const [ago, count, score] of [
      [20, 2, 5],
      [10, 1, 2],
      [3, 3, 4],
    ] as const) {
      for (let i = 0; i < count; i++) {
        // Noon UTC of that day, so the seconds added never cross into the next day.
        const noon = Math.floor(Date.now() / 1000 / DAY - ago) * DAY + 12 * 3600 + i * 900;
        const at = (t: number) => void (offset = t - Date.now() / 1000);
        at(noon);
        const questionId = await f.question(user);
        at(noon + 30);
        await f.serve(questionId, mei);
        at(noon + 90);
        assert.equal((await f.sendText(questionId, mei, 'On it')).status, 200);
        at(noon + 600);
        assert.equal((await f.api.post(`/v1/question/${questionId}/finish`, { session: mei.session, serv_id: mei.servId })).status, 200);
        assert.equal((await f.api.post(`/v1/question/${questionId}/rate`, { session: user.session, score })).status, 200);
      }
      days.push(new Date((Date.now() / 1000 - ago * DAY) * 1000).toISOString().slice(0, 10));
    }
    offset = 0;

    const page = await (await chrome.context()).newPage();
    await signInDesk(page, server.url, boss.servId, boss.password);
    await page.getByRole('button', { name: 'Reports', exact: true }).click();
    await page.getByTestId('total-asked').filter({ hasText: '6' }).waitFor();
    assert.equal((await page.getByTestId('total-firstResponse').locator('dd').innerText()).trim(), '1 min 30 s');
    assert.equal((await page.getByTestId('total-resolutionTime').locator('dd').innerText()).trim(), '10 min');
    // (5 + 5 + 2 + 4 + 4 + 4) / 6 = 4.0, five of six 4 or 5.
    assert.equal((await page.getByTestId('total-csat').locator('dd').innerText()).trim(), '4.0 (83 % satisfied, 6)');
    await screenshot(page, 'desk-reports-month');
    for (const summary of await page.getByText('Show as a table').all()) await summary.click();
    await screenshot(page, 'desk-reports-month-tables');
    const rows = async (testId: string) =>
      Promise.all((await page.getByTestId(testId).locator('tbody tr').all()).map(async (row) => (await row.locator('th, td').allInnerTexts()).join(' | ')));
    assert.deepEqual(await rows('per-day-table'), [`${days[0]} | 2 | 2`, `${days[1]} | 1 | 1`, `${days[2]} | 3 | 3`]);
    assert.deepEqual(await rows('first-response-table'), days.map((d) => `${d} | 1 min 30 s | 1 min 30 s`));
    assert.deepEqual(await rows('resolution-table'), days.map((d) => `${d} | 10 min | 10 min`));
    // 30 days drawn, three with bars.
    assert.equal(await page.locator('rect.bar.asked').count(), 30);
    assert.equal(await page.locator('rect.bar.asked[height="0"]').count(), 27);
    const meiRow = page.getByTestId('agents-table').locator(`tr[data-agent="${mei.servId}"]`);
    assert.deepEqual((await meiRow.locator('th, td').allInnerTexts()).slice(1), ['6', '6', '6', '0', '0', '1 min 30 s', '1 min 30 s', '10 min', '10 min', '4.0 (83 % satisfied, 6)']);
    const phone = await (await chrome.context({ width: 375, height: 740 })).newPage();
    await signInDesk(phone, server.url, boss.servId, boss.password);
    await phone.getByRole('button', { name: 'Reports', exact: true }).click();
    await phone.getByTestId('total-asked').filter({ hasText: '6' }).waitFor();
    await phone.locator('figure.chart').first().scrollIntoViewIfNeeded();
    await screenshot(phone, 'desk-375-reports-month');
  });
});
