/**
 * An agent's read of a question: its messages with its private notes in place. Messages keep their
 * seq and notes sit at (after_seq, note_seq), so one order covers both (shared/timeline.ts); a page
 * is the merge of one page of each, cut to size. Offsets are bounded (page ≤ 50, num ≤ 50), so
 * reading `offset + num` of each is cheap.
 */
import { ApiError } from '../../shared/errors.js';
import type { Deps } from '../deps.js';
import type { MessageRecord, NoteRecord, QuestionRecord, TimelinePosition } from '../stores/types.js';

export type TimelineRecord = MessageRecord | NoteRecord;

export const isNoteRecord = (entry: TimelineRecord): entry is NoteRecord => 'noteSeq' in entry;

export const positionOfRecord = (entry: TimelineRecord): TimelinePosition =>
  isNoteRecord(entry) ? [entry.afterSeq, entry.noteSeq] : [entry.seq, 0];

export interface TimelinePage {
  num: number;
  offset: number;
  sort: 1 | -1;
  /** A message or note id of the question to continue after (offset ignored). */
  cursorId?: string;
}

/** The position of a cursor id: a message of the question, else a note of it, else param_invalid. */
async function cursorPosition(deps: Deps, question: QuestionRecord, id: string): Promise<TimelinePosition> {
  const message = await deps.store.conversations.getMessage(id);
  if (message?.questionId === question.id) return [message.seq, 0];
  const note = message ? null : await deps.store.notes.getNote(id);
  if (note?.questionId === question.id) return [note.afterSeq, note.noteSeq];
  throw new ApiError('param_invalid', 'message_id is not a message of this question', { field: 'message_id' });
}

export async function readTimeline(deps: Deps, question: QuestionRecord, page: TimelinePage): Promise<TimelineRecord[]> {
  const from = page.cursorId === undefined ? undefined : await cursorPosition(deps, question, page.cursorId);
  const offset = from ? 0 : page.offset;
  const want = offset + page.num;
  // Messages strictly past `from`: after (s, n) is seq > s; before (s, 0) is seq < s, before a note at (s, n>0) is seq ≤ s.
  const afterSeq = from === undefined ? undefined : page.sort === 1 || from[1] === 0 ? from[0] : from[0] + 1;
  const [messages, notes] = await Promise.all([
    deps.store.conversations.listMessages(question.id, { num: want, offset: 0, sort: page.sort, afterSeq }),
    deps.store.notes.listNotes(question.id, { sort: page.sort, num: want, from }),
  ]);
  const merged = [...messages, ...notes].sort((a, b) => {
    const [pa, pb] = [positionOfRecord(a), positionOfRecord(b)];
    return page.sort * (pa[0] - pb[0] || pa[1] - pb[1]);
  });
  return merged.slice(offset, want);
}
