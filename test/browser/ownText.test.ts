/**
 * A text sent from the desk or the chat page shows at once (pending, no seq yet) and, once stored,
 * is the same row with its seq: never twice, never gone for a moment, never rebuilt. A
 * MutationObserver in the page records every row holding the text as it is inserted or removed
 * between the Enter and the stored message, on a real server with the real socket.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { useTestServer } from '../support/server.js';
import { chatUrl, openFromMine, screenshot, signInDesk, useBrowser, waitUntil, watchErrors } from './support.js';

const log = (page: Page) => page.getByRole('log', { name: 'Conversation' });

interface TextRecord {
  inserted: number;
  removed: number;
  /** The most rows holding the text at once, checked after every mutation batch. */
  most: number;
  /** Whether the row holding the stored message is the row first inserted for the text. */
  sameRow: boolean;
  storedSeq: string | null;
}

/**
 * Starts recording the conversation's rows (the log's `.row` elements) holding `text`. The scripts
 * are strings: tsx's compiled functions call a helper the page does not have.
 */
async function recordRows(page: Page, text: string): Promise<void> {
  await page.evaluate(`(() => {
    const wanted = ${JSON.stringify(text)};
    const logElement = document.querySelector('[role=log]');
    const holds = (node) => node instanceof HTMLElement && node.matches('.row') && node.querySelector('.text')?.textContent === wanted;
    const rowsIn = (node) => (node instanceof HTMLElement ? [node, ...node.querySelectorAll('.row')].filter(holds) : []);
    const count = () => [...logElement.querySelectorAll('.row')].filter(holds).length;
    const state = { inserted: 0, removed: 0, most: 0, first: null };
    new MutationObserver((mutations) => {
      for (const mutation of mutations) {
        for (const node of mutation.addedNodes) for (const row of rowsIn(node)) { state.inserted++; state.first ??= row; }
        for (const node of mutation.removedNodes) state.removed += rowsIn(node).length;
      }
      state.most = Math.max(state.most, count());
    }).observe(logElement, { childList: true, subtree: true, characterData: true });
    window.kefuTextRecord = state;
  })()`);
}

async function recorded(page: Page, text: string): Promise<TextRecord> {
  return (await page.evaluate(`(() => {
    const wanted = ${JSON.stringify(text)};
    const state = window.kefuTextRecord;
    const stored = [...document.querySelectorAll('[role=log] [data-seq]')].find((row) => row.querySelector('.text')?.textContent === wanted) ?? null;
    return { inserted: state.inserted, removed: state.removed, most: state.most, sameRow: stored !== null && stored === state.first, storedSeq: stored?.dataset.seq ?? null };
  })()`)) as TextRecord;
}

/** Types `text` in the page's composer, sends it, and returns what the rows did until it is stored. */
async function sendAndRecord(page: Page, text: string): Promise<TextRecord> {
  await recordRows(page, text);
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  await log(page).locator('[data-seq]').filter({ hasText: text }).waitFor();
  await waitUntil(page, `document.querySelectorAll('[role=log] .row.pending').length === 0`);
  // The ack and the broadcast are both in by now; a late duplicate would show within this pause.
  await page.waitForTimeout(300);
  return recorded(page, text);
}

describe('browser: a sent text shows once and stays in place', function () {
  this.timeout(120_000);
  const chrome = useBrowser();
  const { server, f } = useTestServer();

  it('on the desk and on the chat page, each text is one row from the Enter to its stored seq', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    await f.sendText(questionId, user, 'hello?');

    const desk = await (await chrome.context()).newPage();
    const chat = await (await chrome.context({ width: 390, height: 780 })).newPage();
    const errors = [desk, chat].flatMap(watchErrors);
    await signInDesk(desk, server.url, agent.servId, agent.password);
    await openFromMine(desk, questionId);
    await log(desk).getByText('hello?').waitFor();
    await chat.goto(chatUrl(server.url, user));
    await chat.locator(`[data-question-id="${questionId}"]`).click();
    await log(chat).getByText('hello?').waitFor();

    // Several rounds: whether the broadcast or the ack comes first varies from send to send.
    for (let round = 1; round <= 3; round++) {
      const fromDesk = `agent reply ${round}`;
      assert.deepEqual(await sendAndRecord(desk, fromDesk), { inserted: 1, removed: 0, most: 1, sameRow: true, storedSeq: String(2 * round + 1) }, `desk, ${fromDesk}`);
      await log(chat).locator('[data-seq]').filter({ hasText: fromDesk }).waitFor();
      const fromChat = `customer reply ${round}`;
      assert.deepEqual(await sendAndRecord(chat, fromChat), { inserted: 1, removed: 0, most: 1, sameRow: true, storedSeq: String(2 * round + 2) }, `chat, ${fromChat}`);
      await log(desk).locator('[data-seq]').filter({ hasText: fromChat }).waitFor();
    }
    await screenshot(desk, 'desk-own-texts');
    await screenshot(chat, 'chat-own-texts');
    assert.deepEqual(errors, []);
  });
});
