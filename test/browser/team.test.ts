/**
 * The desk's presence and capacity (issue 12) in real Chromium: the agent's own presence with its
 * online/away toggle, the other agents' presence and load, the capacity counter, and a take beyond
 * the limit explained.
 */
import assert from 'node:assert/strict';
import { servAgentsReply } from '../../shared/schemas/responses.js';
import { assertOk } from '../support/envelope.js';
import { useTestServer } from '../support/server.js';
import { recordedSocket } from '../support/sockets.js';
import { screenshot, signInDesk, useBrowser } from './support.js';

describe('browser: the desk shows presence and capacity', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  const { server, f } = useTestServer();

  it('shows its own presence and toggles away and back; colleagues see it live, with their load', async () => {
    const user = await f.user();
    const agent = await f.agent({ identifies: [user.identify], bind: false, maxConcurrent: 3 });
    const colleague = await f.agent({ identifies: [user.identify] });
    await f.serve(await f.question(user), colleague);

    const page = await (await chrome.context()).newPage();
    await signInDesk(page, server.url, agent.servId, agent.password);
    await page.getByTestId('my-presence').filter({ hasText: 'Online' }).waitFor();
    await page.getByTestId('capacity').filter({ hasText: '0 / 3' }).waitFor();

    const other = await (await chrome.context()).newPage();
    await signInDesk(other, server.url, colleague.servId, colleague.password);
    await other.getByTestId('capacity').filter({ hasText: '1 / ∞' }).waitFor();
    await other.getByTestId('team-summary').filter({ hasText: 'Team (1 online)' }).click();
    const row = other.getByTestId(`agent-${agent.servId}`);
    await row.filter({ hasText: 'Online' }).waitFor();
    await row.filter({ hasText: '0 / 3' }).waitFor();
    await page.getByTestId('team-summary').click();
    await page.getByTestId(`agent-${colleague.servId}`).filter({ hasText: '1 / ∞' }).waitFor();

    await page.getByTestId('presence-toggle').filter({ hasText: 'Set away' }).click();
    await page.getByTestId('my-presence').filter({ hasText: 'Away' }).waitFor();
    await row.filter({ hasText: 'Away' }).waitFor();
    await other.getByTestId('team-summary').filter({ hasText: 'Team (0 online)' }).waitFor();
    await screenshot(other, 'desk-team-away');
    const listed = assertOk(await f.api.get('/v1/serv/agents', { identify: user.identify }, { session: colleague.session }), servAgentsReply);
    assert.equal(listed.agents.find((a) => a.serv_id === agent.servId)!.presence, 'away');

    await page.getByTestId('presence-toggle').filter({ hasText: 'Set online' }).click();
    await page.getByTestId('my-presence').filter({ hasText: 'Online' }).waitFor();
    await row.filter({ hasText: 'Online' }).waitFor();

    // Signing out takes it offline for the colleague.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await row.filter({ hasText: 'Offline' }).waitFor();
  });

  it('counts its load up to the limit live, and explains a take beyond it', async () => {
    const user = await f.user();
    const agent = await f.agent({ identifies: [user.identify], bind: false, maxConcurrent: 1 });
    const page = await (await chrome.context()).newPage();
    await signInDesk(page, server.url, agent.servId, agent.password);
    await page.getByTestId('capacity').filter({ hasText: '0 / 1' }).waitFor();
    const watcher = await recordedSocket(server.url, user.session);
    try {
      const first = await f.question(user, { title: 'First one' });
      await f.question(user, { title: 'Second one' });
      await page.getByTestId('queue').locator(`[data-question-id="${first}"]`).click();
      await page.getByRole('button', { name: 'Take', exact: true }).click();
      await page.getByTestId('status').filter({ hasText: 'In progress' }).waitFor();
      await page.getByTestId('capacity').filter({ hasText: '1 / 1' }).waitFor();
      await page.getByRole('tab', { name: /Queue/ }).click();
      await page.getByTestId('queue').getByRole('button', { name: /Second one/ }).click();
      await page.getByRole('button', { name: 'Take', exact: true }).click();
      await page.getByRole('alert').filter({ hasText: 'You are serving as many questions as you may at once. Finish one first.' }).waitFor();
      await screenshot(page, 'desk-at-capacity');
      assert.equal((await f.api.get(`/v1/user/${user.userId}/waits`, {}, { session: user.session })).body.questions.length, 1);
    } finally {
      watcher.close();
    }
  });
});
