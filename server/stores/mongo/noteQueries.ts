/**
 * The queries of the notes object (notes.ts), as pure builders like those of queries.ts (whose scalar
 * guards they use), so the query-shape tests assert them without a server.
 */
import mongoose from 'mongoose';
import type { NoteRange } from '../types.js';
import { AFTER, n, oid, s, type QuerySpec } from './queries.js';

const { trusted } = mongoose;

/**
 * Takes the question's next note number, returning it with the question's last seq as they are
 * after this one atomic write: the note's number and its place come from the same instant.
 */
export function takeNotePlace(questionId: string): QuerySpec {
  return {
    filter: { _id: oid(questionId) },
    update: { $inc: { last_note_seq: 1 } },
    projection: { last_seq: 1, last_note_seq: 1 },
    options: AFTER,
  };
}

/** The note an earlier try with this (session digest, client_msg_id) stored (the `notes_idempotency` index). */
export function noteByClientId(sessionDigest: string, clientMsgId: string): QuerySpec {
  // $exists repeats the partial filter of the index, so the planner can use it.
  return { filter: { session: s(sessionDigest), client_msg_id: trusted({ $eq: s(clientMsgId), $exists: true }) } };
}

/**
 * A question's notes in timeline order from a position, on `notes_by_number`. Note numbers grow
 * with their place, so "after a note" is "a higher number" and "after the message with seq k" is
 * "placed at k or later" (mirrored for "before").
 */
export function listNotes(questionId: string, range: NoteRange): QuerySpec {
  const filter: Record<string, unknown> = { question: oid(questionId) };
  if (range.from) {
    const [seq, noteSeq] = range.from;
    if (n(noteSeq) === 0) filter.after_seq = trusted(range.sort === 1 ? { $gte: n(seq) } : { $lt: n(seq) });
    else filter.note_seq = trusted(range.sort === 1 ? { $gt: noteSeq } : { $lt: noteSeq });
  }
  return { filter, sort: { note_seq: range.sort }, limit: n(range.num) };
}
