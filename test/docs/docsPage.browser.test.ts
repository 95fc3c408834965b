/**
 * /docs in a real browser: Swagger UI, loaded from this server only, renders every endpoint of the
 * catalogue; the socket events section shows every event of shared/events.ts; the message type
 * and notice action tables are there; and nothing breaks the page's CSP or reaches another host.
 * A screenshot lands in .tmp/screenshots/docs.png for a person to look at.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ENDPOINTS } from '../../shared/endpoints.js';
import { CLIENT_EVENT_NAMES, serverEventSchemas } from '../../shared/events.js';
import { ACTION, MESSAGE_TYPE } from '../../shared/limits.js';
import { launchChromium, requireChromium } from '../support/browser.js';
import { useTestServer } from '../support/server.js';

const SCREENSHOT = path.resolve(import.meta.dirname, '../../.tmp/screenshots/docs.png');

interface Trouble {
  violations: string[];
  consoleErrors: string[];
  offsite: string[];
  failed: string[];
}

/**
 * Code that runs in the page is written as strings: the tests compile without the DOM library
 * (server code must not see `window`). This one runs before the page's own scripts, through the
 * DevTools protocol, so the page's CSP does not apply to it.
 */
const RECORD_VIOLATIONS = `window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));`;

const INLINE_STYLE_ATTEMPT = `(async () => {
  const style = document.createElement('style');
  style.textContent = 'body { background: red; }';
  document.head.append(style);
  await new Promise((resolve) => setTimeout(resolve, 200));
  return { violations: window.__cspViolations, background: getComputedStyle(document.body).backgroundColor };
})()`;

describe('the /docs page in Chromium', function () {
  this.timeout(90_000);
  const { server } = useTestServer();
  let browser: Browser;
  let page: Page;
  const trouble: Trouble = { violations: [], consoleErrors: [], offsite: [], failed: [] };

  before(async function () {
    requireChromium(this);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript({ content: RECORD_VIOLATIONS });
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) trouble.consoleErrors.push(m.text());
    });
    page.on('pageerror', (error) => trouble.consoleErrors.push(`uncaught: ${error.message}`));
    page.on('request', (request) => {
      if (new URL(request.url()).origin !== server.url) trouble.offsite.push(request.url());
    });
    page.on('response', (response) => {
      if (response.status() >= 400) trouble.failed.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(`${server.url}/docs`);
    await page.waitForFunction(`document.querySelectorAll('.swagger-ui .opblock').length >= ${ENDPOINTS.length}`, undefined, {
      timeout: 60_000,
    });
    trouble.violations.push(...(await page.evaluate<string[]>('window.__cspViolations')));
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  after(async () => {
    await browser?.close();
  });

  it('renders every catalogued endpoint, method and path', async () => {
    const shown = await page.$$eval('.swagger-ui .opblock', (blocks) =>
      blocks.map((b) => `${b.querySelector('.opblock-summary-method')?.textContent} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`),
    );
    const catalogue = ENDPOINTS.map((e) => `${e.method.toUpperCase()} ${e.path.replace(/:([a-z_]+)/g, '{$1}')}`);
    assert.deepEqual([...shown].sort(), [...catalogue].sort());
  });

  it('shows every socket event of shared/events.ts, in both directions', async () => {
    const shown = await page.$$eval('#socket-events .kefu-event h3', (headings) => headings.map((h) => h.textContent!.replace(/\s+/g, ' ').trim()));
    const expected = [
      ...CLIENT_EVENT_NAMES.map((name) => `client → server: ${name}`),
      ...Object.keys(serverEventSchemas).map((name) => `server → client: ${name}`),
    ];
    assert.deepEqual([...shown].sort(), expected.sort());
    const examples = await page.$$eval('#socket-events .kefu-event', (events) => events.map((e) => e.textContent!.includes('Example payload')));
    assert.ok(examples.every(Boolean), 'an event without its example');
  });

  it('shows the message type and notice action codes', async () => {
    const tables = await page.$$eval('.swagger-ui .info table', (list) =>
      list.map((table) => [...table.querySelectorAll('tbody tr')].map((row) => Number(row.querySelector('td')?.textContent))),
    );
    assert.deepEqual(tables, [Object.values(MESSAGE_TYPE), Object.values(ACTION)]);
  });

  it('breaks no CSP rule, reaches no other host and loads nothing that fails', () => {
    assert.deepEqual(trouble, { violations: [], consoleErrors: [], offsite: [], failed: [] });
  });

  it('really enforces the CSP: an inline style is refused and reported', async () => {
    // Proves the violation listener above is live: the same page, one forbidden act.
    const reported = await page.evaluate<{ violations: string[]; background: string }>(INLINE_STYLE_ATTEMPT);
    assert.deepEqual(reported.violations, ['style-src-elem inline']);
    assert.notEqual(reported.background, 'rgb(255, 0, 0)');
  });
});
