/** Contract: private notes (their numbers and places, idempotency, races) and reading them in timeline order. */
import assert from 'node:assert/strict';
import type { NewNote, NoteRecord, Store } from '../../../server/stores/types.js';
import { DIGEST_1, DIGEST_2, T0, USER_GUARD, drainEvents, newQuestion, serve, userText, type GetStore } from './support.js';

const note = (questionId: string, text: string, extra: Partial<NewNote> = {}): NewNote => ({
  questionId,
  sender: 's1',
  text,
  sessionDigest: DIGEST_2,
  now: T0 + 4,
  ...extra,
});

const places = (notes: NoteRecord[]) => notes.map((n) => [n.afterSeq, n.noteSeq]);

export function notesContract(store: GetStore): void {
  describe('notes', () => {
    it('places a note after the last seq with the next note number, and touches nothing of the public conversation', async () => {
      const q = await newQuestion(store());
      const served = await serve(store(), q.id, 's1');
      await store().conversations.appendMessage(userText(q.id, 'hello', { now: T0 + 3 }), USER_GUARD);
      await drainEvents(store());
      const before = (await store().conversations.getQuestion(q.id))!;
      const first = (await store().notes.appendNote(note(q.id, 'VIP, be kind', { now: T0 + 5 })))!;
      assert.equal(first.duplicate, false);
      assert.deepEqual({ ...first.note, id: undefined }, {
        id: undefined, questionId: q.id, afterSeq: 2, noteSeq: 1, sender: 's1', senderType: 2, createdAt: T0 + 5, text: 'VIP, be kind',
      });
      assert.equal(served.lastSeq, 1);
      const second = (await store().notes.appendNote(note(q.id, 'second')))!.note;
      assert.deepEqual([second.afterSeq, second.noteSeq], [2, 2]);
      // The question, its summary, its activity and its outbox are exactly as before the notes.
      assert.deepEqual(await store().conversations.getQuestion(q.id), before);
      assert.equal(await store().outbox.countEvents(), 0);
      assert.deepEqual(await store().notes.getNote(first.note.id), first.note);
      // Notes are no messages: not by id, not in any read of messages, and the next message takes seq 3.
      assert.equal(await store().conversations.getMessage(first.note.id), null);
      const reply = (await store().conversations.appendMessage(userText(q.id, 'next'), USER_GUARD))!;
      assert.equal(reply.message.seq, 3);
      const messages = await store().conversations.listMessages(q.id, { num: 50, offset: 0, sort: 1 });
      assert.deepEqual(messages.map((m) => m.seq), [1, 2, 3]);
      const third = (await store().notes.appendNote(note(q.id, 'third')))!.note;
      assert.deepEqual([third.afterSeq, third.noteSeq], [3, 3]);
    });

    it('writes a note before any message (after_seq 0) and on a question in any status', async () => {
      const q = await newQuestion(store());
      const early = (await store().notes.appendNote(note(q.id, 'before anything')))!.note;
      assert.deepEqual([early.afterSeq, early.noteSeq], [0, 1]);
      const finished = await store().conversations.transition(
        { questionId: q.id, from: [1], to: 3, notice: { sender: 'system', senderType: 2, action: 5 }, now: T0 + 9 },
        { status: 1, servId: null },
      );
      assert.ok(finished);
      const late = (await store().notes.appendNote(note(q.id, 'after the end')))!.note;
      assert.deepEqual([late.afterSeq, late.noteSeq], [1, 2]);
    });

    it('answers null for a question that does not exist, and for an id that is no question id', async () => {
      assert.equal(await store().notes.appendNote(note('65f000000000000000000099', 'x')), null);
      assert.equal(await store().notes.appendNote(note('nope', 'x')), null);
      assert.equal(await store().notes.getNote('65f000000000000000000099'), null);
      assert.equal(await store().notes.getNote('nope'), null);
      assert.deepEqual(await store().notes.listNotes('nope', { sort: 1, num: 10 }), []);
    });

    it('returns the first note for a retry with the same client_msg_id from the same session, and keeps keys per session', async () => {
      const q = await newQuestion(store());
      const first = (await store().notes.appendNote(note(q.id, 'once', { clientMsgId: 'n-1' })))!;
      const retry = (await store().notes.appendNote(note(q.id, 'once again', { clientMsgId: 'n-1', now: T0 + 8 })))!;
      assert.equal(retry.duplicate, true);
      assert.deepEqual(retry.note, first.note);
      const other = (await store().notes.appendNote(note(q.id, 'other device', { clientMsgId: 'n-1', sessionDigest: DIGEST_1 })))!;
      assert.equal(other.duplicate, false);
      // A message may use the same key: notes keep their own keys.
      const text = (await store().conversations.appendMessage(userText(q.id, 'text', { clientMsgId: 'n-1', sessionDigest: DIGEST_2 }), USER_GUARD))!;
      assert.equal(text.duplicate, false);
      assert.equal((await store().notes.listNotes(q.id, { sort: 1, num: 10 })).length, 2);
    });

    it('stores one note for racing retries of one client_msg_id', async () => {
      const q = await newQuestion(store());
      const results = await Promise.all(Array.from({ length: 8 }, () => store().notes.appendNote(note(q.id, 'race', { clientMsgId: 'n-race' }))));
      assert.equal(new Set(results.map((r) => r!.note.id)).size, 1);
      assert.equal(results.filter((r) => !r!.duplicate).length, 1);
      assert.equal((await store().notes.listNotes(q.id, { sort: 1, num: 10 })).length, 1);
    });

    it('lists notes in timeline order, after or before a message or a note', async () => {
      const q = await newQuestion(store());
      // Timeline: n1 | m1 n2 n3 | m2 | m3 n4
      await store().notes.appendNote(note(q.id, 'n1'));
      await store().conversations.appendMessage(userText(q.id, 'm1'), USER_GUARD);
      await store().notes.appendNote(note(q.id, 'n2'));
      await store().notes.appendNote(note(q.id, 'n3'));
      await store().conversations.appendMessage(userText(q.id, 'm2'), USER_GUARD);
      await store().conversations.appendMessage(userText(q.id, 'm3'), USER_GUARD);
      await store().notes.appendNote(note(q.id, 'n4'));
      const list = (range: Parameters<Store['notes']['listNotes']>[1]) => store().notes.listNotes(q.id, range).then(places);
      assert.deepEqual(await list({ sort: 1, num: 10 }), [[0, 1], [1, 2], [1, 3], [3, 4]]);
      assert.deepEqual(await list({ sort: -1, num: 2 }), [[3, 4], [1, 3]]);
      assert.deepEqual(await list({ sort: 1, num: 10, from: [1, 0] }), [[1, 2], [1, 3], [3, 4]], 'after message 1');
      assert.deepEqual(await list({ sort: 1, num: 10, from: [1, 2] }), [[1, 3], [3, 4]], 'after note 2');
      assert.deepEqual(await list({ sort: 1, num: 10, from: [2, 0] }), [[3, 4]], 'after message 2');
      assert.deepEqual(await list({ sort: 1, num: 1, from: [0, 0] }), [[0, 1]], 'from the start');
      assert.deepEqual(await list({ sort: -1, num: 10, from: [3, 0] }), [[1, 3], [1, 2], [0, 1]], 'before message 3');
      assert.deepEqual(await list({ sort: -1, num: 10, from: [1, 3] }), [[1, 2], [0, 1]], 'before note 3');
      assert.deepEqual(await list({ sort: -1, num: 10, from: [1, 0] }), [[0, 1]], 'before message 1');
      assert.deepEqual(await list({ sort: -1, num: 10, from: [0, 1] }), [], 'before note 1');
    });

    it('never places a later note before an earlier one, however notes and messages race', async () => {
      const q = await newQuestion(store());
      const writes = Array.from({ length: 24 }, (_, i) =>
        i % 2 ? store().notes.appendNote(note(q.id, `n${i}`)) : store().conversations.appendMessage(userText(q.id, `m${i}`), USER_GUARD),
      );
      await Promise.all(writes);
      const notes = await store().notes.listNotes(q.id, { sort: 1, num: 50 });
      assert.deepEqual(notes.map((n) => n.noteSeq), Array.from({ length: 12 }, (_, i) => i + 1));
      for (let i = 1; i < notes.length; i++) assert.ok(notes[i]!.afterSeq >= notes[i - 1]!.afterSeq, 'places follow numbers');
      const messages = await store().conversations.listMessages(q.id, { num: 50, offset: 0, sort: 1 });
      assert.deepEqual(messages.map((m) => m.seq), Array.from({ length: 12 }, (_, i) => i + 1), 'the public seq has no gap');
      assert.ok(notes.every((n) => n.afterSeq >= 0 && n.afterSeq <= 12));
    });
  });
}
