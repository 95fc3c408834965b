/** Contract: appending chat messages (guards, seq, idempotency, races) and reading them by seq. */
import assert from 'node:assert/strict';
import { T0, USER_GUARD, newQuestion, serve, userText, type GetStore } from './support.js';

export function messagesContract(store: GetStore): void {
  describe('messages', () => {
    it('appends with the next seq and updates the last-message fields', async () => {
      const q = await newQuestion(store());
      const first = (await store().appendMessage(userText(q.id, 'hello', { now: T0 + 3 }), USER_GUARD))!;
      assert.equal(first.duplicate, false);
      assert.deepEqual({ ...first.message, id: undefined }, {
        id: undefined, questionId: q.id, seq: 1, sender: 'u1', senderType: 1, type: 3, createdAt: T0 + 3, text: 'hello',
      });
      assert.deepEqual(first.question.lastMessage, { text: 'hello', timestamp: T0 + 3, sender: 'u1', senderType: 1 });
      assert.equal(first.question.lastActivityAt, T0 + 3);
      assert.equal(first.question.lastSeq, 1);
      const image = (await store().appendMessage(
        userText(q.id, '', { type: 2, text: undefined, mediaPath: '/v1/media/image/x.jpg', summaryText: '[image]' }),
        USER_GUARD,
      ))!;
      assert.equal(image.message.seq, 2);
      assert.equal(image.message.mediaPath, '/v1/media/image/x.jpg');
      assert.equal('text' in image.message, false);
      assert.equal(image.question.lastMessage!.text, '[image]');
      assert.deepEqual(await store().getMessage(image.message.id), image.message);
    });

    it('keeps text that looks like an operator or a field path as plain text', async () => {
      const q = await newQuestion(store());
      for (const text of ['$where', '$last_seq', '{"$gt":""}']) {
        const r = (await store().appendMessage(userText(q.id, text), USER_GUARD))!;
        assert.equal(r.message.text, text);
        assert.equal(r.question.lastMessage!.text, text);
      }
    });

    it('refuses when the guard fails, writing nothing', async () => {
      const q = await newQuestion(store(), { userId: 'u1' });
      assert.equal(await store().appendMessage(userText(q.id, 'x'), { statuses: [1, 2], userId: 'u2' }), null);
      assert.equal(await store().appendMessage(userText(q.id, 'x', { sender: 's1', senderType: 2 }), { statuses: [2], servId: 's1' }), null);
      await serve(store(), q.id, 's1');
      assert.equal(await store().appendMessage(userText(q.id, 'x', { sender: 's2', senderType: 2 }), { statuses: [2], servId: 's2' }), null);
      assert.equal(await store().appendMessage(userText('0123456789abcdef01234567', 'x'), USER_GUARD), null);
      assert.equal((await store().getQuestion(q.id))!.lastSeq, 1);
      const agent = await store().appendMessage(userText(q.id, 'hi', { sender: 's1', senderType: 2 }), { statuses: [2], servId: 's1' });
      assert.equal(agent!.message.seq, 2);
    });

    it('a user message cancels a pending finish request; an agent message does not', async () => {
      const q = await newQuestion(store());
      await serve(store(), q.id, 's1');
      const ask = () =>
        store().transition({ questionId: q.id, from: [2], to: 2, servId: 's1', finishRequest: 'set', notice: { sender: 's1', senderType: 2, action: 3 }, now: T0 + 4 });
      await ask();
      const agent = await store().appendMessage(userText(q.id, 'ok?', { sender: 's1', senderType: 2 }), { statuses: [2], servId: 's1' });
      assert.equal(agent!.question.finishRequestedAt, T0 + 4);
      const user = await store().appendMessage(userText(q.id, 'wait'), USER_GUARD);
      assert.equal(user!.question.finishRequestedAt, null);
    });

    it('gives 100 concurrent appends the seqs 1..100, each once', async () => {
      const q = await newQuestion(store());
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => store().appendMessage(userText(q.id, `m${i}`), USER_GUARD)));
      const seqs = results.map((r) => r!.message.seq).sort((a, b) => a - b);
      assert.deepEqual(seqs, Array.from({ length: 100 }, (_, i) => i + 1));
      assert.equal((await store().getQuestion(q.id))!.lastSeq, 100);
      const stored = await store().listMessages(q.id, { num: 50, offset: 50, sort: 1 });
      assert.deepEqual(stored.map((m) => m.seq), Array.from({ length: 50 }, (_, i) => i + 51));
    });

    it('returns the first message for a retry with the same client_msg_id, even after the question moved on', async () => {
      const q = await newQuestion(store());
      const first = (await store().appendMessage(userText(q.id, 'once', { clientMsgId: 'c-1' }), USER_GUARD))!;
      const again = (await store().appendMessage(userText(q.id, 'once', { clientMsgId: 'c-1', now: T0 + 9 }), USER_GUARD))!;
      assert.equal(again.duplicate, true);
      assert.deepEqual(again.message, first.message);
      await store().transition({ questionId: q.id, from: [1], to: 3, notice: { sender: 'system', senderType: 2, action: 5 }, now: T0 + 10 });
      const late = (await store().appendMessage(userText(q.id, 'once', { clientMsgId: 'c-1' }), USER_GUARD))!;
      assert.equal(late.duplicate, true);
      assert.equal(late.message.id, first.message.id);
      assert.equal(late.question.status, 3);
      // The key is (session, client_msg_id): another session's c-1 is another message (refused here: resolved).
      assert.equal(await store().appendMessage(userText(q.id, 'x', { clientMsgId: 'c-1', session: 'SESSION00002' }), USER_GUARD), null);
      assert.equal((await store().getQuestion(q.id))!.lastSeq, 2);
    });

    it('finds a message by (session, client_msg_id), and nothing for another session or id', async () => {
      const q = await newQuestion(store());
      const first = (await store().appendMessage(userText(q.id, 'keyed', { clientMsgId: 'c-find' }), USER_GUARD))!;
      assert.deepEqual(await store().findMessageByClientId('SESSION00001', 'c-find'), first.message);
      assert.equal(await store().findMessageByClientId('SESSION00002', 'c-find'), null);
      assert.equal(await store().findMessageByClientId('SESSION00001', 'c-other'), null);
    });

    it('stores one message for 10 concurrent retries of one client message', async () => {
      const q = await newQuestion(store());
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store().appendMessage(userText(q.id, 'same', { clientMsgId: 'c-race' }), USER_GUARD)),
      );
      const fresh = results.filter((r) => !r!.duplicate);
      assert.equal(fresh.length, 1);
      assert.equal(new Set(results.map((r) => r!.message.id)).size, 1);
      const stored = await store().listMessages(q.id, { num: 50, offset: 0, sort: 1 });
      assert.equal(stored.filter((m) => m.text === 'same').length, 1);
    });

    it('lists by seq in both orders, by offset or after a seq, notices included', async () => {
      const q = await newQuestion(store());
      await store().appendMessage(userText(q.id, 'a'), USER_GUARD);
      await serve(store(), q.id, 's1');
      for (const text of ['b', 'c', 'd', 'e']) await store().appendMessage(userText(q.id, text), USER_GUARD);
      const list = (sort: 1 | -1, offset: number, afterSeq?: number) =>
        store().listMessages(q.id, { num: 2, offset, sort, afterSeq }).then((ms) => ms.map((m) => m.seq));
      assert.deepEqual(await list(1, 0), [1, 2]);
      assert.deepEqual(await list(1, 2), [3, 4]);
      assert.deepEqual(await list(-1, 0), [6, 5]);
      assert.deepEqual(await list(-1, 4), [2, 1]);
      assert.deepEqual(await list(1, 40, 2), [3, 4]);
      assert.deepEqual(await list(-1, 40, 3), [2, 1]);
      assert.deepEqual(await list(1, 0, 6), []);
      const all = await store().listMessages(q.id, { num: 50, offset: 0, sort: 1 });
      assert.deepEqual(all.map((m) => m.type), [3, 4, 3, 3, 3, 3]);
      assert.equal(all[1]!.action, 1);
      assert.deepEqual(await store().listMessages('0123456789abcdef01234567', { num: 5, offset: 0, sort: 1 }), []);
      assert.equal(await store().getMessage('0123456789abcdef01234567'), null);
      assert.equal(await store().getMessage('nope'), null);
    });
  });
}
