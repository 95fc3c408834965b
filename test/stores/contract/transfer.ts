/**
 * Contract part: a transfer (issue 12) is one conditional write from the serving agent to another,
 * held to the target's max_concurrent inside the write, whose notice (action 7) stores both agents;
 * against a concurrent finish exactly one of them is written.
 */
import assert from 'node:assert/strict';
import type { QuestionRecord, TransitionWrite } from '../../../server/stores/types.js';
import { T0, applied, drainEvents, newQuestion, serve, type GetStore } from './support.js';

export function transferContract(store: GetStore): void {
  describe('transfer', () => {
    const addAgent = (servId: string, maxConcurrent: number) =>
      store().accounts.upsertAgent({ servId, passwordHash: 'h', name: servId, identifies: ['com.example.app'], maxConcurrent }, { endBindings: false, now: T0 });

    /** The transfer row of the state machine: in progress with `from`, handed to `to` within its capacity. */
    const transferWrite = (question: QuestionRecord, from: string, to: string, now = T0 + 10): TransitionWrite => ({
      questionId: question.id,
      from: [2],
      to: 2,
      servId: from,
      setServId: to,
      withinCapacity: true,
      notice: { sender: from, senderType: 2, action: 7, fromServId: from, servId: to },
      now,
    });
    const transfer = (question: QuestionRecord, from: string, to: string, now?: number) =>
      store().conversations.transition(transferWrite(question, from, to, now), { status: 2, servId: from });
    const finishWrite = (question: QuestionRecord, servId: string, now = T0 + 10): TransitionWrite => ({
      questionId: question.id,
      from: [2],
      to: 3,
      servId,
      notice: { sender: servId, senderType: 2, action: 4 },
      now,
    });
    const served = async (servId: string) => {
      const question = await newQuestion(store());
      return serve(store(), question.id, servId);
    };

    it('hands the question over with a notice naming both agents, read back by every read; the load moves', async () => {
      await addAgent('s1', 0);
      await addAgent('s2', 2);
      const question = await served('s1');
      await drainEvents(store());
      const result = applied(await transfer(question, 's1', 's2'));
      assert.equal(result.question.status, 2);
      assert.equal(result.question.servId, 's2');
      assert.equal(result.question.lastSeq, 2);
      const expected = {
        id: result.notice.id,
        questionId: question.id,
        seq: 2,
        sender: 's1',
        senderType: 2,
        type: 4,
        createdAt: T0 + 10,
        action: 7,
        fromServId: 's1',
        servId: 's2',
      };
      assert.deepEqual(result.notice, expected);
      assert.deepEqual(await store().conversations.getMessage(result.notice.id), expected);
      const listed = await store().conversations.listMessages(question.id, { num: 10, offset: 0, sort: 1 });
      assert.deepEqual(listed.at(-1), expected);
      // The serve notice carries neither field.
      assert.equal('fromServId' in listed[0]!, false);
      assert.equal('servId' in listed[0]!, false);
      const [event] = await drainEvents(store());
      assert.deepEqual([event!.type, event!.previous, event!.to], ['question.transitioned', { status: 2, servId: 's1' }, { status: 2, servId: 's2' }]);
      assert.deepEqual(await store().conversations.loadsOf(['s1', 's2']), new Map([['s1', 0], ['s2', 1]]));
    });

    it('refuses a target at capacity ("at_capacity", nothing written) and one that is not the serving agent (null)', async () => {
      await addAgent('s1', 0);
      await addAgent('s2', 1);
      const question = await served('s1');
      await served('s2');
      assert.equal(await transfer(question, 's1', 's2'), 'at_capacity');
      assert.equal(await transfer(question, 's3', 's1'), null, 's3 does not serve it');
      const now = (await store().conversations.getQuestion(question.id))!;
      assert.deepEqual([now.servId, now.lastSeq], ['s1', 1]);
      assert.deepEqual(await store().conversations.loadsOf(['s1', 's2']), new Map([['s1', 1], ['s2', 1]]));
    });

    it('five transfers at once to a target with two free seats: exactly two land', async () => {
      await addAgent('s1', 0);
      await addAgent('s2', 2);
      const questions = await Promise.all(Array.from({ length: 5 }, () => served('s1')));
      const results = await Promise.all(questions.map((q) => transfer(q, 's1', 's2')));
      assert.equal(results.filter((r) => r !== null && r !== 'at_capacity').length, 2);
      assert.equal(results.filter((r) => r === 'at_capacity').length, 3);
      assert.deepEqual(await store().conversations.loadsOf(['s1', 's2']), new Map([['s1', 3], ['s2', 2]]));
    });

    it('a transfer racing a finish: exactly one is written, and the state is that one', async () => {
      await addAgent('s1', 0);
      await addAgent('s2', 1);
      for (let round = 0; round < 6; round++) {
        const question = await served('s1');
        // Alternate which write is issued first.
        const moving = () => transfer(question, 's1', 's2', T0 + 10 + round);
        const finishing = () => store().conversations.transition(finishWrite(question, 's1', T0 + 10 + round), { status: 2, servId: 's1' });
        const [moved, finished] =
          round % 2 === 0 ? await Promise.all([moving(), finishing()]) : (await Promise.all([finishing(), moving()])).reverse();
        const written = [moved, finished].filter((r) => r !== null && r !== 'at_capacity');
        assert.equal(written.length, 1, `round ${round}`);
        const now = (await store().conversations.getQuestion(question.id))!;
        const notices = await store().conversations.listMessages(question.id, { num: 10, offset: 0, sort: 1 });
        if (moved !== null && moved !== 'at_capacity') {
          assert.deepEqual([now.status, now.servId], [2, 's2']);
          assert.deepEqual(notices.map((m) => m.action), [1, 7]);
          // Free s2 for the next round: its one seat is taken by this question.
          applied(await store().conversations.transition(finishWrite(now, 's2', T0 + 50 + round), { status: 2, servId: 's2' }));
        } else {
          assert.deepEqual([now.status, now.servId], [3, 's1']);
          assert.deepEqual(notices.map((m) => m.action), [1, 4]);
        }
        // Whoever won, s2's one seat is free again: a lost transfer leaves no seat behind.
        assert.deepEqual(await store().conversations.loadsOf(['s2']), new Map([['s2', 0]]));
        const probe = await served('s1');
        applied(await transfer(probe, 's1', 's2', T0 + 60 + round));
        applied(await store().conversations.transition(finishWrite(probe, 's2', T0 + 61 + round), { status: 2, servId: 's2' }));
      }
    });
  });
}
