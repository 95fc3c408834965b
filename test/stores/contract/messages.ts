/** Contract: appending chat messages (guards, seq, idempotency, races) and reading them by seq. */
import assert from 'node:assert/strict';
import { DIGEST_1, DIGEST_2, T0, USER_GUARD, drainEvents, newQuestion, serve, userText, type GetStore } from './support.js';

/** The question as a transition's caller loaded it (only recorded in the outbox event). */
const PREVIOUS = { status: 1 as const, servId: null };

export function messagesContract(store: GetStore): void {
  describe('messages', () => {
    it('appends with the next seq and updates the last-message fields', async () => {
      const q = await newQuestion(store());
      const first = (await store().conversations.appendMessage(userText(q.id, 'hello', { now: T0 + 3 }), USER_GUARD))!;
      assert.equal(first.duplicate, false);
      assert.deepEqual({ ...first.message, id: undefined }, {
        id: undefined, questionId: q.id, seq: 1, sender: 'u1', senderType: 1, type: 3, createdAt: T0 + 3, text: 'hello',
      });
      assert.deepEqual(first.question.lastMessage, { text: 'hello', timestamp: T0 + 3, sender: 'u1', senderType: 1 });
      assert.equal(first.question.lastActivityAt, T0 + 3);
      assert.equal(first.question.lastSeq, 1);
      const image = (await store().conversations.appendMessage(
        userText(q.id, '', { type: 2, text: undefined, mediaPath: '/v1/media/image/x.jpg', summaryText: '[image]' }),
        USER_GUARD,
      ))!;
      assert.equal(image.message.seq, 2);
      assert.equal(image.message.mediaPath, '/v1/media/image/x.jpg');
      assert.equal('text' in image.message, false);
      assert.equal(image.question.lastMessage!.text, '[image]');
      assert.deepEqual(await store().conversations.getMessage(image.message.id), image.message);
    });

    it('records message.created with the message id in the same write; a refused or repeated send records none', async () => {
      const q = await newQuestion(store());
      await drainEvents(store());
      const sent = (await store().conversations.appendMessage(userText(q.id, 'hi', { clientMsgId: 'c-ev', now: T0 + 5 }), USER_GUARD))!;
      assert.equal((await store().conversations.appendMessage(userText(q.id, 'hi', { clientMsgId: 'c-ev' }), USER_GUARD))!.duplicate, true);
      assert.equal(await store().conversations.appendMessage(userText(q.id, 'x'), { statuses: [1, 2], userId: 'u2' }), null);
      assert.deepEqual(await store().outbox.claimEvents(30, 10), [
        { id: sent.message.id, type: 'message.created', questionId: q.id, messageId: sent.message.id, previous: null, to: null, createdAt: T0 + 5, attempts: 1 },
      ]);
    });

    it('keeps text that looks like an operator or a field path as plain text', async () => {
      const q = await newQuestion(store());
      for (const text of ['$where', '$last_seq', '{"$gt":""}']) {
        const r = (await store().conversations.appendMessage(userText(q.id, text), USER_GUARD))!;
        assert.equal(r.message.text, text);
        assert.equal(r.question.lastMessage!.text, text);
      }
    });

    it('refuses when the guard fails, writing nothing', async () => {
      const q = await newQuestion(store(), { userId: 'u1' });
      assert.equal(await store().conversations.appendMessage(userText(q.id, 'x'), { statuses: [1, 2], userId: 'u2' }), null);
      assert.equal(await store().conversations.appendMessage(userText(q.id, 'x', { sender: 's1', senderType: 2 }), { statuses: [2], servId: 's1' }), null);
      await serve(store(), q.id, 's1');
      assert.equal(await store().conversations.appendMessage(userText(q.id, 'x', { sender: 's2', senderType: 2 }), { statuses: [2], servId: 's2' }), null);
      assert.equal(await store().conversations.appendMessage(userText('0123456789abcdef01234567', 'x'), USER_GUARD), null);
      assert.equal((await store().conversations.getQuestion(q.id))!.lastSeq, 1);
      const agent = await store().conversations.appendMessage(userText(q.id, 'hi', { sender: 's1', senderType: 2 }), { statuses: [2], servId: 's1' });
      assert.equal(agent!.message.seq, 2);
    });

    it('clears a pending finish request only when the message says it cancels it (the domain decides)', async () => {
      const q = await newQuestion(store());
      await serve(store(), q.id, 's1');
      const ask = () =>
        store().conversations.transition({ questionId: q.id, from: [2], to: 2, servId: 's1', finishRequest: 'set', notice: { sender: 's1', senderType: 2, action: 3 }, now: T0 + 4 }, PREVIOUS);
      await ask();
      const agent = await store().conversations.appendMessage(userText(q.id, 'ok?', { sender: 's1', senderType: 2 }), { statuses: [2], servId: 's1' });
      assert.equal(agent!.question.finishRequestedAt, T0 + 4);
      const kept = await store().conversations.appendMessage(userText(q.id, 'hmm'), USER_GUARD);
      assert.equal(kept!.question.finishRequestedAt, T0 + 4, 'the store does not decide by sender type');
      const user = await store().conversations.appendMessage(userText(q.id, 'wait', { cancelsFinishRequest: true }), USER_GUARD);
      assert.equal(user!.question.finishRequestedAt, null);
    });

    it('gives 100 concurrent appends the seqs 1..100, each once', async () => {
      const q = await newQuestion(store());
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => store().conversations.appendMessage(userText(q.id, `m${i}`), USER_GUARD)));
      const seqs = results.map((r) => r!.message.seq).sort((a, b) => a - b);
      assert.deepEqual(seqs, Array.from({ length: 100 }, (_, i) => i + 1));
      assert.equal((await store().conversations.getQuestion(q.id))!.lastSeq, 100);
      const stored = await store().conversations.listMessages(q.id, { num: 50, offset: 50, sort: 1 });
      assert.deepEqual(stored.map((m) => m.seq), Array.from({ length: 50 }, (_, i) => i + 51));
    });

    it('returns the first message for a retry with the same client_msg_id, even after the question moved on', async () => {
      const q = await newQuestion(store());
      const first = (await store().conversations.appendMessage(userText(q.id, 'once', { clientMsgId: 'c-1' }), USER_GUARD))!;
      const again = (await store().conversations.appendMessage(userText(q.id, 'once', { clientMsgId: 'c-1', now: T0 + 9 }), USER_GUARD))!;
      assert.equal(again.duplicate, true);
      assert.deepEqual(again.message, first.message);
      await store().conversations.transition({ questionId: q.id, from: [1], to: 3, notice: { sender: 'system', senderType: 2, action: 5 }, now: T0 + 10 }, PREVIOUS);
      const late = (await store().conversations.appendMessage(userText(q.id, 'once', { clientMsgId: 'c-1' }), USER_GUARD))!;
      assert.equal(late.duplicate, true);
      assert.equal(late.message.id, first.message.id);
      assert.equal(late.question.status, 3);
      // The key is (session digest, client_msg_id): another session's c-1 is another message (refused here: resolved).
      assert.equal(await store().conversations.appendMessage(userText(q.id, 'x', { clientMsgId: 'c-1', sessionDigest: DIGEST_2 }), USER_GUARD), null);
      assert.equal((await store().conversations.getQuestion(q.id))!.lastSeq, 2);
    });

    it('answers retries of a stored client message as duplicates without touching the question (no finish request cleared)', async () => {
      const q = await newQuestion(store());
      await serve(store(), q.id, 's1');
      const first = (await store().conversations.appendMessage(userText(q.id, 'once', { clientMsgId: 'c-quiet', now: T0 + 3 }), USER_GUARD))!;
      await store().conversations.transition(
        { questionId: q.id, from: [2], to: 2, servId: 's1', finishRequest: 'set', notice: { sender: 's1', senderType: 2, action: 3 }, now: T0 + 4 },
        PREVIOUS,
      );
      const before = (await store().conversations.getQuestion(q.id))!;
      const retries = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          store().conversations.appendMessage(userText(q.id, 'once', { clientMsgId: 'c-quiet', cancelsFinishRequest: true, now: T0 + 10 + i }), USER_GUARD),
        ),
      );
      assert.deepEqual(retries.map((r) => [r!.duplicate, r!.message.id]), retries.map(() => [true, first.message.id]));
      assert.deepEqual(await store().conversations.getQuestion(q.id), before);
    });

    it('finds a message by (session digest, client_msg_id), and nothing for another session or id', async () => {
      const q = await newQuestion(store());
      const first = (await store().conversations.appendMessage(userText(q.id, 'keyed', { clientMsgId: 'c-find' }), USER_GUARD))!;
      assert.deepEqual(await store().conversations.findMessageByClientId(DIGEST_1, 'c-find'), first.message);
      assert.equal(await store().conversations.findMessageByClientId(DIGEST_2, 'c-find'), null);
      assert.equal(await store().conversations.findMessageByClientId(DIGEST_1, 'c-other'), null);
    });

    it('stores one message for 10 concurrent retries of one client message, spending one seq; the losers write nothing', async () => {
      const q = await newQuestion(store());
      // Each retry carries its own clock, so a loser that touched the question would show.
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store().conversations.appendMessage(userText(q.id, 'same', { clientMsgId: 'c-race', now: T0 + 2 + i }), USER_GUARD),
        ),
      );
      const fresh = results.filter((r) => !r!.duplicate);
      assert.equal(fresh.length, 1);
      const winner = fresh[0]!.message;
      const after = (await store().conversations.getQuestion(q.id))!;
      assert.equal(after.lastSeq, 1, 'no retry spent a seq of its own');
      assert.equal(after.lastActivityAt, winner.createdAt);
      assert.deepEqual(after.lastMessage, { text: 'same', timestamp: winner.createdAt, sender: 'u1', senderType: 1 });
      assert.equal((await drainEvents(store())).filter((e) => e.type === 'message.created').length, 1);
      const next = (await store().conversations.appendMessage(userText(q.id, 'next', { now: T0 + 20 }), USER_GUARD))!;
      assert.equal(next.message.seq, 2, 'the next message follows without a gap');
      assert.equal(new Set(results.map((r) => r!.message.id)).size, 1);
      const stored = await store().conversations.listMessages(q.id, { num: 50, offset: 0, sort: 1 });
      assert.equal(stored.filter((m) => m.text === 'same').length, 1);
    });

    it('lists by seq in both orders, by offset or after a seq, notices included', async () => {
      const q = await newQuestion(store());
      await store().conversations.appendMessage(userText(q.id, 'a'), USER_GUARD);
      await serve(store(), q.id, 's1');
      for (const text of ['b', 'c', 'd', 'e']) await store().conversations.appendMessage(userText(q.id, text), USER_GUARD);
      const list = (sort: 1 | -1, offset: number, afterSeq?: number) =>
        store().conversations.listMessages(q.id, { num: 2, offset, sort, afterSeq }).then((ms) => ms.map((m) => m.seq));
      assert.deepEqual(await list(1, 0), [1, 2]);
      assert.deepEqual(await list(1, 2), [3, 4]);
      assert.deepEqual(await list(-1, 0), [6, 5]);
      assert.deepEqual(await list(-1, 4), [2, 1]);
      assert.deepEqual(await list(1, 40, 2), [3, 4]);
      assert.deepEqual(await list(-1, 40, 3), [2, 1]);
      assert.deepEqual(await list(1, 0, 6), []);
      const all = await store().conversations.listMessages(q.id, { num: 50, offset: 0, sort: 1 });
      assert.deepEqual(all.map((m) => m.type), [3, 4, 3, 3, 3, 3]);
      assert.equal(all[1]!.action, 1);
      assert.deepEqual(await store().conversations.listMessages('0123456789abcdef01234567', { num: 5, offset: 0, sort: 1 }), []);
      assert.equal(await store().conversations.getMessage('0123456789abcdef01234567'), null);
      assert.equal(await store().conversations.getMessage('nope'), null);
    });
  });
}
