import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { useTestServer } from '../support/server.js';
import { chatUrl, screenshot, useBrowser } from './support.js';

const log = (page: Page) => page.getByRole('log', { name: 'Conversation' });

describe('browser: the chat page and the landing page', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  const { server, f } = useTestServer();

  it('without a session in the fragment, says how to open it', async () => {
    const page = await (await chrome.context()).newPage();
    await page.goto(`${server.url}/chat`);
    await page.getByRole('alert').filter({ hasText: '#session=…&user_id=…' }).waitFor();
  });

  it('says so when the session of its link has ended', async () => {
    const user = await f.user();
    const page = await (await chrome.context()).newPage();
    await page.goto(chatUrl(server.url, user));
    await page.getByRole('heading', { name: 'My questions' }).waitFor();
    const revoked = await f.api.delete(`/v1/admin/sessions/${user.session}`, { headers: { authorization: `Bearer ${server.config.adminToken}` } });
    assert.equal(revoked.status, 200, revoked.text);
    await page.getByRole('alert').filter({ hasText: 'This link no longer works' }).waitFor();
  });

  it('lists the questions by status and follows the agent joining and quitting live', async () => {
    const user = await f.user({ name: 'Watcher' });
    const agent = await f.agent({ identifies: [user.identify], servId: 'quitter' });
    const resolved = await f.question(user, { title: 'Old one' });
    await f.serve(resolved, agent);
    await f.api.post(`/v1/question/${resolved}/finish`, { session: agent.session, serv_id: agent.servId });
    const page = await (await chrome.context({ width: 375, height: 740 })).newPage();
    await page.goto(chatUrl(server.url, user));
    await page.getByRole('heading', { name: 'Resolved' }).waitFor();
    await page.getByLabel('Title').fill('New one');
    await page.getByRole('button', { name: 'Ask', exact: true }).click();
    await page.getByTestId('status').filter({ hasText: 'Waiting' }).waitFor();
    const waits = await f.api.get(`/v1/user/${user.userId}/waits`, {}, { session: user.session });
    const questionId: string = waits.body.questions[0].question_id;
    await f.serve(questionId, agent);
    await log(page).getByText('quitter joined the conversation').waitFor();
    await page.getByTestId('status').filter({ hasText: 'In progress' }).waitFor();
    await f.api.post(`/v1/question/${questionId}/quit`, { session: agent.session, serv_id: agent.servId });
    await log(page).getByText('quitter left; the question is back in the queue').waitFor();
    await page.getByTestId('status').filter({ hasText: 'Waiting' }).waitFor();
    await screenshot(page, 'chat-375-quit');
    await page.getByRole('button', { name: /Back/ }).click();
    await page.getByRole('heading', { name: 'Waiting' }).waitFor();
    await page.getByRole('heading', { name: 'Resolved' }).waitFor();
    assert.equal(await page.locator('.question-link').count(), 2);
    assert.ok(Number(await page.evaluate('document.documentElement.scrollWidth')) <= 375, 'no horizontal scroll');
  });

  it('speaks Chinese to a zh-CN browser, notices included', async () => {
    const { user, questionId } = await f.servedQuestion();
    const page = await (await chrome.context({ locale: 'zh-CN' })).newPage();
    await page.goto(chatUrl(server.url, user));
    await page.getByRole('heading', { name: '我的问题' }).waitFor();
    await page.locator(`[data-question-id="${questionId}"]`).click();
    await page.getByRole('log', { name: '会话记录' }).getByText(/已接入会话/).waitFor();
  });

  it('the landing page links the desk and the chat page, and the desk signs in from the keyboard alone', async () => {
    const agent = await f.agent({ bind: false });
    const page = await (await chrome.context()).newPage();
    await page.goto(`${server.url}/`);
    await screenshot(page, 'landing');
    await page.getByRole('link', { name: 'Agent desk' }).click();
    await page.getByLabel('Agent ID').waitFor();
    await page.keyboard.press('Tab'); // the language picker
    await page.keyboard.press('Tab');
    await page.keyboard.type(agent.servId);
    await page.keyboard.press('Tab');
    await page.keyboard.type(agent.password);
    await page.keyboard.press('Enter');
    await page.getByTestId('signed-in-as').filter({ hasText: agent.servId }).waitFor({ state: 'attached' });
    // The lists' tabs follow the tabs pattern: arrows switch between Queue and Mine.
    await page.getByRole('tab', { name: /Queue/ }).focus();
    await page.keyboard.press('ArrowRight');
    await page.getByRole('tab', { name: /Mine/, selected: true }).waitFor();
    assert.equal(await page.evaluate('document.activeElement.id'), 'tab-mine');
    await page.getByText('You are serving no question.').waitFor();
  });
});
