/**
 * Shorthands for the question endpoints over real HTTP: transitions, message reads, the queue and
 * a question's current state as its user sees it. They return raw replies (or parsed bodies where
 * the name says so) so tests can assert both successes and failures.
 */
import assert from 'node:assert/strict';
import { allsReply, messagesReply, summaryListReply, type Message, type TimelineEntry } from '../../shared/schemas/responses.js';
import { isNote } from '../../shared/timeline.js';
import type { Factories, TestAgent, TestUser } from './factories.js';

type Caller = TestUser | TestAgent;

export function questionHelpers(f: Factories) {
  const h = {
    /** serve, quit, finish, request_finish as `agent`, naming `servId` (its own unless told). */
    agentAction: (questionId: string, action: string, agent: TestAgent, servId = agent.servId) =>
      f.api.post(`/v1/question/${questionId}/${action}`, { session: agent.session, serv_id: servId }),

    /** reopen, confirm_finish as the holder of `caller`'s session. */
    userAction: (questionId: string, action: string, caller: Caller) =>
      f.api.post(`/v1/question/${questionId}/${action}`, { session: caller.session }),

    messages: (questionId: string, caller: Caller, params: Record<string, unknown> = {}) =>
      f.api.get(`/v1/question/${questionId}/message`, params, { session: caller.session }),

    queue: (caller: Caller, params: Record<string, unknown> = {}) =>
      f.api.get('/v1/question/list', params, { session: caller.session }),

    /** The queue's summaries, parsed strictly (fails the test on a non-200). */
    async queueOf(caller: Caller, params: Record<string, unknown> = {}) {
      const reply = await h.queue(caller, params);
      assert.equal(reply.status, 200, reply.text);
      return summaryListReply.parse(reply.body).questions;
    },

    /** Every message (and, for agents, note) of a question in order, walked page by page with the message_id cursor. */
    async timeline(questionId: string, caller: Caller): Promise<TimelineEntry[]> {
      const all: TimelineEntry[] = [];
      for (;;) {
        const cursor = all.at(-1)?.message_id;
        const reply = await h.messages(questionId, caller, { sort: 1, num: 50, message_id: cursor });
        assert.equal(reply.status, 200, reply.text);
        const page = messagesReply.parse(reply.body).messages;
        all.push(...page);
        if (page.length < 50) return all;
      }
    },

    /** Every message of a question that holds no note, in seq order (fails the test if a note is read). */
    async allMessages(questionId: string, caller: Caller): Promise<Message[]> {
      const all = await h.timeline(questionId, caller);
      assert.ok(!all.some(isNote), `a note in the messages of question ${questionId}`);
      return all as Message[];
    },

    /** The message with `id`, read as `caller`. */
    async message(questionId: string, caller: Caller, id: string): Promise<Message> {
      const found = (await h.allMessages(questionId, caller)).find((m) => m.message_id === id);
      assert.ok(found, `message ${id} not found in question ${questionId}`);
      return found;
    },

    /** status and serv_id of a question, as GET /user/<user_id>/alls shows it to its user. */
    async stateOf(questionId: string, user: TestUser) {
      const reply = await f.api.get(`/v1/user/${encodeURIComponent(user.userId)}/alls`, { num: 50 }, { session: user.session });
      assert.equal(reply.status, 200, reply.text);
      const found = allsReply.parse(reply.body).questions.find((q) => q.question_id === questionId);
      assert.ok(found, `question ${questionId} not in the alls of ${user.userId}`);
      return { status: found.status, serv_id: found.serv_id };
    },

    /** Question ids in GET /serv/<serv_id>/tasks. */
    async tasksOf(agent: TestAgent): Promise<string[]> {
      const reply = await f.api.get(`/v1/serv/${agent.servId}/tasks`, { num: 50 }, { session: agent.session });
      assert.equal(reply.status, 200, reply.text);
      return summaryListReply.parse(reply.body).questions.map((q) => q.question_id);
    },
  };
  return h;
}

/** Float seconds now, as the server's clock reads them (same host). */
export const nowS = () => Date.now() / 1000;

/** A watched entry that must be a public message (watches that expect no note fail on one). */
export function messageOnly(entry: TimelineEntry): Message {
  assert.ok(!isNote(entry), `a note was delivered: ${JSON.stringify(entry)}`);
  return entry as Message;
}
