/**
 * Unread counts per question, fed by message events (after Zulip's unread.ts: one module owns the
 * state, components only read it). A message counts when someone else sent it, it is newer than
 * what was read, and the conversation is not open in a visible tab.
 */

export interface UnreadEntry {
  /** Highest seq seen by the reader. */
  readSeq: number;
  /** Seqs received after readSeq, from the other party; a Set so a redelivery counts once. */
  unseen: Set<number>;
}

export type UnreadState = ReadonlyMap<string, UnreadEntry>;

export interface IncomingMessage {
  seq: number;
  /** Sent by the reader itself (its own echo) or by the other party. */
  fromMe: boolean;
}

export const emptyUnread = (): UnreadState => new Map();

/** Records a message; `visible` when the reader is looking at this conversation right now. */
export function recordMessage(state: UnreadState, questionId: string, message: IncomingMessage, visible: boolean): UnreadState {
  const entry = state.get(questionId) ?? { readSeq: 0, unseen: new Set<number>() };
  if (visible || message.fromMe) return markRead(state, questionId, Math.max(entry.readSeq, message.seq));
  if (message.seq <= entry.readSeq || entry.unseen.has(message.seq)) return state;
  const next = new Map(state);
  next.set(questionId, { readSeq: entry.readSeq, unseen: new Set([...entry.unseen, message.seq]) });
  return next;
}

/** Everything up to `seq` is read. */
export function markRead(state: UnreadState, questionId: string, seq: number): UnreadState {
  const entry = state.get(questionId);
  const readSeq = Math.max(entry?.readSeq ?? 0, seq);
  const unseen = new Set([...(entry?.unseen ?? [])].filter((s) => s > readSeq));
  if (entry && entry.readSeq === readSeq && entry.unseen.size === unseen.size) return state;
  const next = new Map(state);
  next.set(questionId, { readSeq, unseen });
  return next;
}

export function unreadCount(state: UnreadState, questionId: string): number {
  return state.get(questionId)?.unseen.size ?? 0;
}

export function totalUnread(state: UnreadState): number {
  let total = 0;
  for (const entry of state.values()) total += entry.unseen.size;
  return total;
}

/** Forgets a question (it left Mine). */
export function forget(state: UnreadState, questionId: string): UnreadState {
  if (!state.has(questionId)) return state;
  const next = new Map(state);
  next.delete(questionId);
  return next;
}
