import assert from 'node:assert/strict';
import fc from 'fast-check';
import { messageIdReply, messagesReply, summaryListReply } from '../../shared/schemas/responses.js';
import { publicMessages } from '../../shared/timeline.js';
import { assertError, assertOk } from '../support/envelope.js';
import type { TestAgent, TestUser } from '../support/factories.js';
import { questionHelpers } from '../support/questions.js';
import { useTestServer } from '../support/server.js';

/** Paging on GET /question/list (question_id cursor) and GET /question/<id>/message (message_id cursor). */
describe('paging: page, num, sort and cursors', () => {
  const { f } = useTestServer();
  const h = questionHelpers(f);
  let user: TestUser;
  let agent: TestAgent;
  /** 25 pending questions, oldest first. */
  let questions: string[];
  /** A question with 60 messages (the serve notice and 59 texts), in seq order. */
  let chat: string;
  let chatIds: string[];

  before(async () => {
    user = await f.user();
    agent = await f.agent({ identifies: [user.identify] });
    chat = await f.question(user);
    chatIds = [await f.serve(chat, agent)];
    for (let i = 1; i < 60; i++) {
      const from = i % 3 === 0 ? agent : user;
      chatIds.push(assertOk(await f.sendText(chat, from, `m${i}`), messageIdReply).message_id);
    }
    questions = [];
    for (let i = 0; i < 25; i++) questions.push(await f.question(user, { title: `q${i}` }));
  });

  const queueIds = async (params: Record<string, unknown>) =>
    assertOk(await h.queue(agent, params), summaryListReply).questions.map((q) => q.question_id);
  const messageIds = async (params: Record<string, unknown>) =>
    assertOk(await h.messages(chat, user, params), messagesReply).messages.map((m) => m.message_id);
  const newestFirst = (ids: string[]) => [...ids].reverse();

  const endpoints: Array<[string, (params: Record<string, unknown>) => ReturnType<typeof h.queue>]> = [
    ['GET /question/list', (params) => h.queue(agent, params)],
    ['GET /question/<id>/message', (params) => h.messages(chat, user, params)],
  ];

  for (const [name, get] of endpoints) {
    describe(`${name}: parameter ranges`, () => {
      const invalid: Array<[string, unknown]> = [
        ['page', -1], ['page', 51], ['page', 'abc'], ['page', '1.5'], ['page', '1e1'], ['page', '0x1'],
        ['num', 0], ['num', 51], ['num', -5], ['num', 1000], ['num', 'ten'], ['num', [1, 2]],
        ['sort', 0], ['sort', 2], ['sort', -2], ['sort', 'asc'], ['sort', '-1.0'],
      ];
      for (const [field, value] of invalid) {
        it(`answers 400 param_invalid ${field} for ${field}=${String(value)} (never clamped)`, async () => {
          assertError(await get({ [field]: value }), 'param_invalid', field);
        });
      }

      it('accepts the bounds page 0 and 50, num 1 and 50, sort 1 and -1', async () => {
        for (const params of [{ page: 0 }, { page: 50 }, { num: 1 }, { num: 50 }, { sort: 1 }, { sort: -1 }]) {
          const reply = await get(params);
          assert.equal(reply.status, 200, `${JSON.stringify(params)}: ${reply.text}`);
        }
        const beyond = (await get({ page: 50 })).body as { messages?: unknown[]; questions?: unknown[] };
        assert.deepEqual(beyond.questions ?? beyond.messages, []);
      });

      it('answers 400 param_invalid for an operator-shaped paging parameter', async () => {
        const path = name.includes('list') ? '/v1/question/list' : `/v1/question/${chat}/message`;
        assertError(await f.api.get(`${path}?num[$gt]=1`, undefined, { session: agent.session }), 'param_invalid', 'num');
      });
    });
  }

  describe('GET /question/list', () => {
    it('defaults to page 0, num 20, sort -1 (newest first)', async () => {
      const defaults = await queueIds({});
      assert.deepEqual(defaults, newestFirst(questions).slice(0, 20));
      assert.deepEqual(await queueIds({ page: 0, num: 20, sort: -1 }), defaults);
    });

    it('pages by offset: page p of num n starts at p·n in the chosen order', async () => {
      assert.deepEqual(await queueIds({ page: 1 }), newestFirst(questions).slice(20));
      assert.deepEqual(await queueIds({ page: 2, num: 7, sort: 1 }), questions.slice(14, 21));
      assert.deepEqual(await queueIds({ page: 3, num: 7, sort: -1 }), newestFirst(questions).slice(21));
      assert.deepEqual(await queueIds({ page: 4, num: 7 }), []);
    });

    it('continues after the cursor in the chosen order and ignores page', async () => {
      const cursor = questions[10]!;
      assert.deepEqual(await queueIds({ question_id: cursor, num: 5, sort: 1 }), questions.slice(11, 16));
      assert.deepEqual(await queueIds({ question_id: cursor, num: 5, sort: -1 }), newestFirst(questions.slice(5, 10)));
      assert.deepEqual(await queueIds({ question_id: cursor, num: 5, sort: 1, page: 3 }), questions.slice(11, 16));
      assert.deepEqual(await queueIds({ question_id: questions[24], sort: 1 }), []);
    });

    it('walks every page with a cursor without skipping or repeating, in both orders', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 50 }), fc.constantFrom(1, -1), async (num, sort) => {
          const seen: string[] = [];
          for (;;) {
            const page = await queueIds({ num, sort, question_id: seen.at(-1), page: seen.length ? 7 : 0 });
            assert.ok(page.length <= num);
            seen.push(...page);
            if (page.length < num) break;
          }
          assert.deepEqual(seen, sort === 1 ? questions : newestFirst(questions));
        }),
        { numRuns: 12 },
      );
    });

    it('keeps walking after the cursor question left the queue', async () => {
      const first = await queueIds({ num: 5, sort: 1 });
      const other = await f.agent({ identifies: [user.identify] });
      await f.serve(first.at(-1)!, other); // taken between two page loads
      const second = await queueIds({ num: 5, sort: 1, question_id: first.at(-1) });
      assert.deepEqual(second, questions.slice(5, 10));
      assertOk(await h.agentAction(first.at(-1)!, 'quit', other), messageIdReply);
    });

    it('answers 400 param_invalid question_id for a malformed cursor', async () => {
      assertError(await h.queue(agent, { question_id: 'abc' }), 'param_invalid', 'question_id');
    });
  });

  describe('GET /question/<id>/message', () => {
    it('defaults to page 0, num 20, sort -1 (newest first), ordered by seq', async () => {
      const reply = assertOk(await h.messages(chat, user), messagesReply).messages;
      assert.deepEqual(publicMessages(reply).map((m) => m.seq), Array.from({ length: 20 }, (_, i) => 60 - i));
      assert.deepEqual(reply.map((m) => m.message_id), newestFirst(chatIds).slice(0, 20));
    });

    it('pages by offset in both orders', async () => {
      assert.deepEqual(await messageIds({ page: 2 }), newestFirst(chatIds).slice(40, 60));
      assert.deepEqual(await messageIds({ page: 1, num: 50, sort: 1 }), chatIds.slice(50));
      assert.deepEqual(await messageIds({ page: 3 }), []);
    });

    it('continues after the message_id cursor in the chosen order and ignores page', async () => {
      const cursor = chatIds[29]!; // seq 30
      assert.deepEqual(await messageIds({ message_id: cursor, num: 4, sort: 1 }), chatIds.slice(30, 34));
      assert.deepEqual(await messageIds({ message_id: cursor, num: 4, sort: -1 }), newestFirst(chatIds.slice(25, 29)));
      assert.deepEqual(await messageIds({ message_id: cursor, num: 4, sort: 1, page: 9 }), chatIds.slice(30, 34));
      assert.deepEqual(await messageIds({ message_id: chatIds[0], sort: -1 }), []);
    });

    it('walks every page with a cursor without skipping or repeating, in both orders', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 50 }), fc.constantFrom(1, -1), async (num, sort) => {
          const seen: string[] = [];
          for (;;) {
            const page = await messageIds({ num, sort, message_id: seen.at(-1), page: seen.length ? 50 : 0 });
            seen.push(...page);
            if (page.length < num) break;
          }
          assert.deepEqual(seen, sort === 1 ? chatIds : newestFirst(chatIds));
        }),
        { numRuns: 12 },
      );
    });

    it('catches up after a reconnect: ?message_id=<last seen>&sort=1 returns exactly the newer messages', async () => {
      const q = await f.question(user);
      const seen = [await f.serve(q, agent)];
      for (let i = 0; i < 3; i++) seen.push(assertOk(await f.sendText(q, user, `before ${i}`), messageIdReply).message_id);
      const missed: string[] = [];
      for (let i = 0; i < 5; i++) missed.push(assertOk(await f.sendText(q, i % 2 ? user : agent, `missed ${i}`), messageIdReply).message_id);
      missed.push(assertOk(await h.agentAction(q, 'finish', agent), messageIdReply).message_id);
      const reply = assertOk(await h.messages(q, user, { message_id: seen.at(-1), sort: 1 }), messagesReply);
      assert.deepEqual(reply.messages.map((m) => m.message_id), missed);
      assert.deepEqual(publicMessages(reply.messages).map((m) => m.seq), [5, 6, 7, 8, 9, 10]);
      assert.equal(reply.messages.at(-1)!.type, 4);
      const caughtUp = await h.messages(q, user, { message_id: missed.at(-1), sort: 1 });
      assert.deepEqual(assertOk(caughtUp, messagesReply).messages, []);
    });
  });
});
