import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { factories } from '../support/factories.js';
import { startTestServer, tempDataDir, type TestServer, useTestServer } from '../support/server.js';
import { chatUrl, screenshot, signInDesk, useBrowser } from './support.js';

const log = (page: Page) => page.getByRole('log', { name: 'Conversation' });

/** The seqs the conversation shows, in screen order. */
async function shownSeqs(page: Page): Promise<number[]> {
  const rows = await log(page).locator('[data-seq]').all();
  return Promise.all(rows.map(async (row) => Number(await row.getAttribute('data-seq'))));
}

describe('browser: races, restarts and hostile text', function () {
  this.timeout(120_000);
  const chrome = useBrowser();

  describe('two agents race to take one question', () => {
    const { server, f } = useTestServer();

    it('one wins; the other sees it taken and its queue drops it', async () => {
      const app = await f.app();
      const user = await f.user({ identify: app, name: 'Racer' });
      const alice = await f.agent({ identifies: [app], servId: 'race-alice', bind: false });
      const bob = await f.agent({ identifies: [app], servId: 'race-bob', bind: false });
      const questionId = await f.question(user, { title: 'Who takes me' });
      const desks: Page[] = [];
      for (const agent of [alice, bob]) {
        const page = await (await chrome.context()).newPage();
        await signInDesk(page, server.url, agent.servId, agent.password);
        await page.getByTestId('queue').getByRole('button', { name: /Who takes me/ }).click();
        await page.getByRole('button', { name: 'Take', exact: true }).waitFor();
        desks.push(page);
      }
      // Both pages click at the same wall-clock instant (one machine, one clock), before either
      // can hear of the other's take.
      const at = Date.now() + 400;
      await Promise.all(
        desks.map((page) =>
          page.evaluate(`setTimeout(() => [...document.querySelectorAll('.head-actions button')].find((b) => b.textContent === 'Take').click(), ${at} - Date.now())`),
        ),
      );
      await Promise.all(desks.map((page) => page.getByTestId('status').filter({ hasText: 'In progress' }).waitFor()));
      const winnerId = (await server.deps.store.conversations.getQuestion(questionId))?.servId;
      assert.ok(winnerId === alice.servId || winnerId === bob.servId, `served by ${winnerId}`);
      const [winner, loser] = winnerId === alice.servId ? desks : [desks[1]!, desks[0]!];
      await winner!.getByTestId('mine').getByRole('button', { name: /Who takes me/ }).waitFor();
      await winner!.getByRole('button', { name: 'Quit', exact: true }).waitFor();
      // The loser really raced (its take was refused), and the question left its queue.
      await loser!.getByRole('alert').filter({ hasText: 'Another agent took this question.' }).waitFor();
      await loser!.getByRole('tab', { name: /Queue/ }).click();
      await loser!.getByTestId('queue').getByText('No question is waiting.').waitFor();
      await loser!.getByTestId('status').filter({ hasText: 'In progress' }).waitFor();
      assert.equal(await loser!.getByRole('button', { name: /^(Take|Quit|Finish)$/ }).count(), 0);
      await loser!.getByText('You are reading this conversation; you do not serve it.').waitFor();
      await screenshot(loser!, 'desk-race-loser');
    });
  });

  describe('the server restarts mid-conversation', () => {
    const dataDir = tempDataDir();
    let server: TestServer;
    after(() => server?.stop());

    it('shows the banner, sends what was typed offline once, and misses or doubles nothing', async () => {
      server = await startTestServer({ DATA_DIR: dataDir });
      let f = factories(server);
      const app = await f.app();
      const user = await f.user({ identify: app, name: 'Restarty' });
      const agent = await f.agent({ identifies: [app], servId: 'restart-al' });
      const questionId = await f.question(user, { title: 'Across a restart' });
      await f.serve(questionId, agent);
      await f.sendText(questionId, user, 'before the restart');

      const desk = await (await chrome.context()).newPage();
      await signInDesk(desk, server.url, agent.servId, agent.password);
      await desk.getByRole('tab', { name: /Mine/ }).click();
      await desk.getByTestId('mine').getByRole('button', { name: /Across a restart/ }).click();
      await log(desk).getByText('before the restart').waitFor();
      const chat = await (await chrome.context({ width: 390, height: 780 })).newPage();
      await chat.goto(chatUrl(server.url, user));
      await chat.locator('.question-link').first().click();
      await log(chat).getByText('before the restart').waitFor();

      const port = server.port;
      await server.stop({ keepData: true });
      await desk.getByTestId('offline-banner').waitFor();
      await chat.getByRole('status').filter({ hasText: 'Disconnected' }).waitFor();
      const box = desk.getByRole('textbox', { name: 'Message' });
      await box.fill('typed while offline');
      await box.press('Enter');
      await log(desk).getByText('queued, sent when back online').waitFor();
      await screenshot(desk, 'desk-offline');

      server = await startTestServer({ DATA_DIR: dataDir, PORT: String(port) });
      f = factories(server);
      // Stored while the pages are still reconnecting: only the catch-up can bring it.
      await f.sendText(questionId, user, 'while they reconnect');
      await desk.getByTestId('offline-banner').waitFor({ state: 'detached', timeout: 20_000 });
      await log(desk).getByText('while they reconnect').waitFor();
      await log(chat).getByText('typed while offline').waitFor({ timeout: 20_000 });
      await log(desk).locator('[data-seq]').getByText('typed while offline').waitFor();
      await f.sendText(questionId, user, 'after the restart');
      await log(desk).getByText('after the restart').waitFor();
      await log(chat).getByText('after the restart').waitFor();

      const stored = await server.deps.store.conversations.listMessages(questionId, { num: 50, offset: 0, sort: 1 });
      const expected = stored.map((m) => m.seq);
      assert.deepEqual(await shownSeqs(desk), expected, 'the desk shows every stored message once, in seq order');
      assert.deepEqual(await shownSeqs(chat), expected, 'so does the chat page');
      assert.equal(stored.filter((m) => m.text === 'typed while offline').length, 1, 'the offline text is stored once');
      assert.equal(await log(desk).locator('.pending').count(), 0);
    });
  });

  describe('hostile text', () => {
    const { server, f } = useTestServer();

    it('a message whose text is <img src=x onerror=alert(1)> shows as text on both pages', async () => {
      const { user, agent, questionId } = await f.servedQuestion();
      const hostile = '<img src=x onerror=alert(1)>';
      await f.sendText(questionId, user, hostile);
      await f.sendText(questionId, agent, hostile);
      const dialogs: string[] = [];
      const desk = await (await chrome.context()).newPage();
      desk.on('dialog', (d) => void dialogs.push(d.message()));
      await signInDesk(desk, server.url, agent.servId, agent.password);
      await desk.getByRole('tab', { name: /Mine/ }).click();
      await desk.getByTestId('mine').getByRole('button').first().click();
      const chat = await (await chrome.context()).newPage();
      chat.on('dialog', (d) => void dialogs.push(d.message()));
      await chat.goto(chatUrl(server.url, user));
      await chat.locator('.question-link').first().click();
      for (const page of [desk, chat]) {
        await log(page).getByText(hostile, { exact: true }).first().waitFor();
        assert.equal(await log(page).getByText(hostile, { exact: true }).count(), 2);
        assert.equal(await page.locator('img[src="x"]').count(), 0);
      }
      assert.deepEqual(dialogs, []);
    });
  });
});
