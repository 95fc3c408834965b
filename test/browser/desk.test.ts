import assert from 'node:assert/strict';
import { sessionDigest } from '../../server/domain/sessionTokens.js';
import type { Page } from 'playwright-core';
import { wav } from '../media/fixtures.js';
import { useTestServer } from '../support/server.js';
import { chatUrl, screenshot, seriousViolations, signInDesk, useBrowser, waitUntil } from './support.js';

const log = (page: Page) => page.getByRole('log', { name: 'Conversation' });

describe('browser: the agent desk', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  const { server, f } = useTestServer();

  it('signs in (a wrong password is a clear message), survives a reload, signs out', async () => {
    const agent = await f.agent({ bind: false });
    const page = await (await chrome.context()).newPage();
    await page.goto(`${server.url}/desk`);
    await page.getByLabel('Agent ID').fill(agent.servId);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong agent ID or password.' }).waitFor();
    await screenshot(page, 'desk-sign-in-error');
    await page.getByLabel('Password').fill(agent.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').filter({ hasText: agent.servId }).waitFor();
    await page.reload();
    await page.getByTestId('signed-in-as').filter({ hasText: agent.servId }).waitFor();
    const session = await page.evaluate(`JSON.parse(sessionStorage.getItem('kefu.desk.identity')).session`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.equal(await server.deps.store.accounts.getSession(sessionDigest(String(session))), null, 'signing out ends the session on the server');

    // Signed out elsewhere (another tab, or the session expired): the desk says so and asks again.
    await page.getByLabel('Agent ID').fill(agent.servId);
    await page.getByLabel('Password').fill(agent.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').waitFor({ state: 'attached' });
    const second = String(await page.evaluate(`JSON.parse(sessionStorage.getItem('kefu.desk.identity')).session`));
    assert.equal((await f.api.post('/v1/serv/logout', { session: second })).status, 200);
    await page.getByRole('alert').filter({ hasText: 'Your session ended (signed out elsewhere or expired). Sign in again.' }).waitFor();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate(`sessionStorage.getItem('kefu.desk.identity')`), null);
  });

  it('speaks Chinese to a zh-CN browser, switches to English, and remembers the choice', async () => {
    const agent = await f.agent({ bind: false });
    const page = await (await chrome.context({ locale: 'zh-CN' })).newPage();
    await page.goto(`${server.url}/desk`);
    await page.getByRole('button', { name: '登录' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    await page.getByLabel('客服账号').fill(agent.servId);
    await page.getByLabel('密码').fill(agent.password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('tab', { name: /待接入/ }).waitFor();
    await screenshot(page, 'desk-zh-CN');
    await page.getByRole('combobox', { name: '语言' }).selectOption('en');
    await page.getByRole('tab', { name: /Queue/ }).waitFor();
    // Switching language keeps the connection: a new question still arrives live.
    await f.question(await f.user({ identify: agent.identifies[0] }), { title: 'After the switch' });
    await page.getByTestId('queue').getByText('After the switch').waitFor();
    assert.equal(await page.getByTestId('offline-banner').count(), 0);
    await page.reload();
    await page.getByRole('tab', { name: /Queue/ }).waitFor();
  });

  it('pages the queue by cursor as it scrolls, and filters it by app and label', async () => {
    const [shop, game] = [await f.app(), await f.app()];
    const agent = await f.agent({ identifies: [shop, game], bind: false });
    const shopper = await f.user({ identify: shop, name: 'Shopper' });
    const gamer = await f.user({ identify: game, name: 'Gamer' });
    for (let i = 0; i < 22; i++) await f.question(shopper, { title: `Shop question ${i}`, label: i % 2 ? ['refund'] : ['delivery'] });
    for (let i = 0; i < 3; i++) await f.question(gamer, { title: `Game question ${i}` });
    const page = await (await chrome.context()).newPage();
    await signInDesk(page, server.url, agent.servId, agent.password);
    const items = page.getByTestId('queue').locator('.item');
    await page.getByTestId('queue').getByText('Shop question 0', { exact: true }).waitFor();
    assert.equal(await items.count(), 20, 'the first page');
    await items.last().scrollIntoViewIfNeeded();
    await page.getByTestId('queue').getByText('Game question 2').scrollIntoViewIfNeeded();
    assert.equal(await items.count(), 25, 'the second page came in on scroll');
    await page.getByRole('combobox', { name: 'App' }).selectOption(game);
    await page.getByTestId('queue').getByText('Game question 0').waitFor();
    await waitUntil(page, `document.querySelectorAll('[data-testid=queue] .item').length === 3`);
    await page.getByRole('combobox', { name: 'App' }).selectOption('');
    const label = page.getByRole('searchbox', { name: 'Label' });
    await label.fill('refund');
    await label.press('Enter');
    await waitUntil(page, `document.querySelectorAll('[data-testid=queue] .item').length === 11`);
    assert.ok((await items.allInnerTexts()).every((text) => /Shop question \d*[13579]\b/.test(text)));
  });

  it('loads older history on scrolling up, plays audio inline, counts unread in Mine and in the tab title', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    for (let i = 1; i <= 70; i++) await f.sendText(questionId, i % 2 ? user : agent, `line ${i}`);
    await f.api.post(`/v1/question/${questionId}/message/send_audio`, {
      session: user.session,
      sender: user.userId,
      sender_type: 1,
      audio: wav().toString('base64'),
      audio_len: 1,
    });
    const second = await f.user({ identify: user.identify });
    const other = await f.question(second, { title: 'Second one' });
    await f.serve(other, agent);

    const page = await (await chrome.context()).newPage();
    await signInDesk(page, server.url, agent.servId, agent.password);
    await page.getByRole('tab', { name: /Mine/ }).click();
    await page.getByTestId('mine').getByRole('button', { name: /Help please/ }).click();
    await log(page).getByText('line 70', { exact: true }).waitFor();
    assert.equal(await log(page).locator('audio[controls]').count(), 1, 'the voice message plays inline');
    assert.equal(await log(page).getByText('line 1', { exact: true }).count(), 0, 'only the latest page at first');
    for (let i = 0; i < 10 && (await log(page).getByText('Beginning of the conversation').count()) === 0; i++) {
      await log(page).hover();
      await page.mouse.wheel(0, -5000);
      await page.waitForTimeout(150);
    }
    await log(page).getByText('line 1', { exact: true }).waitFor();
    const seqs = await Promise.all((await log(page).locator('[data-seq]').all()).map(async (row) => Number(await row.getAttribute('data-seq'))));
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), 'every seq once, in order');

    // A message in the other conversation, while this one is open: unread there, and in the title.
    await f.sendText(other, second, 'are you there?');
    const secondItem = page.getByTestId('mine').getByRole('button', { name: /Second one/ });
    await secondItem.getByText('1', { exact: true }).waitFor();
    await waitUntil(page, `document.title === '(1) kefu desk'`);
    await secondItem.click();
    await log(page).getByText('are you there?').waitFor();
    await waitUntil(page, `document.title === 'kefu desk'`);
    assert.equal(await secondItem.locator('.count').count(), 0);
  });

  it('quits (the question goes back to the queue, live for colleagues) and finishes from the conversation', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    const colleague = await f.agent({ identifies: [user.identify], bind: false });
    const page = await (await chrome.context()).newPage();
    await signInDesk(page, server.url, agent.servId, agent.password);
    const other = await (await chrome.context()).newPage();
    await signInDesk(other, server.url, colleague.servId, colleague.password);
    await page.getByRole('tab', { name: /Mine/ }).click();
    await page.getByTestId('mine').getByRole('button', { name: /Help please/ }).click();
    await page.getByRole('button', { name: 'Quit', exact: true }).click();
    await page.getByTestId('status').filter({ hasText: 'Waiting' }).waitFor();
    await log(page).getByText(`${agent.servId} left; the question is back in the queue`).waitFor();
    await page.getByText('You are serving no question.').waitFor();
    await other.getByTestId('queue').locator(`[data-question-id="${questionId}"]`).waitFor();
    await page.getByRole('button', { name: 'Take', exact: true }).click();
    await page.getByTestId('status').filter({ hasText: 'In progress' }).waitFor();
    await other.getByTestId('queue').getByText('No question is waiting.').waitFor();
    await page.getByRole('button', { name: 'Finish', exact: true }).click();
    await page.getByTestId('status').filter({ hasText: 'Resolved' }).waitFor();
    await log(page).getByText('The question is resolved').waitFor();
    assert.equal((await server.deps.store.conversations.getQuestion(questionId))?.status, 3);
    assert.equal(await page.getByRole('textbox', { name: 'Message' }).count(), 0, 'no composer on a resolved question');
  });

  it("the side panel shows the user's card and their other questions, readable with their history", async () => {
    const user = await f.user({ name: 'Returning', deviceCount: 4, groupCount: 7 });
    const agent = await f.agent({ identifies: [user.identify] });
    const older = await f.question(user, { title: 'Older matter' });
    await f.serve(older, agent);
    await f.sendText(older, user, 'from the older conversation');
    await f.api.post(`/v1/question/${older}/finish`, { session: agent.session, serv_id: agent.servId });
    const current = await f.question(user, { title: 'Current matter' });
    await f.serve(current, agent);
    const page = await (await chrome.context()).newPage();
    await signInDesk(page, server.url, agent.servId, agent.password);
    await page.getByRole('tab', { name: /Mine/ }).click();
    await page.getByTestId('mine').getByRole('button', { name: /Current matter/ }).click();
    const side = page.getByRole('complementary', { name: 'About the user' });
    const card = page.frameLocator('iframe[title="User card"]');
    await card.getByText('Returning', { exact: true }).waitFor();
    assert.match(await card.locator('body').innerText(), /4[\s\S]*7/);
    const others = side.getByRole('button');
    await side.getByRole('button', { name: /Resolved/ }).click();
    await log(page).getByText('from the older conversation').waitFor();
    await page.getByTestId('status').filter({ hasText: 'Resolved' }).waitFor();
    await page.getByText('You are reading this conversation; you do not serve it.').waitFor();
    assert.ok((await others.count()) >= 2);
  });

  it('works at 375 px: one column at a time, no sideways scrolling', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    await f.sendText(questionId, user, 'Hello from a phone-sized desk');
    const page = await (await chrome.context({ width: 375, height: 740 })).newPage();
    await signInDesk(page, server.url, agent.servId, agent.password);
    await screenshot(page, 'desk-375-queue');
    await page.getByRole('tab', { name: /Mine/ }).click();
    await page.getByTestId('mine').getByRole('button', { name: /Help please/ }).click();
    await log(page).getByText('Hello from a phone-sized desk').waitFor();
    assert.equal(await page.getByRole('navigation').isVisible(), false, 'the lists make way for the conversation');
    assert.ok(Number(await page.evaluate('document.documentElement.scrollWidth')) <= 375, 'no horizontal scroll');
    await screenshot(page, 'desk-375-conversation');
    await page.getByRole('button', { name: 'Details' }).click();
    await page.getByRole('complementary', { name: 'About the user' }).waitFor();
    await screenshot(page, 'desk-375-details');
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: /Back/ }).click();
    await page.getByRole('navigation').waitFor();
  });

  it('has no serious or critical accessibility violation (axe-core) on any screen, at desk and phone width', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    await f.sendText(questionId, user, 'Checking accessibility');
    for (const width of [1280, 375]) {
      const context = await chrome.context({ width, height: 800 });
      const desk = await context.newPage();
      await desk.goto(`${server.url}/desk`);
      await desk.getByRole('button', { name: 'Sign in' }).waitFor();
      assert.deepEqual(await seriousViolations(desk), [], `desk sign-in at ${width}px`);
      await signInDesk(desk, server.url, agent.servId, agent.password);
      assert.deepEqual(await seriousViolations(desk), [], `desk queue at ${width}px`);
      await desk.getByRole('tab', { name: /Mine/ }).click();
      await desk.getByTestId('mine').getByRole('button').first().click();
      await log(desk).getByText('Checking accessibility').waitFor();
      assert.deepEqual(await seriousViolations(desk), [], `desk conversation at ${width}px`);
      await desk.getByRole('button', { name: 'Quick answers' }).click();
      assert.deepEqual(await seriousViolations(desk), [], `quick answers at ${width}px`);

      const chat = await (await chrome.context({ width, height: 800 })).newPage();
      await chat.goto(chatUrl(server.url, user));
      await chat.locator('.question-link').first().waitFor();
      assert.deepEqual(await seriousViolations(chat), [], `chat list at ${width}px`);
      await screenshot(chat, `chat-list-${width}`);
      await chat.locator('.question-link').first().click();
      await log(chat).getByText('Checking accessibility').waitFor();
      assert.deepEqual(await seriousViolations(chat), [], `chat conversation at ${width}px`);
    }
  });
});
