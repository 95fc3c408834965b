/**
 * The rows of one conversation: its stored entries (state/seqMerge.ts) and the page's own texts
 * that are not stored, or not here, yet. A text is one row from the Enter on, under one key (its
 * client_msg_id): pending at the bottom, then, once its stored message is in the timeline, that
 * message in its place. So React keeps the row and the text never shows twice or vanishes.
 *
 * The stored message says nothing of the client_msg_id; only the send's ack (its message_id) ties
 * the two. The server broadcasts `message:new` before it acks, so the message usually arrives first:
 * a message delivered while a text of the same words is on its way is held (not shown) until that
 * send is answered. Then it is either that text, shown under its key, or someone else's, shown
 * as itself a moment late.
 */
import type { TimelineEntry } from '../../../shared/schemas/responses.js';
import type { QueuedText } from './offlineQueue.js';
import { entryKey } from './seqMerge.js';

/** A text the server stored: the id its ack gave. */
export interface SentText {
  item: QueuedText;
  messageId: string;
}

/** The page's own texts of one question, as the outbox has them. */
export interface OwnTexts {
  /** Not answered yet (the first may be on its way), in typing order. */
  queued: readonly QueuedText[];
  /** On its way: sent, no answer yet. */
  sending: QueuedText | null;
  sent: readonly SentText[];
  refused: readonly { item: QueuedText; error: string }[];
}

export type Row =
  | { key: string; entry: TimelineEntry }
  | { key: string; unsent: QueuedText; error?: string };

/** Whether a message just delivered may be the stored echo of the text on its way (hold it until the ack). */
export function mayEcho(entry: TimelineEntry, sending: QueuedText | null): sending is QueuedText {
  return sending !== null && entry.type === 3 && entry.text === sending.text;
}

/**
 * The rows to show, top to bottom. `held` maps the id of each message delivered while `mayEcho` to
 * the client_msg_id of the text then on its way: it is hidden while that very send is unanswered.
 */
export function conversationRows(entries: readonly TimelineEntry[], own: OwnTexts, held: ReadonlyMap<string, string>): Row[] {
  const sentAs = new Map(own.sent.map((sent) => [sent.messageId, sent.item.clientMsgId]));
  const shown = new Set<string>();
  const rows: Row[] = [];
  for (const entry of entries) {
    const clientMsgId = sentAs.get(entry.message_id);
    if (clientMsgId !== undefined) {
      shown.add(clientMsgId);
      rows.push({ key: clientMsgId, entry });
    } else if (own.sending === null || held.get(entry.message_id) !== own.sending.clientMsgId) {
      rows.push({ key: entryKey(entry), entry });
    }
  }
  // Stored but not here yet, then still queued. Between the ack and the queue's own update a text
  // is briefly in both lists: once is enough.
  for (const item of [...own.sent.map((sent) => sent.item), ...own.queued]) {
    if (shown.has(item.clientMsgId)) continue;
    shown.add(item.clientMsgId);
    rows.push({ key: item.clientMsgId, unsent: item });
  }
  for (const { item, error } of own.refused) rows.push({ key: item.clientMsgId, unsent: item, error });
  return rows;
}
