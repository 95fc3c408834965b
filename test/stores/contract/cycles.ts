/**
 * Contract: cycle metrics kept by the conversation writes (ask, every row of the transition table,
 * append), and rating a cycle with its outbox event. Transitions are built from TRANSITIONS, so
 * each row's `metrics` facet is what is exercised.
 */
import assert from 'node:assert/strict';
import { STATUS } from '../../../shared/limits.js';
import { referenceReport } from '../reportReference.js';
import { TRANSITIONS, type TransitionName, type TransitionRule } from '../../../server/domain/stateMachine.js';
import type { CycleRecord, NewRating, QuestionRecord, Store, TransitionWrite } from '../../../server/stores/types.js';
import { T0, USER_GUARD, applied, drainEvents, newQuestion, userText, type GetStore } from './support.js';

/**
 * One row of the table applied as the transitioner would (without its authorization): `servId`
 * is the agent acting (or taking the question), `keepsAgent` whether a reopen returns to it.
 */
export async function applyRow(store: Store, question: QuestionRecord, name: TransitionName, now: number, servId?: string, keepsAgent = true): Promise<QuestionRecord> {
  const rule: TransitionRule = TRANSITIONS[name];
  const to = rule.to(question, keepsAgent);
  const write: TransitionWrite = {
    questionId: question.id,
    from: rule.from,
    to,
    notice: { sender: rule.by === 'user' ? question.userId : rule.by === 'system' ? 'system' : servId!, senderType: rule.by === 'user' ? 1 : 2, action: rule.action },
    now,
    setServId: rule.servId === 'caller' ? servId : rule.servId === 'clear' ? null : rule.servId === 'keepIfServed' && to !== STATUS.inProgress ? null : undefined,
    finishRequest: rule.finishRequest,
    finishRequested: rule.needsFinishRequest,
    cycle: rule.metrics,
  };
  return applied(await store.conversations.transition(write, { status: question.status, servId: question.servId })).question;
}

export const agentText = (questionId: string, servId: string, now: number, type: 1 | 2 | 3 = 3) =>
  userText(questionId, 'answer', { sender: servId, senderType: 2, type, now, ...(type === 3 ? {} : { text: undefined, mediaPath: '/v1/media/image/x.jpg' }) });

const rating = (questionId: string, score: number, now = T0 + 100): NewRating => ({ questionId, userId: 'u1', score, comment: 'ok', now });

/** The cycle without its generated id, for deepEqual. */
const facts = ({ id: _id, ...rest }: CycleRecord) => rest;

export function cyclesContract(store: GetStore): void {
  describe('cycles', () => {
    it('keeps one cycle from the ask to the resolution: first serve, first agent message, counts, agents, outcome', async () => {
      let q = await newQuestion(store(), { labels: ['billing'] });
      await store().conversations.appendMessage(userText(q.id, 'hello', { now: T0 + 1 }), USER_GUARD);
      q = await applyRow(store(), q, 'serve', T0 + 10, 's1');
      await store().conversations.appendMessage(agentText(q.id, 's1', T0 + 15, 2), { statuses: [2], servId: 's1' });
      await store().conversations.appendMessage(agentText(q.id, 's1', T0 + 20), { statuses: [2], servId: 's1' });
      await store().conversations.appendMessage(userText(q.id, 'thanks', { now: T0 + 25 }), USER_GUARD);
      q = await applyRow(store(), q, 'requestFinish', T0 + 30, 's1');
      q = await applyRow(store(), q, 'confirmFinish', T0 + 40);
      const [cycle, ...more] = await store().cycles.listCycles(q.id);
      assert.equal(more.length, 0);
      assert.deepEqual(facts(cycle!), {
        questionId: q.id, identify: 'com.example.app', n: 1, labels: ['billing'], startedAt: T0, servedAt: T0 + 10, firstResponseAt: T0 + 15,
        resolvedAt: T0 + 40, outcome: 'confirmed', userMessages: 2, agentMessages: 2, agents: ['s1'], lastAgent: 's1', rating: null,
      });
      assert.deepEqual(await store().cycles.getCycle(cycle!.id), cycle);
    });

    it('a quit keeps the first serve; every agent is involved once; the last one is the agent at the end', async () => {
      let q = await newQuestion(store());
      q = await applyRow(store(), q, 'serve', T0 + 5, 's1');
      q = await applyRow(store(), q, 'quit', T0 + 6, 's1');
      q = await applyRow(store(), q, 'serve', T0 + 9, 's2');
      q = await applyRow(store(), q, 'quit', T0 + 10, 's2');
      q = await applyRow(store(), q, 'serve', T0 + 11, 's1');
      await store().conversations.appendMessage(agentText(q.id, 's1', T0 + 12), { statuses: [2], servId: 's1' });
      q = await applyRow(store(), q, 'finish', T0 + 13, 's1');
      const [cycle] = await store().cycles.listCycles(q.id);
      assert.deepEqual([cycle!.servedAt, cycle!.firstResponseAt, cycle!.agents, cycle!.lastAgent, cycle!.outcome], [T0 + 5, T0 + 12, ['s1', 's2'], 's1', 'finished']);
    });

    it('a reopen starts the next cycle: back to its agent (served at once) or to the queue; a timeout ends one unserved', async () => {
      let q = await newQuestion(store());
      q = await applyRow(store(), q, 'serve', T0 + 1, 's1');
      q = await applyRow(store(), q, 'finish', T0 + 2, 's1');
      q = await applyRow(store(), q, 'reopen', T0 + 50, undefined, true);
      assert.equal(q.status, STATUS.inProgress);
      q = await applyRow(store(), q, 'finish', T0 + 60, 's1');
      q = await applyRow(store(), q, 'reopen', T0 + 100, undefined, false);
      assert.equal(q.status, STATUS.pending);
      await store().conversations.appendMessage(userText(q.id, 'again', { now: T0 + 101 }), USER_GUARD);
      q = await applyRow(store(), q, 'timeOut', T0 + 200);
      const cycles = await store().cycles.listCycles(q.id);
      assert.deepEqual(cycles.map((c) => [c.n, c.startedAt, c.servedAt, c.resolvedAt, c.outcome, c.agents, c.userMessages]), [
        [1, T0, T0 + 1, T0 + 2, 'finished', ['s1'], 0],
        [2, T0 + 50, T0 + 50, T0 + 60, 'finished', ['s1'], 0],
        [3, T0 + 100, null, T0 + 200, 'timed_out', [], 1],
      ]);
    });

    it('rates the latest resolved cycle once, with a question.rated event in the same write', async () => {
      let q = await newQuestion(store());
      assert.equal(await store().cycles.rate(rating(q.id, 5)), 'not_resolved');
      q = await applyRow(store(), q, 'serve', T0 + 1, 's1');
      q = await applyRow(store(), q, 'finish', T0 + 2, 's1');
      await drainEvents(store());
      assert.equal(await store().cycles.rate({ ...rating(q.id, 5), userId: 'someone else' }), 'not_resolved');
      const rated = await store().cycles.rate(rating(q.id, 4));
      assert.ok(typeof rated === 'object');
      assert.deepEqual([rated.n, rated.rating], [1, { score: 4, comment: 'ok', ratedAt: T0 + 100 }]);
      const events = await drainEvents(store());
      assert.deepEqual(events.map((e) => [e.id, e.type, e.questionId, e.messageId]), [[rated.id, 'question.rated', q.id, null]]);
      assert.equal(await store().cycles.rate(rating(q.id, 1)), 'already_rated');
      assert.equal(await store().outbox.countEvents(), 0, 'a refused rating records nothing');
      q = await applyRow(store(), q, 'reopen', T0 + 200, undefined, true);
      assert.equal(await store().cycles.rate(rating(q.id, 2)), 'not_resolved', 'the open cycle is not rated');
      q = await applyRow(store(), q, 'finish', T0 + 300, 's1');
      const second = await store().cycles.rate(rating(q.id, 2));
      assert.ok(typeof second === 'object');
      assert.equal(second.n, 2);
      assert.deepEqual((await store().cycles.listCycles(q.id)).map((c) => c.rating?.score), [4, 2]);
    });

    it('reports the same numbers as folding the scanned facts, for every grouping', async () => {
      // Cycles over three days, two agents, labels (one question with two), quits, reopens, timeouts, ratings.
      for (let i = 0; i < 24; i++) {
        const at = T0 + i * 9000;
        let q = await newQuestion(store(), { now: at, labels: [[], ['billing'], ['billing', 'vip']][i % 3]! });
        if (i % 5 === 0) {
          await applyRow(store(), q, 'timeOut', at + 100 + i);
          continue;
        }
        const agent = i % 2 ? 's1' : 's2';
        q = await applyRow(store(), q, 'serve', at + (i % 7) * 11, agent);
        if (i % 4) await store().conversations.appendMessage(agentText(q.id, agent, at + 100 + i), { statuses: [2], servId: agent });
        q = await applyRow(store(), q, i % 6 ? 'finish' : 'timeOut', at + 1000 + i * 13, agent);
        if (i % 3) await store().cycles.rate({ ...rating(q.id, 1 + (i % 5)), now: at + 2000 });
        if (i % 4 === 1) await applyRow(store(), q, 'reopen', at + 3000, undefined, i % 8 === 1);
      }
      const scan = { identify: 'com.example.app', from: T0 + 5000, to: T0 + 200_000 };
      for (const groupBy of [undefined, 'day', 'agent', 'label'] as const) {
        const expected = referenceReport(await store().cycles.scanCycles({ ...scan, labels: true }), groupBy);
        const actual = await store().cycles.reportCycles(scan, groupBy);
        const rounded = (r: typeof actual) => JSON.parse(JSON.stringify(r, (_k, v) => (typeof v === 'number' ? Math.round(v * 1e3) / 1e3 : v)));
        assert.deepEqual(rounded(actual), rounded(expected), `group_by ${groupBy}`);
        assert.ok(actual.total.asked + actual.total.reopened > 20);
      }
      const empty = await store().cycles.reportCycles({ identify: 'com.nothing', from: T0, to: T0 + 1 }, 'day');
      assert.deepEqual(empty, referenceReport([], 'day'));
    });

    it('scans the cycles of one app started in [from, to)', async () => {
      await newQuestion(store(), { now: T0 });
      await newQuestion(store(), { now: T0 + 10 });
      await newQuestion(store(), { now: T0 + 20, identify: 'com.other' });
      let b = await newQuestion(store(), { now: T0 + 30, labels: ['vip'] });
      b = await applyRow(store(), b, 'serve', T0 + 31, 's9');
      await applyRow(store(), b, 'timeOut', T0 + 40);
      const scanned = await store().cycles.scanCycles({ identify: 'com.example.app', from: T0 + 5, to: T0 + 31, labels: true });
      assert.deepEqual(
        scanned.sort((x, y) => x.startedAt - y.startedAt).map((c) => [c.startedAt, c.servedAt, c.outcome, c.lastAgent, c.labels]),
        [
          [T0 + 10, null, null, null, []],
          [T0 + 30, T0 + 31, 'timed_out', 's9', ['vip']],
        ],
      );
    });
  });
}
