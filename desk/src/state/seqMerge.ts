/**
 * One conversation's timeline, kept in order with no duplicate: live entries, catch-up pages and
 * older history pages all go through `mergeBySeq`, so arrival order never matters. Messages sit at
 * their seq; an agent's private notes (no seq) sit after the message whose seq is their
 * `after_seq`, in `note_seq` order (shared/timeline.ts).
 */

/** What the merge needs of a message: its position in the question. */
export interface Sequenced {
  seq: number;
}

/** What the merge needs of a note: its place after a message and its number there. */
export interface Placed {
  after_seq: number;
  note_seq: number;
}

type Entry = Sequenced | Placed;

const isPlaced = (entry: Entry): entry is Placed => 'note_seq' in entry;
const keyOf = (entry: Entry) => (isPlaced(entry) ? `n${entry.note_seq}` : `m${entry.seq}`);
const positionOf = (entry: Entry): [number, number] => (isPlaced(entry) ? [entry.after_seq, entry.note_seq] : [entry.seq, 0]);

/** A key unique in one question (React keys, de-duplication). */
export const entryKey = keyOf;

/** `current` and `incoming` merged in timeline order; for a repeated entry the stored one wins. */
export function mergeBySeq<T extends Entry>(current: readonly T[], incoming: readonly T[]): T[] {
  if (incoming.length === 0) return current as T[];
  const byKey = new Map<string, T>();
  for (const entry of incoming) byKey.set(keyOf(entry), entry);
  for (const entry of current) byKey.set(keyOf(entry), entry);
  return [...byKey.values()].sort((a, b) => {
    const [pa, pb] = [positionOf(a), positionOf(b)];
    return pa[0] - pb[0] || pa[1] - pb[1];
  });
}

/** The seqs missing between the first and the last message held (a lost broadcast); notes make no gap. */
export function gapsIn(entries: readonly Entry[]): number[] {
  const messages = entries.filter((e): e is Sequenced => !isPlaced(e));
  const missing: number[] = [];
  for (let i = 1; i < messages.length; i++) {
    for (let seq = messages[i - 1]!.seq + 1; seq < messages[i]!.seq; seq++) missing.push(seq);
  }
  return missing;
}

/** Whether older entries exist before the first one held: anything placed after message 1 has message 1 before it. */
export function hasOlder(entries: readonly Entry[]): boolean {
  if (entries.length === 0) return false;
  const [seq, noteSeq] = positionOf(entries[0]!);
  return seq > 1 || (seq === 1 && noteSeq > 0);
}
