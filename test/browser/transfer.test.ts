/**
 * Transfer in real Chromium (issue 12): the serving agent opens the picker, sees only the eligible
 * agents of the app (online, with room, not itself) with their load, hands the question over; it
 * leaves "Mine" for the old agent and appears in "Mine" of the new one live, and both desks and the
 * customer's chat page show the action-7 notice.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { useTestServer } from '../support/server.js';
import { connectSocket } from '../support/sockets.js';
import { chatUrl, openFromMine, screenshot, signInDesk, useBrowser, watchErrors } from './support.js';

describe('browser: transfer', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  const { server, f } = useTestServer();
  const log = (page: Page) => page.getByRole('log', { name: 'Conversation' });

  it('picks an eligible agent with its load; the question moves from one desk’s Mine to the other’s, live', async () => {
    const user = await f.user();
    const mei = await f.agent({ identifies: [user.identify] });
    const tom = await f.agent({ identifies: [user.identify], bind: false, maxConcurrent: 3 });
    const full = await f.agent({ identifies: [user.identify], maxConcurrent: 1 });
    const away = await f.agent({ identifies: [user.identify] });
    const questionId = await f.question(user, { title: 'Parcel lost' });
    await f.serve(questionId, mei);
    await f.serve(await f.question(user), full);

    const [meiDesk, tomDesk, fullDesk, awayDesk] = await Promise.all([1, 2, 3, 4].map(async () => (await chrome.context()).newPage()));
    const chat = await (await chrome.context({ width: 390, height: 780 })).newPage();
    const errors = [meiDesk, tomDesk, chat].map(watchErrors);
    await signInDesk(meiDesk, server.url, mei.servId, mei.password);
    await signInDesk(tomDesk, server.url, tom.servId, tom.password);
    // The full agent and the away one are online on their own desks, but neither is eligible.
    await signInDesk(fullDesk, server.url, full.servId, full.password);
    await signInDesk(awayDesk, server.url, away.servId, away.password);
    await awayDesk.getByTestId('presence-toggle').filter({ hasText: 'Set away' }).click();
    await awayDesk.getByTestId('my-presence').filter({ hasText: 'Away' }).waitFor();
    await tomDesk.getByRole('tab', { name: /Mine/ }).click();
    await tomDesk.getByTestId('mine').getByText('You are serving no question.').waitFor();

    await chat.goto(chatUrl(server.url, user));
    await chat.locator(`[data-question-id="${questionId}"]`).click();

    await openFromMine(meiDesk, questionId);
    await meiDesk.getByTestId('transfer').click();
    const picker = meiDesk.getByRole('dialog', { name: 'Transfer to' });
    await picker.getByTestId(`transfer-to-${tom.servId}`).filter({ hasText: '0 / 3' }).waitFor();
    assert.deepEqual(await picker.getByRole('button').allTextContents(), [`${tom.servId} · 0 / 3`]);
    await screenshot(meiDesk, 'desk-transfer-picker');

    await picker.getByTestId(`transfer-to-${tom.servId}`).click();
    const notice = `${mei.servId} handed the question over to ${tom.servId}`;
    await log(meiDesk).getByText(notice).waitFor();
    await meiDesk.getByText('You are reading this conversation; you do not serve it.').waitFor();
    await meiDesk.getByTestId('transfer').waitFor({ state: 'detached' });
    await meiDesk.getByTestId('mine').getByText('You are serving no question.').waitFor();
    await tomDesk.getByTestId('mine').locator(`[data-question-id="${questionId}"]`).waitFor();
    await tomDesk.getByTestId('capacity').filter({ hasText: '1 / 3' }).waitFor();
    await log(chat).getByText(notice).waitFor();

    // The new agent opens it, sees the notice and answers; the customer gets the answer.
    await tomDesk.getByTestId('mine').locator(`[data-question-id="${questionId}"]`).click();
    await log(tomDesk).getByText(notice).waitFor();
    await tomDesk.getByTestId('transfer').waitFor();
    await screenshot(tomDesk, 'desk-after-transfer');
    assert.deepEqual(errors.flat(), []);
  });

  it('shows the notice in Chinese, and says so when nobody is eligible', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    const colleague = await f.agent({ identifies: [user.identify] });
    const page = await (await chrome.context()).newPage();
    await signInDesk(page, server.url, agent.servId, agent.password);
    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('tab', { name: /我的|Mine/ }).click();
    await page.getByTestId('mine').locator(`[data-question-id="${questionId}"]`).click();
    await page.getByTestId('transfer').click();
    await page.getByTestId('transfer-none').waitFor();
    assert.equal(await page.getByTestId('transfer-none').textContent(), '此应用暂无其他在线且有空位的客服。');
    // The colleague comes online (a socket of its own): the open picker offers it live.
    const socket = await connectSocket(server.url, colleague.session);
    try {
      await page.getByTestId(`transfer-to-${colleague.servId}`).click();
      await page.getByText(`${agent.servId}已将问题转交给${colleague.servId}`).waitFor();
    } finally {
      socket.close();
    }
  });
});
