/**
 * Contract part (issue 12, auto-assign): an app's routing, who last quit a question (and the write
 * that refuses to hand it back to that agent), when an agent was last given a question, and where a
 * reopen went, stored on its notice.
 */
import assert from 'node:assert/strict';
import type { QuestionRecord, TransitionWrite } from '../../../server/stores/types.js';
import { T0, applied, newQuestion, type GetStore } from './support.js';

export function routingContract(store: GetStore): void {
  describe('routing (auto-assign)', () => {
    const addAgent = (servId: string, maxConcurrent = 0) =>
      store().accounts.upsertAgent({ servId, passwordHash: 'h', name: servId, identifies: ['com.example.app'], maxConcurrent }, { endBindings: false, now: T0 });
    const assignWrite = (question: QuestionRecord, servId: string, now: number): TransitionWrite => ({
      questionId: question.id,
      from: [1],
      to: 2,
      setServId: servId,
      withinCapacity: true,
      notQuitBy: servId,
      setQuitServId: null,
      notice: { sender: servId, senderType: 2, action: 1 },
      now,
    });
    const assign = (question: QuestionRecord, servId: string, now = T0 + 10) =>
      store().conversations.transition(assignWrite(question, servId, now), { status: 1, servId: null });
    const quit = (question: QuestionRecord, servId: string, now = T0 + 20) =>
      store().conversations.transition(
        { questionId: question.id, from: [2], to: 1, servId, setServId: null, setQuitServId: servId, notice: { sender: servId, senderType: 2, action: 2 }, now },
        { status: 2, servId },
      );

    it('stores an app routing: manual by default, kept by an upsert that leaves it out, changed by one that gives it', async () => {
      await store().accounts.upsertApp({ identify: 'com.r', name: 'R', createdAt: T0 });
      assert.equal((await store().accounts.getApp('com.r'))?.routing, 'manual');
      await store().accounts.upsertApp({ identify: 'com.r', name: 'R', createdAt: T0, routing: 'auto' });
      await store().accounts.upsertApp({ identify: 'com.r', name: 'R2', createdAt: T0 });
      assert.deepEqual(await store().accounts.getApp('com.r'), { identify: 'com.r', name: 'R2', createdAt: T0, routing: 'auto' });
      assert.deepEqual((await store().accounts.listApps({ num: 10 })).map((a) => a.routing), ['auto']);
      await store().accounts.upsertApp({ identify: 'com.new', name: 'N', createdAt: T0, routing: 'auto' });
      assert.equal((await store().accounts.getApp('com.new'))?.routing, 'auto');
      await store().accounts.upsertApp({ identify: 'com.r', name: 'R2', createdAt: T0, routing: 'manual' });
      assert.equal((await store().accounts.getApp('com.r'))?.routing, 'manual');
    });

    it('records who quit a question; an assignment to that agent writes nothing, to another one clears it', async () => {
      await addAgent('s1');
      await addAgent('s2');
      const q = await newQuestion(store());
      assert.equal(q.quitServId, undefined);
      applied(await assign(q, 's1'));
      const quitted = applied(await quit(q, 's1'));
      assert.equal(quitted.question.quitServId, 's1');
      assert.equal((await store().conversations.getQuestion(q.id))?.quitServId, 's1');
      assert.equal(await assign(q, 's1', T0 + 30), null);
      const back = await store().conversations.getQuestion(q.id);
      assert.deepEqual([back?.status, back?.lastSeq], [1, 2], 'the refused write changed nothing');
      const given = applied(await assign(q, 's2', T0 + 31));
      assert.deepEqual([given.question.servId, given.question.quitServId], ['s2', undefined]);
    });

    it('records when an agent was last given a question, in the transition that gives it', async () => {
      await addAgent('s1');
      assert.equal((await store().accounts.getAgent('s1'))?.lastAssignedAt, undefined);
      const [a, b] = [await newQuestion(store()), await newQuestion(store())];
      applied(await assign(a, 's1', T0 + 10));
      assert.equal((await store().accounts.getAgent('s1'))?.lastAssignedAt, T0 + 10);
      applied(await assign(b, 's1', T0 + 12));
      assert.equal((await store().accounts.getAgent('s1'))?.lastAssignedAt, T0 + 12);
      assert.equal((await store().accounts.listAgentsOfApp('com.example.app'))[0]?.lastAssignedAt, T0 + 12);
      // A refused assignment (at capacity) leaves it as it was.
      await addAgent('s2', 1);
      const [c, d] = [await newQuestion(store()), await newQuestion(store())];
      applied(await assign(c, 's2', T0 + 20));
      assert.equal(await assign(d, 's2', T0 + 21), 'at_capacity');
      assert.equal((await store().accounts.getAgent('s2'))?.lastAssignedAt, T0 + 20);
    });

    it('keeps where a reopen went on its notice: the agent, or null for the queue; other notices carry none', async () => {
      await addAgent('s1');
      const q = await newQuestion(store());
      const served = applied(await assign(q, 's1'));
      assert.equal(served.notice.servId, undefined);
      applied(await store().conversations.transition({ questionId: q.id, from: [2], to: 3, servId: 's1', notice: { sender: 's1', senderType: 2, action: 4 }, now: T0 + 20 }, { status: 2, servId: 's1' }));
      const back = applied(
        await store().conversations.transition(
          { questionId: q.id, from: [3], to: 2, servId: 's1', setServId: 's1', withinCapacity: true, userId: 'u1', notice: { sender: 'u1', senderType: 1, action: 6, servId: 's1' }, now: T0 + 30 },
          { status: 3, servId: 's1' },
        ),
      );
      assert.equal(back.notice.servId, 's1');
      applied(await store().conversations.transition({ questionId: q.id, from: [2], to: 3, servId: 's1', notice: { sender: 's1', senderType: 2, action: 4 }, now: T0 + 40 }, { status: 2, servId: 's1' }));
      const queued = applied(
        await store().conversations.transition(
          { questionId: q.id, from: [3], to: 1, setServId: null, userId: 'u1', notice: { sender: 'u1', senderType: 1, action: 6, servId: null }, now: T0 + 50 },
          { status: 3, servId: 's1' },
        ),
      );
      assert.equal(queued.notice.servId, null);
      const notices = await store().conversations.listMessages(q.id, { num: 10, offset: 0, sort: 1 });
      assert.deepEqual(notices.map((m) => [m.action, m.servId]), [[1, undefined], [4, undefined], [6, 's1'], [4, undefined], [6, null]]);
      assert.deepEqual(await store().conversations.getMessage(back.notice.id), back.notice);
    });
  });
}
