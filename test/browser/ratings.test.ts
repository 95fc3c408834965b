/**
 * Ratings in real Chromium (issue 13): the customer rates a resolved question on the chat page
 * (keyboard stars, a comment) and the serving agent's desk shows it live in the conversation's
 * details, with the cycle's metrics; a second device of the user is told the resolution is rated
 * already (409 already_rated); a reopen and a new resolution ask again; a rating sent after a
 * reopen the page missed is explained (409 question_not_finished).
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { cyclesReply } from '../../shared/schemas/responses.js';
import { assertOk } from '../support/envelope.js';
import { eventually } from '../support/eventually.js';
import { useTestServer } from '../support/server.js';
import { chatUrl, openFromMine, screenshot, seriousViolations, signInDesk, useBrowser, watchErrors } from './support.js';

describe('browser: rating a resolution', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  const { server, f } = useTestServer();
  const openOwn = async (page: Page, questionId: string) => {
    await page.locator(`[data-question-id="${questionId}"]`).click();
    await page.getByRole('log').waitFor();
  };

  it('the user rates a resolved question at 375 px; the agent sees the rating live, with the cycle metrics', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    await f.sendText(questionId, user, 'where is my parcel?');
    await f.sendText(questionId, agent, 'on its way');

    const desk = await (await chrome.context()).newPage();
    const errors = watchErrors(desk);
    await signInDesk(desk, server.url, agent.servId, agent.password);
    await openFromMine(desk, questionId);
    const cycles = desk.getByTestId('cycles');
    const first = cycles.locator('[data-cycle="1"]');
    // The open cycle's counts follow the conversation without a reload.
    await first.filter({ hasText: 'Messages: 1 from the user, 1 from agents' }).waitFor();
    await f.sendText(questionId, agent, 'anything else?');
    await first.filter({ hasText: 'Messages: 1 from the user, 2 from agents' }).waitFor();
    await desk.getByRole('button', { name: 'Finish', exact: true }).click();
    await desk.getByTestId('status').filter({ hasText: 'Resolved' }).waitFor();
    await first.filter({ hasText: 'finished' }).waitFor();
    await first.filter({ hasText: 'Not rated' }).waitFor();

    const chat = await (await chrome.context({ width: 375, height: 740 })).newPage();
    errors.push(...watchErrors(chat));
    await chat.goto(chatUrl(server.url, user));
    await openOwn(chat, questionId);
    const form = chat.getByRole('form', { name: 'How did we do?' });
    await form.waitFor();
    // An empty score is explained, not sent.
    await form.getByRole('button', { name: 'Send rating' }).click();
    await chat.getByRole('alert').filter({ hasText: 'Pick a rating from 1 to 5 stars.' }).waitFor();
    // Keyboard: the stars are one radio group; arrows move the choice.
    await form.getByRole('radio', { name: '3 of 5 stars' }).focus();
    await chat.keyboard.press('Space');
    assert.equal(await form.getByRole('radio', { name: '3 of 5 stars' }).isChecked(), true);
    await chat.keyboard.press('ArrowRight');
    assert.equal(await form.getByRole('radio', { name: '4 of 5 stars' }).isChecked(), true);
    await form.getByLabel('Comment (optional)').fill('Quick and kind');
    await form.getByText('14 of 500 characters').waitFor();
    assert.deepEqual(await seriousViolations(chat), []);
    assert.ok(Number(await chat.evaluate('document.documentElement.scrollWidth')) <= 375, 'no horizontal scroll at 375 px');
    await screenshot(chat, 'chat-375-rate');
    await form.getByRole('button', { name: 'Send rating' }).click();
    await chat.getByTestId('rated').filter({ hasText: 'Thank you! You rated this 4 of 5.' }).waitFor();
    await screenshot(chat, 'chat-375-rated');

    // Live on the desk: the stars, the score and the comment, no reload.
    const rating = first.getByTestId('rating-1');
    await rating.filter({ hasText: 'Rated 4 of 5' }).waitFor();
    await rating.getByText('Quick and kind').waitFor();
    const stored = assertOk(await f.api.get(`/v1/question/${questionId}/cycles`, {}, { session: agent.session }), cyclesReply).cycles[0]!;
    assert.deepEqual({ score: stored.rating?.score, comment: stored.rating?.comment }, { score: 4, comment: 'Quick and kind' });
    assert.ok(stored.first_response_time !== null && stored.resolution_time !== null);
    for (const name of ['Wait', 'First response', 'Resolution']) assert.match(await first.innerText(), new RegExp(`${name}\\s+\\d+ s`));
    await screenshot(desk, 'desk-rating');

    // The same user on another device: the server says it is rated already, and the page says so.
    const other = await (await chrome.context({ width: 375, height: 740 })).newPage();
    await other.goto(chatUrl(server.url, { ...user, session: await f.session(user) }));
    await openOwn(other, questionId);
    await other.getByRole('radio', { name: '2 of 5 stars' }).check({ force: true });
    await other.getByRole('button', { name: 'Send rating' }).click();
    await other.getByTestId('rated').filter({ hasText: 'You have already rated this resolution.' }).waitFor();

    // A reopen starts a new cycle; once it is resolved again the form is back, for cycle 2.
    await chat.getByRole('button', { name: 'Reopen' }).click();
    // A reopen goes back to the agent that served it.
    await chat.getByTestId('status').filter({ hasText: 'In progress' }).waitFor();
    assert.equal(await chat.getByRole('form', { name: 'How did we do?' }).count(), 0, 'no rating while open');
    await f.api.post(`/v1/question/${questionId}/finish`, { session: agent.session, serv_id: agent.servId });
    await chat.getByTestId('status').filter({ hasText: 'Resolved' }).waitFor();
    await chat.getByRole('radio', { name: '5 of 5 stars' }).check({ force: true });
    await chat.getByRole('button', { name: 'Send rating' }).click();
    await chat.getByTestId('rated').filter({ hasText: 'You rated this 5 of 5.' }).waitFor();
    await cycles.locator('[data-cycle="2"]').getByTestId('rating-2').filter({ hasText: 'Rated 5 of 5' }).waitFor();
    await first.getByTestId('rating-1').filter({ hasText: 'Rated 4 of 5' }).waitFor();
    assert.deepEqual(errors, []);
  });

  it('a rating sent after a reopen the page has not heard of is refused (409 question_not_finished) and explained', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    await f.api.post(`/v1/question/${questionId}/finish`, { session: agent.session, serv_id: agent.servId });
    const chat = await (await chrome.context({ width: 375, height: 740 })).newPage();
    // The page's socket never connects (its WebSocket answered by nothing), so no question:updated
    // tells it of the reopen: REST alone shows the resolved question.
    await chat.routeWebSocket(/socket\.io/, () => {});
    await chat.goto(chatUrl(server.url, user));
    await openOwn(chat, questionId);
    await chat.getByRole('form', { name: 'How did we do?' }).waitFor();
    assert.equal((await f.api.post(`/v1/question/${questionId}/reopen`, { session: await f.session(user) })).status, 200);
    await chat.getByRole('radio', { name: '5 of 5 stars' }).check({ force: true });
    await chat.getByRole('button', { name: 'Send rating' }).click();
    await chat.getByRole('alert').filter({ hasText: 'This question is open again; you can rate it once it is resolved.' }).waitFor();
    assert.equal(await chat.getByTestId('rated').count(), 0);
  });

  it('speaks Chinese on the rating form and in the desk details', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    await f.api.post(`/v1/question/${questionId}/finish`, { session: agent.session, serv_id: agent.servId });
    const chat = await (await chrome.context({ width: 375, height: 740, locale: 'zh-CN' })).newPage();
    await chat.goto(chatUrl(server.url, user));
    await openOwn(chat, questionId);
    await chat.getByRole('form', { name: '请为本次服务评分' }).waitFor();
    await chat.getByRole('radio', { name: '5 星（满分 5 星）' }).check({ force: true });
    await chat.getByLabel('留言（选填）').fill('很快，谢谢');
    await screenshot(chat, 'chat-375-rate-zh');
    await chat.getByRole('button', { name: '提交评分' }).click();
    await chat.getByTestId('rated').filter({ hasText: '您给了 5 星' }).waitFor();

    const desk = await (await chrome.context({ locale: 'zh-CN' })).newPage();
    await desk.goto(`${server.url}/desk`);
    await desk.getByLabel('客服账号').fill(agent.servId);
    await desk.getByLabel('密码').fill(agent.password);
    await desk.getByRole('button', { name: '登录' }).click();
    await desk.getByTestId('signed-in-as').waitFor();
    // Online (the desk's socket counted), so the reopen goes back to this agent.
    await desk.getByTestId('my-presence').filter({ hasText: '在线' }).waitFor();
    await eventually(async () => (await server.deps.presence.presenceOf([agent.servId])).get(agent.servId) === 'online', 'the agent online');
    // Reopened (back to its agent): the question is in Mine, its first cycle rated, its second open.
    assert.equal((await f.api.post(`/v1/question/${questionId}/reopen`, { session: user.session })).status, 200);
    await desk.getByRole('tab', { name: /我的会话/ }).click();
    await desk.getByTestId('mine').locator(`[data-question-id="${questionId}"]`).click();
    const first = desk.getByTestId('cycles').locator('[data-cycle="1"]');
    await first.filter({ hasText: '评分 5 / 5' }).waitFor();
    await first.getByText('很快，谢谢').waitFor();
    await desk.getByTestId('cycles').locator('[data-cycle="2"]').filter({ hasText: '进行中' }).waitFor();
    await screenshot(desk, 'desk-rating-zh');
  });
});
