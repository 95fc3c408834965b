import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { factories, type Factories, type TestAgent, type TestUser } from '../support/factories.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { chatUrl, screenshot, signInDesk, useBrowser, watchErrors } from './support.js';

describe('browser: a customer and an agent go through the whole flow', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  let server: TestServer;
  let f: Factories;
  let user: TestUser;
  let agent: TestAgent;

  before(async () => {
    server = await startTestServer();
    f = factories(server);
    const app = await f.app('com.example.shop');
    user = await f.user({ identify: app, name: 'Mei Lin', deviceCount: 2, groupCount: 3 });
    agent = await f.agent({ identifies: [app], servId: 'alice', password: 'alice-pw', bind: false });
    const template = await f.template(app, 'Shipping');
    await f.item(template, 'Where is my parcel?', 'Your parcel ships within 2 days.');
    await f.item(template, 'Refund?', 'Refunds take 5 working days.');
  });
  after(() => server?.stop());

  const queueItem = (page: Page, title: string) => page.getByTestId('queue').getByRole('button', { name: new RegExp(title) });
  const log = (page: Page) => page.getByRole('log', { name: 'Conversation' });
  const mineItem = (page: Page, title: string) => page.getByTestId('mine').getByRole('button', { name: new RegExp(title) });

  it('ask → queue live → take → chat both ways with typing → photo → quick answer → ask to finish → confirm → reopen → Mine', async () => {
    const desk = await (await chrome.context()).newPage();
    const chat = await (await chrome.context({ width: 390, height: 780 })).newPage();
    const deskErrors = watchErrors(desk);
    const chatErrors = watchErrors(chat);

    await desk.goto(`${server.url}/desk`);
    await screenshot(desk, 'desk-sign-in');
    await signInDesk(desk, server.url, agent.servId, agent.password);
    await desk.getByText('No question is waiting.').waitFor();

    await chat.goto(chatUrl(server.url, user));
    await chat.getByLabel('Title').fill('My parcel is late');
    await chat.getByLabel('Labels (comma-separated)').fill('shipping, urgent');
    await screenshot(chat, 'chat-ask');
    await chat.getByRole('button', { name: 'Ask', exact: true }).click();
    await chat.getByTestId('status').filter({ hasText: 'Waiting' }).waitFor();

    // Live: the desk never reloaded.
    await queueItem(desk, 'My parcel is late').waitFor();
    assert.match(await queueItem(desk, 'My parcel is late').innerText(), /Mei Lin[\s\S]*waiting[\s\S]*My parcel is late[\s\S]*shipping[\s\S]*urgent/);
    await screenshot(desk, 'desk-queue');

    await queueItem(desk, 'My parcel is late').click();
    await desk.getByRole('button', { name: 'Take' }).click();
    await desk.getByTestId('status').filter({ hasText: 'In progress' }).waitFor();
    await mineItem(desk, 'My parcel is late').waitFor();
    await chat.getByText('alice joined the conversation').waitFor();
    await chat.getByTestId('status').filter({ hasText: 'In progress' }).waitFor();

    // Typing both ways, then texts both ways (Shift+Enter is a new line, Enter sends).
    const deskBox = desk.getByRole('textbox', { name: 'Message' });
    const chatBox = chat.getByRole('textbox', { name: 'Message' });
    await deskBox.pressSequentially('Hello Mei');
    await chat.getByText('The agent is typing…').waitFor();
    await deskBox.press('Shift+Enter');
    await deskBox.pressSequentially('how can I help?');
    await deskBox.press('Enter');
    await chat.getByText('Hello Mei\nhow can I help?').waitFor();
    assert.equal(await deskBox.inputValue(), '');
    await chatBox.pressSequentially('Order 42 has not arrived');
    await desk.getByText('Mei Lin is typing…').waitFor();
    await chatBox.press('Enter');
    await log(desk).getByText('Order 42 has not arrived').waitFor();

    // A photo from the customer: downscaled in the browser, shown on both sides.
    const parcel = `<svg xmlns="http://www.w3.org/2000/svg" width="3000" height="2000"><rect width="3000" height="2000" fill="#e8eef5"/>
      <polygon points="900,700 1500,450 2100,700 1500,950" fill="#d9a066"/><polygon points="900,700 1500,950 1500,1650 900,1400" fill="#b9824d"/>
      <polygon points="1500,950 2100,700 2100,1400 1500,1650" fill="#a06c3b"/></svg>`;
    const photo = await sharp(Buffer.from(parcel)).png().toBuffer();
    await chat.locator('input[type=file]').setInputFiles({ name: 'parcel.png', mimeType: 'image/png', buffer: photo });
    const deskImage = desk.getByRole('img', { name: 'Image from Mei Lin' });
    await deskImage.waitFor();
    const imageUrl = await deskImage.getAttribute('src');
    const stored = await (await fetch(imageUrl!)).arrayBuffer();
    const meta = await sharp(Buffer.from(stored)).metadata();
    assert.ok(meta.width! <= 1600 && meta.height! <= 1600, `downscaled before upload: ${meta.width}×${meta.height}`);
    await chat.getByRole('img', { name: 'Image from You' }).waitFor();
    await deskImage.click();
    await desk.getByRole('dialog', { name: 'View the image full size' }).waitFor();
    await screenshot(desk, 'desk-image-viewer');
    await desk.getByRole('button', { name: 'Close' }).click();

    // Quick answer: search, insert, edit, send.
    await desk.getByRole('button', { name: 'Quick answers' }).click();
    await desk.getByRole('searchbox', { name: 'Search quick answers' }).fill('parcel');
    await screenshot(desk, 'desk-quick-answers');
    assert.equal(await desk.locator('.qa-item').count(), 1);
    await desk.getByRole('button', { name: 'Insert' }).click();
    assert.equal(await deskBox.inputValue(), 'Your parcel ships within 2 days.');
    await deskBox.press('End');
    await deskBox.pressSequentially(' Sorry for the wait!');
    await deskBox.press('Enter');
    await chat.getByText('Your parcel ships within 2 days. Sorry for the wait!').waitFor();
    await screenshot(desk, 'desk-conversation');
    await screenshot(chat, 'chat-conversation');

    // Ask to finish → the customer confirms → resolved on both sides.
    await desk.getByRole('button', { name: 'Ask to finish' }).click();
    await desk.getByText('You asked whether the question is solved; waiting for the user to confirm.').waitFor();
    await chat.getByText('The agent thinks your question is solved. Is it?').waitFor();
    await screenshot(chat, 'chat-finish-asked');
    await chat.getByRole('button', { name: 'Yes, it is solved' }).click();
    await chat.getByTestId('status').filter({ hasText: 'Resolved' }).waitFor();
    await desk.getByTestId('status').filter({ hasText: 'Resolved' }).waitFor();
    await chat.getByText('The question is resolved').first().waitFor();
    await desk.getByText('You are serving no question.').waitFor();

    // Reopen → back in the same agent's Mine.
    await chat.getByRole('button', { name: 'Reopen' }).click();
    await chat.getByText('The question was reopened').waitFor();
    await mineItem(desk, 'My parcel is late').waitFor();
    await desk.getByTestId('status').filter({ hasText: 'In progress' }).waitFor();
    await screenshot(desk, 'desk-mine-reopened');

    assert.deepEqual(deskErrors, []);
    assert.deepEqual(chatErrors, []);
  });
});
