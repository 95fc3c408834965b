/**
 * Private notes in MongoDB: a `notes` collection beside `messages`. The note number and its place
 * come from one findOneAndUpdate on the question ($inc of `last_note_seq`, returning `last_seq`),
 * then the note is inserted. A crash between the two skips a number, which is harmless: numbers
 * order notes, they do not count them. Racing retries of one keyed note meet at the unique
 * `notes_idempotency` index; the loser answers the winner's note.
 */
import { SENDER_TYPE } from '../../../shared/limits.js';
import { isObjectId, newObjectId } from '../objectId.js';
import type { NewNote, NoteRange, NoteRecord, NoteStore } from '../types.js';
import type { Models, NoteDoc, QuestionDoc } from './models.js';
import * as NQ from './noteQueries.js';
import * as Q from './queries.js';
import { findAll, findFirst } from './reads.js';
import { isDuplicateKey } from './records.js';

export function toNote(doc: NoteDoc): NoteRecord {
  return {
    id: doc._id.toHexString(),
    questionId: doc.question.toHexString(),
    afterSeq: doc.after_seq,
    noteSeq: doc.note_seq,
    sender: doc.sender,
    senderType: SENDER_TYPE.agent,
    createdAt: doc.created_at,
    text: doc.text,
  };
}

export class MongoNotes implements NoteStore {
  constructor(private readonly models: Models) {}

  async appendNote(input: NewNote): Promise<{ note: NoteRecord; duplicate: boolean } | null> {
    if (!isObjectId(input.questionId)) return null;
    const earlier = await this.byClientId(input);
    if (earlier) return { note: earlier, duplicate: true };
    const id = Q.oid(newObjectId(input.now * 1000));
    // Validated before the question write, so a refused note does not spend a number.
    const draft = new this.models.Note({
      _id: id,
      question: Q.oid(input.questionId),
      after_seq: 0,
      note_seq: 1,
      sender: input.sender,
      created_at: input.now,
      text: input.text,
      session: input.sessionDigest,
      ...(input.clientMsgId !== undefined ? { client_msg_id: input.clientMsgId } : {}),
    });
    await draft.validate();
    const spec = NQ.takeNotePlace(input.questionId);
    const place = await this.models.Question.findOneAndUpdate(spec.filter, spec.update, { ...spec.options, projection: spec.projection })
      .lean<Pick<QuestionDoc, 'last_seq' | 'last_note_seq'>>()
      .exec();
    if (!place) return null;
    draft.set({ after_seq: place.last_seq, note_seq: place.last_note_seq });
    try {
      await this.models.Note.create([draft.toObject()]);
    } catch (error) {
      const winner = isDuplicateKey(error) ? await this.byClientId(input) : null;
      if (winner) return { note: winner, duplicate: true };
      throw error;
    }
    return { note: toNote(draft.toObject() as NoteDoc), duplicate: false };
  }

  async getNote(id: string): Promise<NoteRecord | null> {
    if (!isObjectId(id)) return null;
    const doc = await findFirst<NoteDoc>(this.models.Note, Q.byObjectId(id));
    return doc ? toNote(doc) : null;
  }

  async listNotes(questionId: string, range: NoteRange): Promise<NoteRecord[]> {
    if (!isObjectId(questionId)) return [];
    return (await findAll<NoteDoc>(this.models.Note, NQ.listNotes(questionId, range))).map(toNote);
  }

  private async byClientId(input: NewNote): Promise<NoteRecord | null> {
    if (input.clientMsgId === undefined) return null;
    const doc = await findFirst<NoteDoc>(this.models.Note, NQ.noteByClientId(input.sessionDigest, input.clientMsgId));
    return doc ? toNote(doc) : null;
  }
}
