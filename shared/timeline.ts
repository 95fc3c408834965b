/**
 * Where an entry of a question's timeline sits. Public messages are numbered by `seq` (1, 2, 3, …
 * with no gap, the numbering users' clients check); private notes take no seq and sit after the
 * message whose seq is their `after_seq`, ordered there by `note_seq`. So a message's position is
 * (seq, 0) and a note's (after_seq, note_seq), and ordering positions orders the whole timeline.
 * The typed client, the desk and the tests use these; the stores order records the same way.
 */
import type { Message, Note, TimelineEntry } from './schemas/responses.js';

/** [public seq, note number]: a message is (seq, 0), a note (after_seq, note_seq). */
export type Position = readonly [seq: number, noteSeq: number];

export const isNote = (entry: TimelineEntry): entry is Note => entry.type === 5;

export function positionOf(entry: TimelineEntry): Position {
  return isNote(entry) ? [entry.after_seq, entry.note_seq] : [entry.seq, 0];
}

/** Negative when `a` comes first in the timeline, 0 for the same place. */
export function comparePositions(a: Position, b: Position): number {
  return a[0] - b[0] || a[1] - b[1];
}

/** Timeline order, for sorting entries. */
export const byPosition = (a: TimelineEntry, b: TimelineEntry) => comparePositions(positionOf(a), positionOf(b));

/** The public messages of a timeline (what its user also sees), in the order given. */
export const publicMessages = (entries: readonly TimelineEntry[]): Message[] => entries.filter((e): e is Message => !isNote(e));
