/**
 * Private notes in the embedded store: a table of their own beside messages. A note's number and
 * its place (the question's last seq) come from one UPDATE … RETURNING on its question, inside the
 * write that inserts it, so a later note is never placed before an earlier one.
 */
import { SENDER_TYPE } from '../../../shared/limits.js';
import { newObjectId } from '../objectId.js';
import type { NewNote, NoteRange, NoteRecord, NoteStore } from '../types.js';
import type { SqliteDb } from './db.js';

interface NoteRow {
  id: string;
  question_id: string;
  after_seq: number;
  note_seq: number;
  sender: string;
  created_at: number;
  text: string;
}

const COLUMNS = 'id, question_id, after_seq, note_seq, sender, created_at, text';

function toNote(row: NoteRow): NoteRecord {
  return {
    id: row.id,
    questionId: row.question_id,
    afterSeq: row.after_seq,
    noteSeq: row.note_seq,
    sender: row.sender,
    senderType: SENDER_TYPE.agent,
    createdAt: row.created_at,
    text: row.text,
  };
}

export class SqliteNotes implements NoteStore {
  constructor(private readonly db: SqliteDb) {}

  async appendNote(input: NewNote): Promise<{ note: NoteRecord; duplicate: boolean } | null> {
    return this.db.write(() => {
      if (input.clientMsgId !== undefined) {
        const earlier = this.byClientId(input.sessionDigest, input.clientMsgId);
        if (earlier) return { note: toNote(earlier), duplicate: true };
      }
      const place = this.db.get<{ last_seq: number; last_note_seq: number }>(
        'UPDATE questions SET last_note_seq = last_note_seq + 1 WHERE id = ? RETURNING last_seq, last_note_seq',
        [input.questionId],
      );
      if (!place) return null;
      const note: NoteRecord = {
        id: newObjectId(input.now * 1000),
        questionId: input.questionId,
        afterSeq: place.last_seq,
        noteSeq: place.last_note_seq,
        sender: input.sender,
        senderType: SENDER_TYPE.agent,
        createdAt: input.now,
        text: input.text,
      };
      this.db.run(
        `INSERT INTO notes (${COLUMNS}, session_digest, client_msg_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [note.id, note.questionId, note.afterSeq, note.noteSeq, note.sender, note.createdAt, note.text, input.sessionDigest, input.clientMsgId ?? null],
      );
      return { note, duplicate: false };
    });
  }

  async getNote(id: string): Promise<NoteRecord | null> {
    const row = this.db.get<NoteRow>(`SELECT ${COLUMNS} FROM notes WHERE id = ?`, [id]);
    return row ? toNote(row) : null;
  }

  async listNotes(questionId: string, range: NoteRange): Promise<NoteRecord[]> {
    const params: unknown[] = [questionId];
    let cursor = '';
    if (range.from) {
      const [seq, noteSeq] = range.from;
      // Note numbers grow with their place, so "after a note" is "a higher number" and "after a
      // message" is "placed at or after its seq" (the same for "before", mirrored).
      if (noteSeq === 0) cursor = range.sort === 1 ? 'AND after_seq >= ?' : 'AND after_seq < ?';
      else cursor = range.sort === 1 ? 'AND note_seq > ?' : 'AND note_seq < ?';
      params.push(noteSeq === 0 ? seq : noteSeq);
    }
    params.push(range.num);
    const order = range.sort === 1 ? 'ASC' : 'DESC';
    return this.db
      .all<NoteRow>(`SELECT ${COLUMNS} FROM notes WHERE question_id = ? ${cursor} ORDER BY note_seq ${order} LIMIT ?`, params)
      .map(toNote);
  }

  private byClientId(sessionDigest: string, clientMsgId: string): NoteRow | undefined {
    return this.db.get<NoteRow>(`SELECT ${COLUMNS} FROM notes WHERE session_digest = ? AND client_msg_id = ?`, [sessionDigest, clientMsgId]);
  }
}
