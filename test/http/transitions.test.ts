import assert from 'node:assert/strict';
import { agentUpserter } from '../../server/domain/commands/provisioning.js';
import { questionTransitioner } from '../../server/domain/commands/questionTransitioner.js';
import type { ErrorCode } from '../../shared/errors.js';
import { messageIdReply, servedListReply } from '../../shared/schemas/responses.js';
import { assertError, assertOk } from '../support/envelope.js';
import type { TestAgent, TestUser } from '../support/factories.js';
import { nowS, questionHelpers } from '../support/questions.js';
import { useTestServer } from '../support/server.js';

describe('question transitions: serve, quit, finish, request_finish, confirm_finish, reopen', () => {
  const { server, f } = useTestServer();
  const h = questionHelpers(f);

  /** Asserts a 200 {message_id} reply whose notice has this action, signer and seq. */
  async function assertNotice(reply: Awaited<ReturnType<typeof h.agentAction>>, q: string, reader: TestUser, expected: { action: number; sender: string; sender_type: 1 | 2; seq: number }) {
    const before = nowS();
    const { message_id } = assertOk(reply, messageIdReply);
    const notice = await h.message(q, reader, message_id);
    assert.equal(notice.type, 4);
    assert.deepEqual({ action: notice.type === 4 && notice.action, sender: notice.sender, sender_type: notice.sender_type, seq: notice.seq }, expected);
    assert.ok(notice.timestamp <= before && notice.timestamp > before - 60, String(notice.timestamp));
  }

  async function resolvedQuestion() {
    const s = await f.servedQuestion();
    assertOk(await h.agentAction(s.questionId, 'finish', s.agent), messageIdReply);
    return s;
  }

  describe('serve', () => {
    it('moves 1 → 2 with the caller as agent and answers the action-1 notice', async () => {
      const user = await f.user();
      const agent = await f.agent({ identifies: [user.identify] });
      const q = await f.question(user);
      await assertNotice(await h.agentAction(q, 'serve', agent), q, user, { action: 1, sender: agent.servId, sender_type: 2, seq: 1 });
      assert.deepEqual(await h.stateOf(q, user), { status: 2, serv_id: agent.servId });
      assert.deepEqual(await h.tasksOf(agent), [q]);
      assert.deepEqual(await h.queueOf(agent), []);
    });
  });

  describe('quit', () => {
    it('moves 2 → 1 with serv_id cleared, back in the queue, action 2', async () => {
      const { user, agent, questionId: q } = await f.servedQuestion();
      await assertNotice(await h.agentAction(q, 'quit', agent), q, user, { action: 2, sender: agent.servId, sender_type: 2, seq: 2 });
      assert.deepEqual(await h.stateOf(q, user), { status: 1, serv_id: null });
      assert.deepEqual(await h.tasksOf(agent), []);
      assert.deepEqual((await h.queueOf(agent)).map((s) => s.question_id), [q]);
      // Another agent may take it now.
      const next = await f.agent({ identifies: [user.identify] });
      await assertNotice(await h.agentAction(q, 'serve', next), q, user, { action: 1, sender: next.servId, sender_type: 2, seq: 3 });
    });
  });

  describe('finish', () => {
    it('moves 2 → 3 keeping the agent, action 4', async () => {
      const { user, agent, questionId: q } = await f.servedQuestion();
      await assertNotice(await h.agentAction(q, 'finish', agent), q, user, { action: 4, sender: agent.servId, sender_type: 2, seq: 2 });
      assert.deepEqual(await h.stateOf(q, user), { status: 3, serv_id: agent.servId });
      assert.deepEqual(await h.tasksOf(agent), []);
      const overs = await f.api.get(`/v1/user/${user.userId}/overs`, {}, { session: user.session });
      assert.deepEqual(assertOk(overs, servedListReply).questions.map((o) => [o.question_id, o.serv_id]), [[q, agent.servId]]);
    });
  });

  describe('request_finish and confirm_finish', () => {
    it('posts action 3 keeping status 2; the user confirms with action 4 → 3', async () => {
      const { user, agent, questionId: q } = await f.servedQuestion();
      await assertNotice(await h.agentAction(q, 'request_finish', agent), q, user, { action: 3, sender: agent.servId, sender_type: 2, seq: 2 });
      assert.deepEqual(await h.stateOf(q, user), { status: 2, serv_id: agent.servId });
      // An agent message does not cancel the request.
      assertOk(await f.sendText(q, agent, 'anything else?'), messageIdReply);
      await assertNotice(await h.userAction(q, 'confirm_finish', user), q, user, { action: 4, sender: user.userId, sender_type: 1, seq: 4 });
      assert.deepEqual(await h.stateOf(q, user), { status: 3, serv_id: agent.servId });
    });

    it('a user message after request_finish cancels it: confirm_finish → 409 question_not_finished', async () => {
      const { user, agent, questionId: q } = await f.servedQuestion();
      assertOk(await h.agentAction(q, 'request_finish', agent), messageIdReply);
      assertOk(await f.sendText(q, user, 'wait, one more thing'), messageIdReply);
      assertError(await h.userAction(q, 'confirm_finish', user), 'question_not_finished');
      assert.deepEqual(await h.stateOf(q, user), { status: 2, serv_id: agent.servId });
      // Asking again works.
      assertOk(await h.agentAction(q, 'request_finish', agent), messageIdReply);
      assertOk(await h.userAction(q, 'confirm_finish', user), messageIdReply);
    });

    it('quit clears a pending finish request', async () => {
      const { user, agent, questionId: q } = await f.servedQuestion();
      assertOk(await h.agentAction(q, 'request_finish', agent), messageIdReply);
      assertOk(await h.agentAction(q, 'quit', agent), messageIdReply);
      assertError(await h.userAction(q, 'confirm_finish', user), 'question_not_started');
      await f.serve(q, agent);
      assertError(await h.userAction(q, 'confirm_finish', user), 'question_not_finished');
      assert.deepEqual(await h.stateOf(q, user), { status: 2, serv_id: agent.servId });
    });

    it('confirm_finish is refused by state and by caller', async () => {
      const { user, agent, questionId: q } = await f.servedQuestion();
      assertError(await h.userAction(q, 'confirm_finish', user), 'question_not_finished');
      assertOk(await h.agentAction(q, 'request_finish', agent), messageIdReply);
      assertError(await h.userAction(q, 'confirm_finish', agent), 'forbidden', 'question_id');
      assertError(await h.userAction(q, 'confirm_finish', await f.user({ identify: user.identify })), 'forbidden', 'question_id');
      const pending = await f.question(user);
      assertError(await h.userAction(pending, 'confirm_finish', user), 'question_not_started');
      const done = await resolvedQuestion();
      assertError(await h.userAction(done.questionId, 'confirm_finish', done.user), 'question_finished');
    });
  });

  describe('reopen', () => {
    it('moves 3 → 2 with the same agent (in its tasks) while it is online, action 6 signed by the user', async () => {
      const { user, agent, questionId: q } = await resolvedQuestion();
      const socket = await f.online(agent);
      await assertNotice(await h.userAction(q, 'reopen', user), q, user, { action: 6, sender: user.userId, sender_type: 1, seq: 3 });
      assert.deepEqual(await h.stateOf(q, user), { status: 2, serv_id: agent.servId });
      assert.deepEqual(await h.tasksOf(agent), [q]);
      assertOk(await f.sendText(q, agent, 'back again'), messageIdReply);
      socket.close();
    });

    it('moves 3 → 1 when its agent is offline (no socket)', async () => {
      const { user, questionId: q } = await resolvedQuestion();
      assertOk(await h.userAction(q, 'reopen', user), messageIdReply);
      assert.deepEqual(await h.stateOf(q, user), { status: 1, serv_id: null });
    });

    it('moves 3 → 1 when it never had an agent', async () => {
      const user = await f.user();
      const agent = await f.agent({ identifies: [user.identify] });
      const q = await f.question(user);
      await questionTransitioner(server.deps, { name: 'timeOut', questionId: q, actor: 'system' });
      assert.deepEqual(await h.stateOf(q, user), { status: 3, serv_id: null });
      await assertNotice(await h.userAction(q, 'reopen', user), q, user, { action: 6, sender: user.userId, sender_type: 1, seq: 2 });
      assert.deepEqual(await h.stateOf(q, user), { status: 1, serv_id: null });
      assert.deepEqual((await h.queueOf(agent)).map((s) => s.question_id), [q]);
    });

    it('moves 3 → 1 when its agent no longer serves the app, though online', async () => {
      const { user, agent, questionId: q } = await resolvedQuestion();
      const socket = await f.online(agent);
      await agentUpserter(server.deps, { serv_id: agent.servId, password: agent.password, identifies: [await f.app()] });
      assertOk(await h.userAction(q, 'reopen', user), messageIdReply);
      assert.deepEqual(await h.stateOf(q, user), { status: 1, serv_id: null });
      socket.close();
    });

    it('is refused while not resolved, and to anyone but the asker', async () => {
      const { user, agent, questionId: q } = await f.servedQuestion();
      assertError(await h.userAction(q, 'reopen', user), 'question_not_finished');
      assertError(await h.userAction(await f.question(user), 'reopen', user), 'question_not_finished');
      // Ids are case-insensitive hex.
      assertOk(await h.agentAction(q.toUpperCase(), 'finish', agent), messageIdReply);
      assertError(await h.userAction(q, 'reopen', agent), 'forbidden', 'question_id');
      assertError(await h.userAction(q, 'reopen', await f.user({ identify: user.identify })), 'forbidden', 'question_id');
      assert.deepEqual(await h.stateOf(q, user), { status: 3, serv_id: agent.servId });
    });
  });

  describe('agent actions refused by state', () => {
    // The caller is an agent of the app; "other" means another agent serves the question.
    const table: Array<[string, ErrorCode | 'ok', ErrorCode, ErrorCode]> = [
      // action          pending                 served by other   resolved
      ['serve', 'ok', 'question_taken', 'question_finished'],
      ['quit', 'question_not_started', 'question_taken', 'question_finished'],
      ['finish', 'question_not_started', 'question_taken', 'question_finished'],
      ['request_finish', 'question_not_started', 'question_taken', 'question_finished'],
    ];
    for (const [action, pending, taken, resolved] of table) {
      it(`${action}: pending → ${pending}, served by another → ${taken}, resolved → ${resolved}`, async () => {
        const { user, agent: other, questionId: served } = await f.servedQuestion();
        const agent = await f.agent({ identifies: [user.identify] });
        const q = await f.question(user);
        if (pending !== 'ok') assertError(await h.agentAction(q, action, agent), pending);
        assertError(await h.agentAction(served, action, agent), taken);
        assertOk(await h.agentAction(served, 'finish', other), messageIdReply);
        assertError(await h.agentAction(served, action, agent), resolved);
        assertError(await h.agentAction(served, action, other), resolved);
        assert.deepEqual(await h.stateOf(served, user), { status: 3, serv_id: other.servId });
        if (pending !== 'ok') assert.deepEqual(await h.stateOf(q, user), { status: 1, serv_id: null });
      });
    }
  });

  describe('agent actions refused by identity', () => {
    for (const action of ['serve', 'quit', 'finish', 'request_finish']) {
      it(`${action}: checks session, serv_id, app and question id`, async () => {
        const { user, agent, questionId: q } = await f.servedQuestion();
        const target = action === 'serve' ? await f.question(user) : q;
        const elsewhere = await f.agent(); // serves another app only
        assertError(await h.agentAction(target, action, elsewhere), 'forbidden', 'question_id');
        assertError(await h.agentAction(target, action, user as unknown as TestAgent, agent.servId), 'serv_not_bound', 'session');
        assertError(await h.agentAction(target, action, elsewhere, agent.servId), 'serv_not_bound', 'serv_id');
        const unbound = await f.agent({ identifies: [user.identify], bind: false });
        assertError(await h.agentAction(target, action, unbound), 'serv_not_bound', 'session');
        assertError(await f.api.post(`/v1/question/${target}/${action}`, { session: agent.session }), 'param_missing', 'serv_id');
        assertError(await h.agentAction(target, action, agent, 'x'.repeat(21)), 'param_invalid', 'serv_id');
        assertError(await h.agentAction('0123456789abcdef01234567', action, agent), 'question_not_found', 'question_id');
        assertError(await h.agentAction('not-an-id', action, agent), 'param_invalid', 'question_id');
        assertError(await f.api.post(`/v1/question/${target}/${action}`, { serv_id: agent.servId }), 'param_missing', 'session');
        // Nothing changed.
        const state = await h.stateOf(target, user);
        assert.deepEqual(state, action === 'serve' ? { status: 1, serv_id: null } : { status: 2, serv_id: agent.servId });
      });
    }
  });

  it('user actions answer 404 question_not_found / 400 param_invalid for unknown or malformed ids', async () => {
    const user = await f.user();
    for (const action of ['reopen', 'confirm_finish']) {
      assertError(await h.userAction('0123456789abcdef01234567', action, user), 'question_not_found', 'question_id');
      assertError(await h.userAction('xyz', action, user), 'param_invalid', 'question_id');
    }
  });
});
