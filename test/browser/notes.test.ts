/**
 * Private notes in real Chromium: the serving agent writes one in the composer's note mode and it
 * shows apart, in place, on the desk; the customer's chat page never shows it, live or after a
 * reload, while the reply written after it arrives. (Other agents' reads: test/http/notes.test.ts.)
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { useTestServer } from '../support/server.js';
import { chatUrl, openFromMine, screenshot, signInDesk, useBrowser, waitUntil, watchErrors } from './support.js';

const NOTE = 'VIP customer: refund without asking twice';

describe('browser: private notes', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  const { server, f } = useTestServer();
  const log = (page: Page) => page.getByRole('log', { name: 'Conversation' });
  /** The conversation's rows, top to bottom, as `m<seq>` and `n<note_seq>`. */
  const rows = async (page: Page) => {
    const found: string[] = [];
    for (const row of await log(page).locator('[data-seq], [data-note-seq]').all()) {
      const noteSeq = await row.getAttribute('data-note-seq');
      found.push(noteSeq !== null ? `n${noteSeq}` : `m${await row.getAttribute('data-seq')}`);
    }
    return found;
  };

  it('an agent writes a note in note mode; it shows apart for agents and never on the chat page', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    await f.sendText(questionId, user, 'my parcel is late');

    const desk = await (await chrome.context()).newPage();
    const chat = await (await chrome.context({ width: 390, height: 780 })).newPage();
    const errors = [...[desk, chat].map(watchErrors)];
    await signInDesk(desk, server.url, agent.servId, agent.password);
    await openFromMine(desk, questionId);
    await log(desk).getByText('my parcel is late').waitFor();
    await chat.goto(chatUrl(server.url, user));
    await chat.locator(`[data-question-id="${questionId}"]`).click();
    await chat.getByRole('log', { name: 'Conversation' }).getByText('my parcel is late').waitFor();

    // Note mode: the box says so, images are off, Enter adds the note.
    await desk.getByRole('button', { name: 'Private note' }).click();
    assert.equal(await desk.getByRole('button', { name: 'Private note' }).getAttribute('aria-pressed'), 'true');
    assert.equal(await desk.getByRole('button', { name: 'Attach image' }).count(), 0);
    const noteBox = desk.getByRole('textbox', { name: 'Private note' });
    await noteBox.fill(NOTE);
    await noteBox.press('Enter');
    const shown = log(desk).locator('.row.note').filter({ hasText: NOTE });
    await shown.waitFor();
    // textContent: innerText is '' while content-visibility: auto has not rendered the row yet.
    assert.match((await shown.textContent()) ?? '', /Private note · agents only/);
    await screenshot(desk, 'desk-note');

    // Back to replying: the reply goes to the customer, after the note.
    await desk.getByRole('button', { name: 'Private note' }).click();
    const replyBox = desk.getByRole('textbox', { name: 'Message' });
    await replyBox.fill('Refund on its way');
    await replyBox.press('Enter');
    // The text shows at once as pending (no seq yet), then, stored, as seq 3 in the same row.
    await log(desk).locator('[data-seq="3"]').filter({ hasText: 'Refund on its way' }).waitFor();
    await waitUntil(desk, `document.querySelectorAll('[role=log] .row.pending').length === 0`);
    assert.deepEqual(await rows(desk), ['m1', 'm2', 'n1', 'm3']);

    // The chat page got the reply written after the note, and nothing of the note; nor after a reload.
    const chatLog = chat.getByRole('log', { name: 'Conversation' });
    await chatLog.getByText('Refund on its way').waitFor();
    const noNote = async () => {
      assert.equal(await chat.getByText(NOTE).count(), 0, 'the note is on the chat page');
      assert.equal(await chat.locator('.row.note, [data-note-seq]').count(), 0);
      assert.deepEqual(await rows(chat), ['m1', 'm2', 'm3'], 'the customer sees every seq once, no gap');
    };
    await noNote();
    await chat.reload();
    await chat.locator(`[data-question-id="${questionId}"]`).click();
    await chatLog.getByText('Refund on its way').waitFor();
    await noNote();
    await screenshot(chat, 'chat-without-note');

    errors.forEach((list) => assert.deepEqual(list, []));
  });
});
