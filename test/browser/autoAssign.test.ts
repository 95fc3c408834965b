/**
 * Auto-assign on the desk (issue 12) in real Chromium: in an app with routing "auto", a question a
 * user asks appears in the signed-in (online) agent's own list without a reload, and never in the
 * queue; the next one, beyond the agent's limit, waits in the queue.
 */
import { appCreator } from '../../server/domain/commands/provisioning.js';
import { useTestServer } from '../support/server.js';
import { screenshot, signInDesk, useBrowser } from './support.js';

describe('browser: auto-assigned questions reach the online agent live', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  const { server, f } = useTestServer();

  it('an asked question lands in the agent’s own list without reload; beyond its limit the next one waits in the queue', async () => {
    const identify = await f.app();
    await appCreator(server.deps, { identify, routing: 'auto' });
    const agent = await f.agent({ identifies: [identify], bind: false, maxConcurrent: 1 });
    const page = await (await chrome.context()).newPage();
    await signInDesk(page, server.url, agent.servId, agent.password);
    await page.getByTestId('my-presence').filter({ hasText: 'Online' }).waitFor();

    const user = await f.user({ identify });
    // The agent's own list is open, and empty, before the question is asked.
    await page.locator('#tab-mine').click();
    await page.getByTestId('mine').waitFor();
    await f.question(user, { title: 'Routed to me' });
    await page.getByTestId('mine').getByRole('button', { name: /Routed to me/ }).waitFor();
    await page.getByTestId('capacity').filter({ hasText: '1 / 1' }).waitFor();

    await f.question(user, { title: 'Waits for room' });
    await page.locator('#tab-queue').click();
    await page.getByTestId('queue').getByText('Waits for room').waitFor();
    await screenshot(page, 'desk-auto-assigned');
  });
});
