/** Contract part: an agent's max_concurrent holds inside the transition write, and its load follows every transition. */
import assert from 'node:assert/strict';
import type { QuestionRecord, TransitionWrite } from '../../../server/stores/types.js';
import { T0, applied, newQuestion, type GetStore } from './support.js';

export function capacityContract(store: GetStore): void {
  describe('capacity', () => {
    const addAgent = (servId: string, maxConcurrent: number) =>
      store().accounts.upsertAgent({ servId, passwordHash: 'h', name: servId, identifies: ['com.example.app'], maxConcurrent }, { endBindings: false, now: T0 });

    /** The serve of the state machine: pending → in progress by servId, within its capacity. */
    const serveWrite = (question: QuestionRecord, servId: string, now = T0 + 10): TransitionWrite => ({
      questionId: question.id,
      from: [1],
      to: 2,
      setServId: servId,
      withinCapacity: true,
      notice: { sender: servId, senderType: 2, action: 1 },
      now,
    });
    const serveOf = (question: QuestionRecord, servId: string, now?: number) =>
      store().conversations.transition(serveWrite(question, servId, now), { status: 1, servId: null });
    const finish = async (question: QuestionRecord, servId: string, now = T0 + 20) =>
      applied(
        await store().conversations.transition(
          { questionId: question.id, from: [2], to: 3, servId, notice: { sender: servId, senderType: 2, action: 4 }, now },
          { status: 2, servId },
        ),
      );
    const questions = (count: number) => Promise.all(Array.from({ length: count }, () => newQuestion(store())));

    it('20 concurrent serves by one agent at capacity 3 leave exactly 3 served, the rest refused as at capacity', async () => {
      await addAgent('s1', 3);
      const asked = await questions(20);
      const results = await Promise.all(asked.map((q) => serveOf(q, 's1')));
      const served = results.filter((r) => r !== null && r !== 'at_capacity');
      assert.equal(served.length, 3);
      assert.equal(results.filter((r) => r === 'at_capacity').length, 17);
      const inProgress = await store().conversations.listQuestions({ status: 2, servId: 's1' }, { num: 50, offset: 0, sort: 1 });
      assert.equal(inProgress.length, 3);
      assert.deepEqual(await store().conversations.loadsOf(['s1']), new Map([['s1', 3]]));
      // A refused serve wrote nothing: no notice, no seq spent, still in the queue.
      const refused = asked.filter((q) => !inProgress.some((p) => p.id === q.id));
      for (const q of refused) {
        const now = (await store().conversations.getQuestion(q.id))!;
        assert.equal(now.status, 1);
        assert.equal(now.lastSeq, 0);
      }
    });

    it('a finished question frees its seat; a quit one too; the next serve then fits', async () => {
      await addAgent('s1', 2);
      const [a, b, c, d] = await questions(4);
      applied(await serveOf(a!, 's1'));
      applied(await serveOf(b!, 's1'));
      assert.equal(await serveOf(c!, 's1'), 'at_capacity');
      await finish(a!, 's1');
      assert.deepEqual(await store().conversations.loadsOf(['s1']), new Map([['s1', 1]]));
      applied(await serveOf(c!, 's1', T0 + 21));
      assert.equal(await serveOf(d!, 's1', T0 + 22), 'at_capacity');
      applied(
        await store().conversations.transition(
          { questionId: b!.id, from: [2], to: 1, servId: 's1', setServId: null, notice: { sender: 's1', senderType: 2, action: 2 }, now: T0 + 23 },
          { status: 2, servId: 's1' },
        ),
      );
      applied(await serveOf(d!, 's1', T0 + 24));
      assert.deepEqual(await store().conversations.loadsOf(['s1', 's2']), new Map([['s1', 2], ['s2', 0]]));
    });

    it('0 is no limit; raising a limit admits more; a question taken elsewhere is refused as taken, not at capacity', async () => {
      await addAgent('s1', 0);
      const asked = await questions(6);
      for (const q of asked) applied(await serveOf(q, 's1'));
      assert.deepEqual(await store().conversations.loadsOf(['s1']), new Map([['s1', 6]]));

      await addAgent('s2', 1);
      const [x, y] = await questions(2);
      applied(await serveOf(x!, 's2'));
      assert.equal(await serveOf(y!, 's2'), 'at_capacity');
      await addAgent('s2', 2);
      assert.equal(await serveOf(asked[0]!, 's2'), null, 'in progress with s1 already');
      applied(await serveOf(y!, 's2'));
    });

    it('a reopen back to its agent counts in its load (no limit is checked for it) and a sweeper timeout frees it', async () => {
      await addAgent('s1', 1);
      const [q] = await questions(1);
      applied(await serveOf(q!, 's1'));
      await finish(q!, 's1');
      applied(
        await store().conversations.transition(
          { questionId: q!.id, from: [3], to: 2, servId: 's1', userId: 'u1', notice: { sender: 'u1', senderType: 1, action: 6 }, now: T0 + 30 },
          { status: 3, servId: 's1' },
        ),
      );
      assert.deepEqual(await store().conversations.loadsOf(['s1']), new Map([['s1', 1]]));
      const [other] = await questions(1);
      assert.equal(await serveOf(other!, 's1', T0 + 31), 'at_capacity');
      applied(
        await store().conversations.transition(
          { questionId: q!.id, from: [1, 2], to: 3, lastActivityBefore: T0 + 40, notice: { sender: 'system', senderType: 2, action: 5 }, now: T0 + 41 },
          { status: 2, servId: 's1' },
        ),
      );
      applied(await serveOf(other!, 's1', T0 + 42));
    });
  });
}
