/**
 * Browser tests: headless Debian chromium driven by playwright-core against a real kefu node on
 * port 0 serving the built pages. Suites call `useBrowser()`, which skips them loudly when
 * /usr/bin/chromium is missing (.ci/run installs it) and saves screenshots under .tmp/screenshots/.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { defaultWebRoot } from '../../server/webRoot.js';

export const CHROMIUM = process.env.KEFU_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve('.tmp/screenshots');

export const chromiumInstalled = () => existsSync(CHROMIUM);

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface BrowserHandle {
  browser: Browser;
  /** A fresh context (its own storage), desk-sized unless told. */
  context(options?: { width?: number; height?: number; locale?: string }): Promise<BrowserContext>;
}

/** In a describe: launches chromium once for the suite (or skips it loudly), closes it after. */
export function useBrowser(): BrowserHandle {
  const handle = { browser: undefined as unknown as Browser } as BrowserHandle;
  const contexts: BrowserContext[] = [];
  before(async function () {
    if (!chromiumInstalled()) {
      console.warn(`    SKIPPED: ${CHROMIUM} is not installed (apt-get install chromium); browser tests did not run`);
      this.skip();
    }
    if (!existsSync(path.join(defaultWebRoot(), 'desk', 'index.html'))) throw new Error('dist/web is not built: run npm run build:web');
    this.timeout(60_000);
    handle.browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => {})));
  });
  after(async () => {
    await handle.browser?.close();
  });
  handle.context = async ({ width = 1280, height = 800, locale = 'en-US' } = {}) => {
    const context = await handle.browser.newContext({ viewport: { width, height }, locale });
    context.setDefaultTimeout(10_000);
    contexts.push(context);
    return context;
  };
  return handle;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

/** Collects page errors and CSP violations; a test asserts the list stays empty. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource|WebSocket connection/.test(message.text())) errors.push(`console: ${message.text()}`);
  });
  return errors;
}

/** Opens the desk and signs in through its form. */
export async function signInDesk(page: Page, baseUrl: string, servId: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/desk`);
  await page.getByLabel('Agent ID').fill(servId);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-as').waitFor({ state: 'attached' });
}

/** On the signed-in desk, opens a question the agent serves from the Mine tab. */
export async function openFromMine(page: Page, questionId: string): Promise<void> {
  await page.getByRole('tab', { name: /Mine/ }).click();
  await page.getByTestId('mine').locator(`[data-question-id="${questionId}"]`).click();
}

export const chatUrl = (baseUrl: string, user: { session: string; userId: string }) =>
  `${baseUrl}/chat#session=${encodeURIComponent(user.session)}&user_id=${encodeURIComponent(user.userId)}`;

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core in the page. The page's CSP blocks injected scripts, but evaluation through the
 * DevTools protocol is not subject to it, so axe's source is evaluated rather than injected.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => String(n.target)) })))`)) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Polls an expression in the page until it is truthy. (Playwright's waitForFunction polls with
 * eval, which the pages' CSP rightly refuses; page.evaluate goes through the DevTools protocol.)
 */
export async function waitUntil(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    last = await page.evaluate(expression);
    if (last) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${expression} (last: ${JSON.stringify(last)})`);
}
