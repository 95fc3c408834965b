/**
 * `npm run web:budgets`: measures the desk and the chat page against the budgets of issue 9 and
 * prints one line per budget with its verdict (exit code 1 when one is missed):
 *   - at most 150 KB of gzipped JS per page (every script and modulepreload the built HTML names);
 *   - the desk usable within 1.5 s of navigation on localhost (median of 5 loads, cold cache):
 *     the sign-in form ready, and a signed-in desk with its queue listed;
 *   - a conversation of 2,000 messages scrolls without jank: frame times while scrolling it from
 *     the top to the bottom in headless Chromium (p95 under 50 ms, no frame over 200 ms).
 * It runs a kefu node in this process (temp DATA_DIR) and Debian's chromium through playwright-core.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { loadConfig } from '../server/config.js';
import { agentUpserter, appCreator, sessionCreator, userUpserter } from '../server/domain/commands/provisioning.js';
import { defaultWebRoot } from '../server/webRoot.js';
import { createLogger } from '../server/logger.js';
import { startServer } from '../server/server.js';

const BUDGET = { gzipKb: 150, usableMs: 1500, frameP95Ms: 50, frameMaxMs: 200, messages: 2000 };
const CHROMIUM = process.env.KEFU_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

interface Verdict {
  name: string;
  value: string;
  ok: boolean;
}

/** Gzipped bytes of every JS file a built page loads up front. */
export function gzippedJs(webRoot: string, page: 'desk' | 'chat'): { bytes: number; files: string[] } {
  const html = readFileSync(path.join(webRoot, page, 'index.html'), 'utf8');
  const files = [...new Set([...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!))];
  const bytes = files.reduce((sum, file) => sum + gzipSync(readFileSync(path.join(webRoot, file)), { level: 9 }).length, 0);
  return { bytes, files };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function post(url: string, body: Record<string, unknown>) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await response.json()) as Record<string, any>;
  if (json.status !== 200) throw new Error(`${url}: ${JSON.stringify(json)}`);
  return json;
}

async function scrollFrames(page: Page): Promise<number[]> {
  return (await page.evaluate(`new Promise((resolve) => {
    const box = document.querySelector('[role=log]');
    box.scrollTop = 0;
    const frames = [];
    const steps = 240;
    const stride = (box.scrollHeight - box.clientHeight) / steps;
    let last = performance.now();
    let step = 0;
    const tick = (now) => {
      frames.push(now - last);
      last = now;
      box.scrollTop = stride * ++step;
      if (step < steps) requestAnimationFrame(tick); else resolve(frames.slice(1));
    };
    requestAnimationFrame(tick);
  })`)) as number[];
}

export async function measureBudgets(log: (line: string) => void = console.log): Promise<Verdict[]> {
  const webRoot = defaultWebRoot();
  if (!existsSync(path.join(webRoot, 'desk', 'index.html'))) throw new Error('dist/web is not built: npm run build:web');
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  const verdicts: Verdict[] = [];
  for (const page of ['desk', 'chat'] as const) {
    const { bytes, files } = gzippedJs(webRoot, page);
    verdicts.push({ name: `/${page} gzipped JS (${files.length} files)`, value: `${(bytes / 1024).toFixed(1)} KB`, ok: bytes <= BUDGET.gzipKb * 1024 });
  }

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-budgets-'));
  const server = await startServer(loadConfig({ PORT: '0', DATA_DIR: dataDir, RATE_LIMITS: 'off', LOG_LEVEL: 'silent' }), { logger: createLogger('silent') });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const deps = server.deps;
    const app = 'com.example.budget';
    await appCreator(deps, { identify: app });
    await agentUpserter(deps, { serv_id: 'budget', password: 'budget-pw', identifies: [app] });
    await userUpserter(deps, { user_id: 'budget-user', name: 'Budget User' });
    const userSession = await sessionCreator(deps, { user_id: 'budget-user', identify: app });
    for (let i = 0; i < 30; i++) await post(`${server.url}/v1/question/new`, { session: userSession, title: `Waiting ${i}` });
    const login = await post(`${server.url}/v1/serv/login`, { serv_id: 'budget', password: 'budget-pw' });
    const identity = JSON.stringify({ session: login.session, servId: 'budget', identifies: [app] });

    const formTimes: number[] = [];
    const deskTimes: number[] = [];
    for (let run = 0; run < 5; run++) {
      for (const signedIn of [false, true]) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        if (signedIn) await context.addInitScript(`sessionStorage.setItem('kefu.desk.identity', ${JSON.stringify(identity)})`);
        const page = await context.newPage();
        const started = Date.now();
        await page.goto(`${server.url}/desk`, { waitUntil: 'commit' });
        if (signedIn) await page.locator('[data-testid=queue] .item').first().waitFor();
        else await page.getByRole('button', { name: /Sign in|登录/ }).waitFor();
        (signedIn ? deskTimes : formTimes).push(Date.now() - started);
        await context.close();
      }
    }
    verdicts.push({ name: '/desk sign-in form ready (median of 5)', value: `${median(formTimes)} ms`, ok: median(formTimes) <= BUDGET.usableMs });
    verdicts.push({ name: '/desk signed in, queue listed (median of 5)', value: `${median(deskTimes)} ms`, ok: median(deskTimes) <= BUDGET.usableMs });

    // A conversation of 2,000 messages, all loaded (scrolling up pages it in), then scrolled through.
    const asked = await post(`${server.url}/v1/question/new`, { session: userSession, title: 'Long one' });
    const agentSession = login.session as string;
    await post(`${server.url}/v1/question/${asked.question_id}/serve`, { session: agentSession, serv_id: 'budget' });
    const started = Date.now();
    for (let i = 1; i < BUDGET.messages; i++) {
      const [session, sender, type] = i % 3 ? [userSession, 'budget-user', 1] : [agentSession, 'budget', 2];
      await post(`${server.url}/v1/question/${asked.question_id}/message/send_text`, { session, sender, sender_type: type, text: `message ${i} `.repeat(1 + (i % 7)) });
    }
    log(`seeded ${BUDGET.messages} messages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(`sessionStorage.setItem('kefu.desk.identity', ${JSON.stringify(identity)})`);
    const page = await context.newPage();
    await page.goto(`${server.url}/desk`);
    await page.getByRole('tab', { name: /Mine|我的/ }).click();
    await page.getByTestId('mine').getByRole('button', { name: /Long one/ }).click();
    const loadStarted = Date.now();
    while ((await page.locator('[role=log] [data-seq]').count()) < BUDGET.messages) {
      await page.evaluate(`document.querySelector('[role=log]').scrollTop = 0`);
      await page.waitForTimeout(60);
      if (Date.now() - loadStarted > 120_000) throw new Error('history did not load');
    }
    log(`paged in ${BUDGET.messages} messages by scrolling up in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s`);
    const frames = await scrollFrames(page);
    const sorted = [...frames].sort((a, b) => a - b);
    const p95 = sorted[Math.floor(sorted.length * 0.95)]!;
    const max = sorted[sorted.length - 1]!;
    verdicts.push({
      name: `scrolling ${BUDGET.messages} messages (${frames.length} frames)`,
      value: `p50 ${median(frames).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${max.toFixed(1)} ms`,
      ok: p95 <= BUDGET.frameP95Ms && max <= BUDGET.frameMaxMs,
    });
    await context.close();
  } finally {
    await browser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return verdicts;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const verdicts = await measureBudgets();
  console.log(`\nweb budgets (gzipped JS ≤ ${BUDGET.gzipKb} KB, usable ≤ ${BUDGET.usableMs} ms, frames p95 ≤ ${BUDGET.frameP95Ms} ms):`);
  for (const v of verdicts) console.log(`  ${v.ok ? 'ok  ' : 'MISS'}  ${v.name.padEnd(48)} ${v.value}`);
  process.exitCode = verdicts.every((v) => v.ok) ? 0 : 1;
}
