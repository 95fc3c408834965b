import assert from 'node:assert/strict';
import { messageIdReply, type Message } from '../../shared/schemas/responses.js';
import { assertError, assertOk } from '../support/envelope.js';
import type { TestAgent } from '../support/factories.js';
import type { Reply } from '../support/http.js';
import { questionHelpers } from '../support/questions.js';
import { useTestServer } from '../support/server.js';

/**
 * Concurrent requests over real HTTP. No assertion depends on who wins: each checks the invariants
 * that must hold whatever the interleaving (one winner, gap-free seqs, nothing after a finish).
 */
describe('races', function () {
  // Twenty agents cost forty password hashes; on a busy two-core machine that takes a while.
  this.timeout(90_000);
  const { f } = useTestServer();
  const h = questionHelpers(f);

  /** seqs are exactly 1..n in order, with unique message ids. */
  function assertGapFree(messages: Message[]) {
    assert.deepEqual(messages.map((m) => m.seq), Array.from({ length: messages.length }, (_, i) => i + 1));
    assert.equal(new Set(messages.map((m) => m.message_id)).size, messages.length);
  }

  it('20 agents serving one question at once: exactly one 200, 19 × 409 question_taken, one action-1 notice', async () => {
    const user = await f.user();
    const agents: TestAgent[] = [];
    for (let i = 0; i < 20; i++) agents.push(await f.agent({ identifies: [user.identify] }));
    for (let round = 0; round < 3; round++) {
      const q = await f.question(user);
      const replies = await Promise.all(agents.map((agent) => h.agentAction(q, 'serve', agent)));
      const winners = replies.flatMap((reply, i) => (reply.status === 200 ? [i] : []));
      assert.equal(winners.length, 1, replies.map((r) => r.status).join(' '));
      const winner = agents[winners[0]!]!;
      replies.forEach((reply, i) => i !== winners[0] && assertError(reply, 'question_taken'));
      const messages = await h.allMessages(q, user);
      assert.equal(messages.length, 1);
      const notice = messages[0]!;
      assert.deepEqual(
        [notice.type, notice.type === 4 && notice.action, notice.sender, notice.seq, notice.message_id],
        [4, 1, winner.servId, 1, assertOk(replies[winners[0]!]!, messageIdReply).message_id],
      );
      assert.deepEqual(await h.stateOf(q, user), { status: 2, serv_id: winner.servId });
      assert.deepEqual(await h.queueOf(winner), []);
    }
  });

  it('100 concurrent send_text (and 3 notices) get seqs 1..104 with no gap or duplicate', async () => {
    const { user, agent, questionId: q } = await f.servedQuestion();
    const sends = Array.from({ length: 100 }, (_, i) => f.sendText(q, i % 2 ? agent : user, `m${i}`));
    const notices = [0, 1, 2].map(() => h.agentAction(q, 'request_finish', agent));
    const sent = (await Promise.all(sends)).map((reply) => assertOk(reply, messageIdReply).message_id);
    const noticeIds = (await Promise.all(notices)).map((reply) => assertOk(reply, messageIdReply).message_id);
    const messages = await h.allMessages(q, agent);
    assert.equal(messages.length, 104);
    assertGapFree(messages);
    const byId = new Map(messages.map((m) => [m.message_id, m]));
    sent.forEach((id, i) => {
      const m = byId.get(id);
      assert.ok(m && m.type === 3, id);
      assert.equal(m.text, `m${i}`);
      assert.equal(m.sender, i % 2 ? agent.servId : user.userId);
    });
    for (const id of noticeIds) assert.deepEqual([byId.get(id)?.type, byId.get(id)?.sender], [4, agent.servId]);
    // The same order whichever way it is read.
    const reversed: Message[] = [];
    for (;;) {
      const reply = await h.messages(q, user, { sort: -1, num: 50, message_id: reversed.at(-1)?.message_id });
      const page = (reply.body as { messages: Message[] }).messages;
      reversed.push(...page);
      if (page.length < 50) break;
    }
    assert.deepEqual(reversed.map((m) => m.message_id), messages.map((m) => m.message_id).reverse());
  });

  it('10 concurrent retries with one client_msg_id store one message and all answer its id', async () => {
    const { user, questionId: q } = await f.servedQuestion();
    const replies = await Promise.all(Array.from({ length: 10 }, () => f.sendText(q, user, 'once', { client_msg_id: 'same' })));
    const ids = new Set(replies.map((reply) => assertOk(reply, messageIdReply).message_id));
    assert.equal(ids.size, 1);
    const messages = await h.allMessages(q, user);
    assertGapFree(messages);
    assert.deepEqual(messages.map((m) => m.message_id).slice(1), [...ids]);
  });

  it('finish racing sends: each send is 200 or 409 question_finished, and nothing follows the finish notice', async () => {
    for (let round = 0; round < 3; round++) {
      const { user, agent, questionId: q } = await f.servedQuestion();
      const before = Array.from({ length: 20 }, (_, i) => f.sendText(q, i % 2 ? agent : user, `b${i}`));
      const finish = h.agentAction(q, 'finish', agent);
      const afterSends = Array.from({ length: 20 }, (_, i) => f.sendText(q, i % 2 ? agent : user, `a${i}`));
      const replies: Reply[] = await Promise.all([...before, ...afterSends]);
      const finishId = assertOk(await finish, messageIdReply).message_id;
      const accepted = replies.filter((r) => r.status === 200).map((r) => messageIdReply.parse(r.body).message_id);
      for (const reply of replies) if (reply.status !== 200) assertError(reply, 'question_finished');

      const messages = await h.allMessages(q, user);
      assertGapFree(messages);
      const last = messages.at(-1)!;
      assert.deepEqual([last.message_id, last.type, last.type === 4 && last.action], [finishId, 4, 4]);
      assert.deepEqual(
        messages.filter((m) => m.type === 3).map((m) => m.message_id).sort(),
        [...accepted].sort(),
      );
      assert.deepEqual(await h.stateOf(q, user), { status: 3, serv_id: agent.servId });
    }
  });

  it('confirm_finish racing a user message: exactly one of them applies', async () => {
    for (let round = 0; round < 4; round++) {
      const { user, agent, questionId: q } = await f.servedQuestion();
      assertOk(await h.agentAction(q, 'request_finish', agent), messageIdReply);
      const [confirm, send] = await Promise.all([h.userAction(q, 'confirm_finish', user), f.sendText(q, user, 'wait')]);
      const state = await h.stateOf(q, user);
      if (confirm.status === 200) {
        assertError(send, 'question_finished');
        assert.equal(state.status, 3);
      } else {
        assertError(confirm, 'question_not_finished');
        assertOk(send, messageIdReply);
        assert.equal(state.status, 2);
      }
      assertGapFree(await h.allMessages(q, user));
    }
  });

  it('two devices reopening at once: one 200, the other 409 question_not_finished, one action-6 notice', async () => {
    const { user, agent, questionId: q } = await f.servedQuestion();
    assertOk(await h.agentAction(q, 'finish', agent), messageIdReply);
    const device = { ...user, session: await f.session(user) };
    const online = await f.online(agent);
    const replies = await Promise.all([h.userAction(q, 'reopen', user), h.userAction(q, 'reopen', device)]);
    assert.deepEqual(replies.map((r) => r.status).sort(), [200, 409]);
    assertError(replies.find((r) => r.status !== 200)!, 'question_not_finished');
    const messages = await h.allMessages(q, user);
    assertGapFree(messages);
    assert.equal(messages.filter((m) => m.type === 4 && m.action === 6).length, 1);
    assert.deepEqual(await h.stateOf(q, user), { status: 2, serv_id: agent.servId });
    online.close();
  });

  it('quit racing the agent’s own sends: the agent’s messages all precede the quit notice', async () => {
    const { user, agent, questionId: q } = await f.servedQuestion();
    const sends = Array.from({ length: 15 }, (_, i) => f.sendText(q, agent, `s${i}`));
    const quit = h.agentAction(q, 'quit', agent);
    const replies = await Promise.all([...sends, ...Array.from({ length: 15 }, (_, i) => f.sendText(q, agent, `t${i}`))]);
    const quitId = assertOk(await quit, messageIdReply).message_id;
    for (const reply of replies) if (reply.status !== 200) assertError(reply, 'question_not_started');
    const messages = await h.allMessages(q, user);
    assertGapFree(messages);
    assert.equal(messages.at(-1)!.message_id, quitId);
    assert.equal(messages.filter((m) => m.type === 3).length, replies.filter((r) => r.status === 200).length);
    assert.deepEqual(await h.stateOf(q, user), { status: 1, serv_id: null });
  });
});
