/**
 * One conversation's messages, kept in seq order with no duplicate: live messages, catch-up pages
 * and older history pages all go through `mergeBySeq`, so arrival order never matters.
 */

/** What the merge needs of a message: its position in the question. */
export interface Sequenced {
  seq: number;
}

/** `current` and `incoming` merged, ascending by seq; for a repeated seq the stored one wins. */
export function mergeBySeq<T extends Sequenced>(current: readonly T[], incoming: readonly T[]): T[] {
  if (incoming.length === 0) return current as T[];
  const bySeq = new Map<number, T>();
  for (const message of incoming) bySeq.set(message.seq, message);
  for (const message of current) bySeq.set(message.seq, message);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** The seqs missing between the first and the last message held (a lost broadcast). */
export function gapsIn(messages: readonly Sequenced[]): number[] {
  const missing: number[] = [];
  for (let i = 1; i < messages.length; i++) {
    for (let seq = messages[i - 1]!.seq + 1; seq < messages[i]!.seq; seq++) missing.push(seq);
  }
  return missing;
}

/** Whether older messages exist before the first one held (seq 1 is the question's first). */
export function hasOlder(messages: readonly Sequenced[]): boolean {
  return messages.length > 0 && messages[0]!.seq > 1;
}
