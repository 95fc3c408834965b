/**
 * Transfer on two nodes with one Redis (issue 12): the target's presence is read across nodes, the
 * handover reaches sockets on both, and a transfer racing a finish on the other node leaves exactly
 * one of them written, the question in the winner's state on every node.
 */
import assert from 'node:assert/strict';
import { messageIdReply, messagesReply, summaryListReply } from '../../shared/schemas/responses.js';
import { assertError, assertOk } from '../support/envelope.js';
import { eventually } from '../support/eventually.js';
import { factories, type Factories, type TestAgent } from '../support/factories.js';
import { startCluster, type Cluster } from '../support/nodes.js';
import { requireRedis, startRedis, type TestRedis } from '../support/redis.js';
import { recordedSocket, type Recorded } from '../support/sockets.js';

describe('transfer: two nodes, one Redis', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  let cluster: Cluster;
  let fa: Factories;
  let fb: Factories;
  const open: Recorded[] = [];
  const on = async (node: 0 | 1, session: string) => {
    const socket = await recordedSocket(cluster.nodes[node]!.url, session);
    open.push(socket);
    return socket;
  };
  /** Online as node A sees it (the agent's socket is on node B). */
  const onlineOnA = (agent: TestAgent) =>
    eventually(async () => (await cluster.nodes[0]!.deps.presence.presenceOf([agent.servId])).get(agent.servId) === 'online', `${agent.servId} online on A`);
  const transferOn = (f: Factories, questionId: string, from: TestAgent, to: TestAgent) =>
    f.api.post(`/v1/question/${questionId}/transfer`, { session: from.session, serv_id: from.servId, to_serv_id: to.servId });
  const finishOn = (f: Factories, questionId: string, agent: TestAgent) =>
    f.api.post(`/v1/question/${questionId}/finish`, { session: agent.session, serv_id: agent.servId });

  before(async function () {
    requireRedis(this);
    redis = await startRedis();
    cluster = await startCluster(redis.url);
    [fa, fb] = cluster.nodes.map((n) => factories(n)) as [Factories, Factories];
  });
  afterEach(() => open.splice(0).forEach((s) => s.close()));
  after(async () => {
    await cluster?.stop();
    await redis?.stop();
  });

  it('hands over to an agent online on the other node; both agents and the user hear it on their own nodes', async () => {
    const { user, agent, questionId } = await fa.servedQuestion();
    const target = await fa.agent({ identifies: [user.identify] });
    const [fromSocket, toSocket, userSocket] = [await on(0, agent.session), await on(1, target.session), await on(1, user.session)];
    await onlineOnA(target);
    const { message_id } = assertOk(await transferOn(fa, questionId, agent, target), messageIdReply);
    for (const socket of [fromSocket, toSocket, userSocket]) {
      assert.deepEqual(await socket.waitFor('question:updated', (p) => p.action === 7), { question_id: questionId, status: 2, serv_id: target.servId, action: 7 });
      await socket.waitFor('message:new', (p) => p.message.message_id === message_id);
    }
    assert.deepEqual(
      assertOk(await fb.api.get(`/v1/serv/${target.servId}/tasks`, {}, { session: target.session }), summaryListReply).questions.map((q) => q.question_id),
      [questionId],
    );
  });

  it('a transfer racing a finish on the other node: exactly one wins, and both nodes read the winner’s state', async () => {
    const user = await fa.user();
    const [agent, target] = [await fa.agent({ identifies: [user.identify] }), await fa.agent({ identifies: [user.identify], maxConcurrent: 1 })];
    await on(1, target.session);
    await onlineOnA(target);
    for (let round = 0; round < 8; round++) {
      const questionId = await fa.question(user);
      await fa.serve(questionId, agent);
      const userSocket = await on(1, user.session);
      const [moved, finished] = await Promise.all([transferOn(fa, questionId, agent, target), finishOn(fb, questionId, agent)]);
      assert.equal([moved.status, finished.status].filter((s) => s === 200).length, 1, `round ${round}: ${moved.text} / ${finished.text}`);
      const wonByTransfer = moved.status === 200;
      if (wonByTransfer) assertError(finished, 'question_taken');
      else assertError(moved, 'question_finished');

      for (const f of [fa, fb]) {
        const { messages } = assertOk(await f.api.get(`/v1/question/${questionId}/message`, { sort: 1 }, { session: user.session }), messagesReply);
        assert.deepEqual(messages.map((m) => m.type === 4 && m.action), wonByTransfer ? [1, 7] : [1, 4]);
      }
      const question = await cluster.nodes[1]!.deps.store.conversations.getQuestion(questionId);
      assert.deepEqual([question!.status, question!.servId], wonByTransfer ? [2, target.servId] : [3, agent.servId]);
      // The user's socket hears exactly the winner (the serve's own update may still be crossing Redis, so it is left out).
      const raced = (p: { question_id: string; action: number }) => p.question_id === questionId && p.action !== 1;
      await userSocket.waitFor('question:updated', raced);
      await userSocket.flush();
      assert.deepEqual(userSocket.all('question:updated').filter(raced).map((p) => p.action), [wonByTransfer ? 7 : 4]);
      // Free the target's one seat for the next round.
      if (wonByTransfer) assertOk(await finishOn(fb, questionId, target), messageIdReply);
    }
  });
});
