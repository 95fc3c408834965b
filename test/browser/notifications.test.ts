import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { factories } from '../support/factories.js';
import { startTestServer, type TestServer, useTestServer } from '../support/server.js';
import { signInDesk, useBrowser, waitUntil } from './support.js';

const log = (page: Page) => page.getByRole('log', { name: 'Conversation' });

/**
 * Makes the tab look hidden and records what the page asks of the browser: notifications shown and
 * tones started. Chromium headless has no real notification centre or speakers to observe.
 */
async function hideAndRecord(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    window.__shown = [];
    window.__tones = 0;
    window.Notification = class { constructor(title, options) { window.__shown.push(title + ' | ' + (options && options.body)); } static permission = 'granted'; static requestPermission() { return Promise.resolve('granted'); } };
    const create = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function () { window.__tones++; return create.call(this); };
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    document.dispatchEvent(new Event('visibilitychange'));
  })()`);
}

const recorded = async (page: Page) => (await page.evaluate('({ shown: window.__shown, tones: window.__tones })')) as { shown: string[]; tones: number };

describe('browser: desk notifications, image paste and drop, sign-in limits', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  const { server, f } = useTestServer();

  it('while the tab is hidden, a new queued question and a new message in Mine ring and notify; visible, they do not', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    const page = await (await chrome.context()).newPage();
    await signInDesk(page, server.url, agent.servId, agent.password);
    await page.getByRole('tab', { name: /Mine/ }).click();
    await page.getByTestId('mine').getByRole('button', { name: /Help please/ }).waitFor();
    await hideAndRecord(page);

    await f.question(await f.user({ identify: user.identify }), { title: 'Ring the bell' });
    await waitUntil(page, 'window.__shown.length === 1');
    await f.sendText(questionId, user, 'Hello? Anyone?');
    await waitUntil(page, 'window.__shown.length === 2');
    const { shown, tones } = await recorded(page);
    assert.deepEqual(shown, ['kefu desk | New question: Ring the bell', 'kefu desk | New message: Hello? Anyone?']);
    assert.equal(tones, 2);
    await waitUntil(page, `document.title === '(2) kefu desk'`); // one queued, one unread

    await page.evaluate(`Object.defineProperty(document, 'hidden', { configurable: true, get: () => false })`);
    await f.sendText(questionId, user, 'Still there?');
    await page.getByTestId('mine').getByText('Still there?').waitFor();
    assert.equal((await recorded(page)).shown.length, 2, 'no notification while the tab is visible');
  });

  it('sends an image pasted into the message box or dropped on the composer', async () => {
    const { agent, questionId } = await f.servedQuestion();
    const page = await (await chrome.context()).newPage();
    await signInDesk(page, server.url, agent.servId, agent.password);
    await page.getByRole('tab', { name: /Mine/ }).click();
    await page.getByTestId('mine').getByRole('button', { name: /Help please/ }).click();
    const png = (await sharp({ create: { width: 40, height: 30, channels: 3, background: '#3a7' } }).png().toBuffer()).toString('base64');
    const fire = (target: string, event: string) =>
      page.evaluate(`(async () => {
        const bytes = Uint8Array.from(atob('${png}'), (c) => c.charCodeAt(0));
        const data = new DataTransfer();
        data.items.add(new File([bytes], 'shot.png', { type: 'image/png' }));
        const init = { bubbles: true, cancelable: true };
        const event = '${event}' === 'paste' ? new ClipboardEvent('paste', { ...init, clipboardData: data }) : new DragEvent('drop', { ...init, dataTransfer: data });
        document.querySelector('${target}').dispatchEvent(event);
      })()`);
    await fire('.composer textarea', 'paste');
    await log(page).locator('img').first().waitFor();
    await fire('.composer', 'drop');
    await waitUntil(page, `document.querySelectorAll('[role=log] img').length === 2`);
    const stored = await server.deps.store.conversations.listMessages(questionId, { num: 50, offset: 0, sort: 1 });
    assert.equal(stored.filter((m) => m.type === 2).length, 2);
  });
});

describe('browser: desk sign-in under rate limits (RATE_LIMITS=on)', function () {
  this.timeout(60_000);
  const chrome = useBrowser();
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ RATE_LIMITS: 'on' });
  });
  after(() => server?.stop());

  it('says how long to wait', async () => {
    const f = factories(server);
    const agent = await f.agent({ bind: false });
    for (let i = 0; i < 20; i++) await f.api.post('/v1/serv/login', { serv_id: agent.servId, password: `guess-${i}` });
    const page = await (await chrome.context()).newPage();
    await page.goto(`${server.url}/desk`);
    await page.getByLabel('Agent ID').fill(agent.servId);
    await page.getByLabel('Password').fill(agent.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: /^Too many attempts\. Try again in \d+ s\.$/ }).waitFor();
  });
});
