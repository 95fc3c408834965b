/**
 * Transfer on two nodes with one Redis (issue 12): the target's presence is read across nodes, the
 * handover reaches sockets on both, and a transfer racing a finish on the other node leaves exactly
 * one of them written, the question in the winner's state on every node.
 */
import assert from 'node:assert/strict';
import { messageIdReply, messagesReply, summaryListReply } from '../../shared/schemas/responses.js';
import { assertError, assertOk } from '../support/envelope.js';
import { eventually } from '../support/eventually.js';
import type { Factories, TestAgent } from '../support/factories.js';
import { useTwoNodes } from '../support/nodes.js';

describe('transfer: two nodes, one Redis', function () {
  this.timeout(60_000);
  const pair = useTwoNodes();
  /** Online as node A sees it (the agent's socket is on node B). */
  const onlineOnA = (agent: TestAgent) =>
    eventually(async () => (await pair.cluster.nodes[0]!.deps.presence.presenceOf([agent.servId])).get(agent.servId) === 'online', `${agent.servId} online on A`);
  const transferOn = (f: Factories, questionId: string, from: TestAgent, to: TestAgent) =>
    f.api.post(`/v1/question/${questionId}/transfer`, { session: from.session, serv_id: from.servId, to_serv_id: to.servId });
  const finishOn = (f: Factories, questionId: string, agent: TestAgent) =>
    f.api.post(`/v1/question/${questionId}/finish`, { session: agent.session, serv_id: agent.servId });

  it('hands over to an agent online on the other node; both agents and the user hear it on their own nodes', async () => {
    const { user, agent, questionId } = await pair.fa.servedQuestion();
    const target = await pair.fa.agent({ identifies: [user.identify] });
    const [fromSocket, toSocket, userSocket] = [await pair.on(0, agent.session), await pair.on(1, target.session), await pair.on(1, user.session)];
    await onlineOnA(target);
    const { message_id } = assertOk(await transferOn(pair.fa, questionId, agent, target), messageIdReply);
    for (const socket of [fromSocket, toSocket, userSocket]) {
      assert.deepEqual(await socket.waitFor('question:updated', (p) => p.action === 7), { question_id: questionId, status: 2, serv_id: target.servId, action: 7 });
      await socket.waitFor('message:new', (p) => p.message.message_id === message_id);
    }
    assert.deepEqual(
      assertOk(await pair.fb.api.get(`/v1/serv/${target.servId}/tasks`, {}, { session: target.session }), summaryListReply).questions.map((q) => q.question_id),
      [questionId],
    );
  });

  it('a transfer racing a finish on the other node: exactly one wins, and both nodes read the winner’s state', async () => {
    const user = await pair.fa.user();
    const [agent, target] = [await pair.fa.agent({ identifies: [user.identify] }), await pair.fa.agent({ identifies: [user.identify], maxConcurrent: 1 })];
    await pair.on(1, target.session);
    await onlineOnA(target);
    for (let round = 0; round < 8; round++) {
      const questionId = await pair.fa.question(user);
      await pair.fa.serve(questionId, agent);
      const userSocket = await pair.on(1, user.session);
      const [moved, finished] = await Promise.all([transferOn(pair.fa, questionId, agent, target), finishOn(pair.fb, questionId, agent)]);
      assert.equal([moved.status, finished.status].filter((s) => s === 200).length, 1, `round ${round}: ${moved.text} / ${finished.text}`);
      const wonByTransfer = moved.status === 200;
      if (wonByTransfer) assertError(finished, 'question_taken');
      else assertError(moved, 'question_finished');

      for (const f of [pair.fa, pair.fb]) {
        const { messages } = assertOk(await f.api.get(`/v1/question/${questionId}/message`, { sort: 1 }, { session: user.session }), messagesReply);
        assert.deepEqual(messages.map((m) => m.type === 4 && m.action), wonByTransfer ? [1, 7] : [1, 4]);
      }
      const question = await pair.cluster.nodes[1]!.deps.store.conversations.getQuestion(questionId);
      assert.deepEqual([question!.status, question!.servId], wonByTransfer ? [2, target.servId] : [3, agent.servId]);
      // The user's socket hears exactly the winner (the serve's own update may still be crossing Redis, so it is left out).
      const raced = (p: { question_id: string; action: number }) => p.question_id === questionId && p.action !== 1;
      await userSocket.waitFor('question:updated', raced);
      await userSocket.flush();
      assert.deepEqual(userSocket.all('question:updated').filter(raced).map((p) => p.action), [wonByTransfer ? 7 : 4]);
      // Free the target's one seat for the next round.
      if (wonByTransfer) assertOk(await finishOn(pair.fb, questionId, target), messageIdReply);
    }
  });
});
