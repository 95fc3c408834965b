import assert from 'node:assert/strict';
import type { TimelineEntry } from '../../shared/schemas/responses.js';
import type { QueuedText } from '../../desk/src/state/offlineQueue.js';
import { conversationRows, mayEcho, type OwnTexts, type Row } from '../../desk/src/state/ownTexts.js';

const text = (seq: number, words: string, sender = 'agent'): TimelineEntry => ({
  type: 3,
  message_id: `id${seq}`.padStart(24, '0'),
  sender,
  sender_type: 2,
  timestamp: 1_700_000_000_000 + seq,
  seq,
  text: words,
});
const queued = (clientMsgId: string, words: string): QueuedText => ({ clientMsgId, questionId: 'q', text: words, queuedAt: 0 });
const own = (texts: Partial<OwnTexts>): OwnTexts => ({ queued: [], sending: null, sent: [], refused: [], ...texts });
/** Each row as `key:text`, `key:text?` for one not stored, `key:text!` for a refused one. */
const shown = (rows: Row[]) =>
  rows.map((row) => ('unsent' in row ? `${row.key}:${row.unsent.text}${row.error ? '!' : '?'}` : `${row.key}:${row.entry.type === 3 ? row.entry.text : ''}`));

describe('desk state: the own texts of a conversation', () => {
  const before = [text(1, 'hello?', 'user')];
  const reply = queued('c1', 'on it');

  it('a text on its way is one row under its client_msg_id; its echo arriving before the ack is held, not a second row', () => {
    const echo = text(2, 'on it');
    assert.equal(mayEcho(echo, reply), true);
    assert.deepEqual(shown(conversationRows(before, own({ queued: [reply], sending: reply }), new Map())), ['m1:hello?', 'c1:on it?']);
    assert.deepEqual(shown(conversationRows([...before, echo], own({ queued: [reply], sending: reply }), new Map([[echo.message_id, 'c1']]))), ['m1:hello?', 'c1:on it?']);
  });

  it('once acked, the stored message takes the row: same key, in its place, whichever came first', () => {
    const echo = text(2, 'on it');
    const sent = [{ item: reply, messageId: echo.message_id }];
    // Broadcast first (held), then the ack.
    assert.deepEqual(shown(conversationRows([...before, echo], own({ sent }), new Map([[echo.message_id, 'c1']]))), ['m1:hello?', 'c1:on it']);
    // Ack first: still the pending row until the message comes, then the message under the same key.
    assert.deepEqual(shown(conversationRows(before, own({ sent }), new Map())), ['m1:hello?', 'c1:on it?']);
    assert.deepEqual(shown(conversationRows([...before, echo], own({ sent }), new Map())), ['m1:hello?', 'c1:on it']);
  });

  it('between the ack and the queue update a text is in both lists: still one row', () => {
    const echo = text(2, 'on it');
    const sent = [{ item: reply, messageId: echo.message_id }];
    assert.deepEqual(shown(conversationRows(before, own({ queued: [reply], sent }), new Map())), ['m1:hello?', 'c1:on it?']);
    assert.deepEqual(shown(conversationRows([...before, echo], own({ queued: [reply], sent }), new Map())), ['m1:hello?', 'c1:on it']);
  });

  it('a held message that was not the text shows as itself once the send is answered; other messages never wait', () => {
    const theirs = text(2, 'on it', 'other-agent');
    const mine = text(3, 'on it');
    const other = text(4, 'thanks', 'user');
    const held = new Map([[theirs.message_id, 'c1']]);
    assert.equal(mayEcho(other, reply), false);
    assert.deepEqual(shown(conversationRows([...before, theirs, other], own({ queued: [reply], sending: reply }), held)), ['m1:hello?', 'm4:thanks', 'c1:on it?']);
    const sent = [{ item: reply, messageId: mine.message_id }];
    assert.deepEqual(shown(conversationRows([...before, theirs, mine, other], own({ sent }), held)), ['m1:hello?', 'm2:on it', 'c1:on it', 'm4:thanks']);
    // The same words sent again later: the message held for the first send is not held again.
    const again = queued('c2', 'on it');
    assert.deepEqual(shown(conversationRows([...before, theirs, mine, other], own({ queued: [again], sending: again, sent }), held)), [
      'm1:hello?',
      'm2:on it',
      'c1:on it',
      'm4:thanks',
      'c2:on it?',
    ]);
  });

  it('queued texts follow in typing order after those stored but not here yet; refused ones come last with their error', () => {
    const later = queued('c2', 'second');
    const refused = queued('c0', 'too long');
    const rows = conversationRows(before, own({ queued: [later], sent: [{ item: reply, messageId: 'x'.repeat(24) }], refused: [{ item: refused, error: 'text_too_long' }] }), new Map());
    assert.deepEqual(shown(rows), ['m1:hello?', 'c1:on it?', 'c2:second?', 'c0:too long!']);
  });
});
