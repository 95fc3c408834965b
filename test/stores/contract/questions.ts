/** Contract: questions, their lists and paging, state transitions with their guards, timeouts. */
import assert from 'node:assert/strict';
import type { QuestionRecord, TransitionWrite } from '../../../server/stores/types.js';
import { T0, USER_GUARD, applied, drainEvents, newQuestion, serve, userText, type GetStore } from './support.js';

/** The question as a transition's caller loaded it (only recorded in the outbox event). */
const PREVIOUS = { status: 1 as const, servId: null };

const ids = (questions: QuestionRecord[]) => questions.map((q) => q.id);

export function questionsContract(store: GetStore): void {
  describe('questions', () => {
    it('creates a pending question with no agent, no messages and its labels', async () => {
      const q = await newQuestion(store(), { labels: ['激活', '安卓4.3'], title: 'Cannot log in' });
      assert.match(q.id, /^[0-9a-f]{24}$/);
      assert.deepEqual(
        { ...q, id: undefined },
        {
          id: undefined,
          identify: 'com.example.app',
          userId: 'u1',
          title: 'Cannot log in',
          labels: ['激活', '安卓4.3'],
          status: 1,
          servId: null,
          createdAt: T0,
          statusAt: T0,
          lastActivityAt: T0,
          finishRequestedAt: null,
          lastMessage: null,
          lastSeq: 0,
        },
      );
      assert.deepEqual(await store().conversations.getQuestion(q.id), q);
    });

    it('records question.created in the same write, with the question id', async () => {
      const q = await newQuestion(store(), { now: T0 + 3 });
      assert.equal(await store().outbox.countEvents(), 1);
      const [event] = await store().outbox.claimEvents(30, 10);
      assert.deepEqual(event, {
        id: q.id,
        type: 'question.created',
        questionId: q.id,
        messageId: null,
        previous: null,
        to: null,
        createdAt: T0 + 3,
        attempts: 1,
      });
    });

    it('counts the pending questions of every app, 0 for an empty queue, none for a removed app', async () => {
      for (const identify of ['com.a', 'com.b', 'com.gone']) await store().accounts.upsertApp({ identify, name: identify, createdAt: T0 });
      await newQuestion(store(), { identify: 'com.a', now: T0 });
      const served = await newQuestion(store(), { identify: 'com.a', now: T0 + 1 });
      await newQuestion(store(), { identify: 'com.a', now: T0 + 2 });
      await newQuestion(store(), { identify: 'com.gone', now: T0 + 3 });
      await serve(store(), served.id, 'agent1');
      await store().accounts.deleteApp('com.gone', T0 + 4);
      assert.deepEqual(Object.fromEntries(await store().conversations.queueDepths()), { 'com.a': 2, 'com.b': 0 });
    });

    it('answers null for a missing or malformed id', async () => {
      assert.equal(await store().conversations.getQuestion('0123456789abcdef01234567'), null);
      assert.equal(await store().conversations.getQuestion('not-an-id'), null);
    });

    it('filters lists by status, apps, user, agent and exact label', async () => {
      const a = await newQuestion(store(), { identify: 'com.a', userId: 'u1', labels: ['x', 'y'], now: T0 });
      const b = await newQuestion(store(), { identify: 'com.b', userId: 'u2', labels: ['x.*'], now: T0 + 1 });
      const c = await newQuestion(store(), { identify: 'com.a', userId: 'u2', labels: ['y'], now: T0 + 2 });
      await serve(store(), c.id, 's1', T0 + 3);
      const page = { num: 20, offset: 0, sort: 1 as const };
      assert.deepEqual(ids(await store().conversations.listQuestions({ status: 1 }, page)), [a.id, b.id]);
      assert.deepEqual(ids(await store().conversations.listQuestions({ identifies: ['com.a'] }, page)), [a.id, c.id]);
      assert.deepEqual(ids(await store().conversations.listQuestions({ identifies: [] }, page)), []);
      assert.deepEqual(ids(await store().conversations.listQuestions({ userId: 'u2' }, page)), [b.id, c.id]);
      assert.deepEqual(ids(await store().conversations.listQuestions({ servId: 's1', status: 2 }, page)), [c.id]);
      assert.deepEqual(ids(await store().conversations.listQuestions({ label: 'x' }, page)), [a.id]);
      // Labels match exactly: no pattern, no prefix.
      assert.deepEqual(ids(await store().conversations.listQuestions({ label: 'x.*' }, page)), [b.id]);
      assert.deepEqual(ids(await store().conversations.listQuestions({ label: '.*' }, page)), []);
      assert.deepEqual(ids(await store().conversations.listQuestions({ label: 'y', status: 1, identifies: ['com.a', 'com.b'] }, page)), [a.id]);
    });

    it("lists summaries: listQuestions' page, each question's listed fields with its user's name and image", async () => {
      await store().accounts.upsertUser({ userId: 'u1', name: 'Ann', imageUrl: 'https://img.example/a.png', deviceCount: 2, groupCount: 1 });
      const a = await newQuestion(store(), { identify: 'com.a', userId: 'u1', labels: ['x', 'y'], title: 'First', now: T0 });
      const b = await newQuestion(store(), { identify: 'com.a', userId: 'nobody', now: T0 + 1 });
      const c = await newQuestion(store(), { identify: 'com.b', userId: 'u1', now: T0 + 2 });
      await store().conversations.appendMessage(userText(a.id, 'hello', { now: T0 + 3 }), USER_GUARD);
      await serve(store(), c.id, 's1', T0 + 4);
      const ann = { name: 'Ann', imageUrl: 'https://img.example/a.png' };
      const page = { num: 20, offset: 0, sort: -1 as const };
      assert.deepEqual(await store().conversations.listQuestionSummaries({ status: 1, identifies: ['com.a'] }, page), [
        { question: { id: b.id, identify: 'com.a', userId: 'nobody', title: 'Help', labels: [], createdAt: T0 + 1, lastMessage: null }, user: null },
        {
          question: {
            id: a.id,
            identify: 'com.a',
            userId: 'u1',
            title: 'First',
            labels: ['x', 'y'],
            createdAt: T0,
            lastMessage: { text: 'hello', timestamp: T0 + 3, sender: 'u1', senderType: 1 },
          },
          user: ann,
        },
      ]);
      // Every filter and paging of listQuestions, the same ids in the same order.
      const filters = [{ status: 2 as const, servId: 's1' }, { userId: 'u1' }, { label: 'y' }, { identifies: [] }, {}];
      const pages = [page, { ...page, sort: 1 as const }, { num: 1, offset: 1, sort: 1 as const }, { ...page, after: c.id }];
      for (const filter of filters) {
        for (const paging of pages) {
          const summaries = await store().conversations.listQuestionSummaries(filter, paging);
          assert.deepEqual(summaries.map((s) => s.question.id), ids(await store().conversations.listQuestions(filter, paging)), JSON.stringify({ filter, paging }));
          for (const summary of summaries) assert.deepEqual(summary.user, summary.question.userId === 'u1' ? ann : null);
        }
      }
    });

    it('pages by offset and by cursor, in both orders', async () => {
      const all: string[] = [];
      for (let i = 0; i < 7; i++) all.push((await newQuestion(store(), { now: T0 + i })).id);
      const list = (sort: 1 | -1, offset: number, after?: string) => store().conversations.listQuestions({ status: 1 }, { num: 3, offset, sort, after }).then(ids);
      assert.deepEqual(await list(1, 0), all.slice(0, 3));
      assert.deepEqual(await list(1, 3), all.slice(3, 6));
      assert.deepEqual(await list(-1, 0), all.slice().reverse().slice(0, 3));
      assert.deepEqual(await list(-1, 6), [all[0]]);
      // A cursor continues after the id in the chosen order and ignores the offset.
      assert.deepEqual(await list(1, 50, all[2]), all.slice(3, 6));
      assert.deepEqual(await list(-1, 50, all[4]), [all[3], all[2], all[1]]);
      assert.deepEqual(await list(1, 0, all[6]), []);
    });
  });

  describe('transitions', () => {
    const write = (questionId: string, extra: Partial<TransitionWrite> = {}): TransitionWrite => ({
      questionId,
      from: [1],
      to: 2,
      setServId: 's1',
      notice: { sender: 's1', senderType: 2, action: 1 },
      now: T0 + 10,
      ...extra,
    });

    it('serves: status, agent, times and the notice with the next seq, in one step', async () => {
      const q = await newQuestion(store());
      const result = applied(await store().conversations.transition(write(q.id), PREVIOUS));
      assert.equal(result.question.status, 2);
      assert.equal(result.question.servId, 's1');
      assert.equal(result.question.statusAt, T0 + 10);
      assert.equal(result.question.lastActivityAt, T0 + 10);
      assert.equal(result.question.lastSeq, 1);
      assert.deepEqual({ ...result.notice, id: undefined }, {
        id: undefined, questionId: q.id, seq: 1, sender: 's1', senderType: 2, type: 4, createdAt: T0 + 10, action: 1,
      });
      assert.deepEqual(await store().conversations.getMessage(result.notice.id), result.notice);
      assert.deepEqual(await store().conversations.getQuestion(q.id), result.question);
    });

    it('records question.transitioned with the notice id, the state before and the state it wrote, in the same write', async () => {
      const q = await newQuestion(store());
      await drainEvents(store());
      const result = applied(await store().conversations.transition(write(q.id), { status: 1, servId: null }));
      const quit = applied(await store().conversations.transition(
        write(q.id, { from: [2], to: 1, servId: 's1', setServId: null, notice: { sender: 's1', senderType: 2, action: 2 }, now: T0 + 11 }),
        { status: 2, servId: 's1' },
      ));
      const events = await store().outbox.claimEvents(30, 10);
      assert.deepEqual(events, [
        { id: result.notice.id, type: 'question.transitioned', questionId: q.id, messageId: result.notice.id, previous: { status: 1, servId: null }, to: { status: 2, servId: 's1' }, createdAt: T0 + 10, attempts: 1 },
        { id: quit.notice.id, type: 'question.transitioned', questionId: q.id, messageId: quit.notice.id, previous: { status: 2, servId: 's1' }, to: { status: 1, servId: null }, createdAt: T0 + 11, attempts: 1 },
      ]);
    });

    it('lets exactly one of 20 concurrent serves win', async () => {
      const q = await newQuestion(store());
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store().conversations.transition(write(q.id, { setServId: `s${i}`, notice: { sender: `s${i}`, senderType: 2, action: 1 } }), PREVIOUS)),
      );
      const winners = results.filter((r) => r !== null);
      assert.equal(winners.length, 1);
      assert.equal(await store().outbox.countEvents(), 2, 'question.created and the one winning transition');
      const now = (await store().conversations.getQuestion(q.id))!;
      assert.equal(now.servId, applied(winners[0]!).question.servId);
      assert.equal(now.lastSeq, 1);
      assert.equal((await store().conversations.listMessages(q.id, { num: 50, offset: 0, sort: 1 })).length, 1);
    });

    it('writes nothing when a guard fails', async () => {
      const q = await newQuestion(store(), { userId: 'u1' });
      await serve(store(), q.id, 's1');
      const refused: Partial<TransitionWrite>[] = [
        { from: [1] }, // not pending any more
        { from: [2], to: 1, servId: 's2', setServId: null }, // another agent serves it
        { from: [2], to: 1, servId: null }, // it has an agent
        { from: [2], to: 3, userId: 'u2' }, // not this user's question
        { from: [2], to: 3, finishRequested: true }, // no finish request pending
        { from: [1, 2], to: 3, statusBefore: T0 }, // in progress since T0 + 1
        { from: [2], to: 3, lastActivityBefore: T0 + 1 }, // active at T0 + 1
      ];
      await drainEvents(store());
      for (const extra of refused) assert.equal(await store().conversations.transition(write(q.id, extra), PREVIOUS), null, JSON.stringify(extra));
      assert.equal(await store().outbox.countEvents(), 0, 'a refused transition records no event');
      assert.equal(await store().conversations.transition(write('0123456789abcdef01234567'), PREVIOUS), null);
      const now = (await store().conversations.getQuestion(q.id))!;
      assert.equal(now.lastSeq, 1);
      assert.equal(now.status, 2);
      assert.equal((await store().conversations.listMessages(q.id, { num: 50, offset: 0, sort: 1 })).length, 1);
    });

    it('applies matching guards: agent, user, sweeper times', async () => {
      const q = await newQuestion(store(), { userId: 'u1' });
      await serve(store(), q.id, 's1', T0 + 1);
      const quit = await store().conversations.transition(write(q.id, { from: [2], to: 1, servId: 's1', setServId: null, now: T0 + 5 }), PREVIOUS);
      assert.equal(applied(quit).question.servId, null);
      assert.equal(applied(quit).question.status, 1);
      const timedOut = await store().conversations.transition(write(q.id, { from: [1, 2], to: 3, servId: null, setServId: undefined, statusBefore: T0 + 6, now: T0 + 7 }), PREVIOUS);
      assert.equal(applied(timedOut).question.status, 3);
      assert.equal(applied(timedOut).notice.seq, 3);
      const reopened = await store().conversations.transition(write(q.id, { from: [3], to: 1, userId: 'u1', servId: null, setServId: undefined, now: T0 + 8 }), PREVIOUS);
      assert.equal(applied(reopened).question.status, 1);
    });

    it('sets a finish request (status unchanged, statusAt kept) and requires it for confirmation', async () => {
      const q = await newQuestion(store());
      await serve(store(), q.id, 's1', T0 + 1);
      const requested = applied(await store().conversations.transition(write(q.id, { from: [2], to: 2, servId: 's1', setServId: undefined, finishRequest: 'set', now: T0 + 4 }), PREVIOUS));
      assert.equal(requested.question.finishRequestedAt, T0 + 4);
      assert.equal(requested.question.statusAt, T0 + 1);
      assert.equal(requested.question.status, 2);
      const late = await store().conversations.transition(write(q.id, { from: [2], to: 3, finishRequested: true, finishRequestedBefore: T0 + 4, now: T0 + 9 }), PREVIOUS);
      assert.equal(late, null);
      const confirmed = applied(await store().conversations.transition(write(q.id, { from: [2], to: 3, finishRequested: true, finishRequestedBefore: T0 + 5, userId: 'u1', setServId: undefined, now: T0 + 9 }), PREVIOUS));
      assert.equal(confirmed.question.status, 3);
      assert.equal(confirmed.question.servId, 's1');
      assert.equal(confirmed.question.finishRequestedAt, null);
      assert.equal(confirmed.question.statusAt, T0 + 9);
    });

    it('scans for timeouts: pending too long, idle too long, finish request unanswered', async () => {
      const old = await newQuestion(store(), { now: T0 });
      const fresh = await newQuestion(store(), { now: T0 + 100 });
      const idle = await newQuestion(store(), { now: T0 });
      await serve(store(), idle.id, 's1', T0 + 1);
      const asked = await newQuestion(store(), { now: T0 });
      await serve(store(), asked.id, 's1', T0 + 50);
      await store().conversations.transition(write(asked.id, { from: [2], to: 2, setServId: undefined, finishRequest: 'set', now: T0 + 60 }), PREVIOUS);
      const scan = await store().conversations.scanTimeouts({ pendingSince: T0 + 50, idleSince: T0 + 55, finishRequestedSince: T0 + 61, limit: 10 });
      assert.deepEqual(scan.pending, [old.id]);
      assert.deepEqual(scan.idle, [idle.id]);
      assert.deepEqual(scan.finishRequested, [asked.id]);
      assert.ok(!scan.pending.includes(fresh.id));
      const limited = await store().conversations.scanTimeouts({ pendingSince: T0 + 200, idleSince: T0 + 200, finishRequestedSince: T0, limit: 1 });
      assert.equal(limited.pending.length, 1);
      assert.equal(limited.idle.length, 1);
      assert.deepEqual(limited.finishRequested, []);
    });
  });
}
