/**
 * Transfer (issue 12) over real HTTP and real sockets: the serving agent hands a question to another
 * online agent of the app under its capacity; notice action 7 names both agents; both agents and the
 * user hear `question:updated`; the old agent stops streaming the conversation, the new one has it.
 */
import assert from 'node:assert/strict';
import { messageIdReply, messagesReply, servAgentsReply, summaryListReply } from '../../shared/schemas/responses.js';
import { assertError, assertOk } from '../support/envelope.js';
import { eventually } from '../support/eventually.js';
import type { TestAgent } from '../support/factories.js';
import { useTestServer } from '../support/server.js';
import { recordedSocket, type Recorded } from '../support/sockets.js';

describe('POST /v1/question/<id>/transfer', () => {
  const { server, f, api } = useTestServer();
  const open: Recorded[] = [];
  const connect = async (session: string) => {
    const socket = await recordedSocket(server.url, session);
    open.push(socket);
    return socket;
  };
  afterEach(() => open.splice(0).forEach((s) => s.close()));

  const transfer = (questionId: string, from: TestAgent, toServId: unknown, extra: Record<string, unknown> = {}) =>
    api.post(`/v1/question/${questionId}/transfer`, { session: from.session, serv_id: from.servId, to_serv_id: toServId, ...extra });
  const presenceOf = async (agent: TestAgent) => (await server.deps.presence.presenceOf([agent.servId])).get(agent.servId);
  /** Connects a socket of the agent and waits until it counts as online. */
  const online = async (agent: TestAgent) => {
    const socket = await connect(agent.session);
    await eventually(async () => (await presenceOf(agent)) === 'online', `${agent.servId} online`);
    return socket;
  };
  const tasksOf = async (agent: TestAgent) =>
    assertOk(await api.get(`/v1/serv/${agent.servId}/tasks`, {}, { session: agent.session }), summaryListReply).questions.map((q) => q.question_id);

  /** A served question, the serving agent, and an online colleague of the same app. */
  async function handover(colleague: { maxConcurrent?: number } = {}) {
    const { user, agent, questionId } = await f.servedQuestion();
    const target = await f.agent({ identifies: [user.identify], maxConcurrent: colleague.maxConcurrent });
    return { user, agent, questionId, target };
  }

  it('hands the question over: 200 with the notice, action 7 naming from_serv_id and serv_id; tasks and load move', async () => {
    const { user, agent, questionId, target } = await handover();
    await online(target);
    const { message_id } = assertOk(await transfer(questionId, agent, target.servId), messageIdReply);

    const { messages } = assertOk(await api.get(`/v1/question/${questionId}/message`, { sort: 1 }, { session: user.session }), messagesReply);
    const notice = messages.at(-1)!;
    assert.deepEqual(
      { ...notice, timestamp: 0 },
      { message_id, sender: agent.servId, sender_type: 2, timestamp: 0, seq: 2, type: 4, action: 7, from_serv_id: agent.servId, serv_id: target.servId },
    );
    // Other notices carry neither field.
    assert.deepEqual(Object.keys(messages[0]!).sort(), ['action', 'message_id', 'sender', 'sender_type', 'seq', 'timestamp', 'type']);
    assert.deepEqual(await tasksOf(agent), []);
    assert.deepEqual(await tasksOf(target), [questionId]);
    const agents = assertOk(await api.get('/v1/serv/agents', { identify: user.identify }, { session: target.session }), servAgentsReply).agents;
    assert.deepEqual(agents.map((a) => [a.serv_id, a.load]).sort(), [[agent.servId, 0], [target.servId, 1]].sort());

    // The new agent serves it now: it sends, the old one is refused.
    assert.equal((await f.sendText(questionId, target, 'Hello, I take over')).status, 200);
    assertError(await f.sendText(questionId, agent, 'still me?'), 'question_taken');
    // And the old one can no longer act on it.
    assertError(await api.post(`/v1/question/${questionId}/finish`, { session: agent.session, serv_id: agent.servId }), 'question_taken');
  });

  it('pushes question:updated to both agents and the user, and the notice as message:new; the old agent leaves the rooms', async () => {
    const { user, agent, questionId, target } = await handover();
    const [fromSocket, toSocket, userSocket] = [await online(agent), await online(target), await connect(user.session)];
    for (const socket of [fromSocket, userSocket]) {
      assert.equal((await socket.socket.emitWithAck('question:subscribe', { question_id: questionId })).status, 200);
    }
    const { message_id } = assertOk(await transfer(questionId, agent, target.servId), messageIdReply);

    const updated = { question_id: questionId, status: 2, serv_id: target.servId, action: 7 };
    for (const socket of [fromSocket, toSocket, userSocket]) {
      assert.deepEqual(await socket.waitFor('question:updated', (p) => p.action === 7), updated);
      const { message } = await socket.waitFor('message:new', (p) => p.message.message_id === message_id);
      assert.ok(message.type === 4);
      assert.deepEqual([message.action, message.from_serv_id, message.serv_id], [7, agent.servId, target.servId]);
    }
    // The old agent no longer streams the conversation or its notes; the new one gets both (its agent room).
    assert.equal((await f.sendText(questionId, user, 'are you there?')).status, 200);
    assert.equal((await f.note(questionId, target, 'took it from the colleague')).status, 200);
    await toSocket.waitFor('message:new', (p) => p.message.text === 'are you there?');
    await toSocket.waitFor('note:new', (p) => p.note.text === 'took it from the colleague');
    await userSocket.waitFor('message:new', (p) => p.message.text === 'are you there?');
    await fromSocket.flush();
    assert.equal(fromSocket.all('message:new').filter((p) => p.message.type === 3).length, 0);
    assert.equal(fromSocket.all('note:new').length, 0);
    assert.equal(userSocket.all('note:new').length, 0);
  });

  it('409 agent_at_capacity on to_serv_id when the target is full; nothing changes', async () => {
    const { user, agent, questionId, target } = await handover({ maxConcurrent: 1 });
    await online(target);
    await f.serve(await f.question(user), target);
    assertError(await transfer(questionId, agent, target.servId), 'agent_at_capacity', 'to_serv_id');
    assert.deepEqual(await tasksOf(agent), [questionId]);
    const { messages } = assertOk(await api.get(`/v1/question/${questionId}/message`, {}, { session: user.session }), messagesReply);
    assert.equal(messages.length, 1, 'no notice written');
  });

  it('400 param_invalid on to_serv_id: the caller itself, an unknown agent, an agent of another app, one away or offline', async () => {
    const { user, agent, questionId, target } = await handover();
    await online(agent);
    const cases: Array<[string, RegExp]> = [];
    cases.push([agent.servId, /caller itself/]);
    cases.push(['nobody-here', /not an agent of the question's app/]);
    const stranger = await f.agent();
    await online(stranger);
    cases.push([stranger.servId, /not an agent of the question's app/]);
    cases.push([target.servId, /offline/]);
    for (const [toServId, debug] of cases) {
      const reply = await transfer(questionId, agent, toServId);
      assertError(reply, 'param_invalid', 'to_serv_id');
      assert.match(reply.body.debug as string, debug);
    }
    await online(target);
    assert.equal((await api.post('/v1/serv/status', { session: target.session, serv_id: target.servId, status: 'away' })).status, 200);
    const away = await transfer(questionId, agent, target.servId);
    assertError(away, 'param_invalid', 'to_serv_id');
    assert.match(away.body.debug as string, /away/);
    assert.deepEqual(await tasksOf(agent), [questionId]);
    const { messages } = assertOk(await api.get(`/v1/question/${questionId}/message`, {}, { session: user.session }), messagesReply);
    assert.equal(messages.length, 1, 'no notice written');
  });

  it('validates its parameters: to_serv_id missing or too long, serv_id missing, a malformed question id', async () => {
    const { agent, questionId } = await handover();
    assertError(await api.post(`/v1/question/${questionId}/transfer`, { session: agent.session, serv_id: agent.servId }), 'param_missing', 'to_serv_id');
    assertError(await transfer(questionId, agent, 'x'.repeat(21)), 'param_invalid', 'to_serv_id');
    assertError(await api.post(`/v1/question/${questionId}/transfer`, { session: agent.session, to_serv_id: 'a' }), 'param_missing', 'serv_id');
    assertError(await transfer('not-an-id', agent, 'a'), 'param_invalid', 'question_id');
    assertError(await transfer('0123456789abcdef01234567', agent, 'a'), 'question_not_found', 'question_id');
  });

  it('only the serving agent: serv_not_bound, forbidden, question_taken, question_not_started, question_finished', async () => {
    const { user, agent, questionId, target } = await handover();
    await online(target);
    // A session bound to another agent than serv_id names; a plain user session.
    assertError(await transfer(questionId, { ...agent, session: target.session }, target.servId), 'serv_not_bound', 'serv_id');
    assertError(await transfer(questionId, { ...agent, session: user.session }, target.servId), 'serv_not_bound', 'session');
    // An agent of another app.
    const stranger = await f.agent();
    assertError(await transfer(questionId, stranger, target.servId), 'forbidden', 'question_id');
    // Another agent of the app, not the serving one.
    const other = await f.agent({ identifies: [user.identify] });
    assertError(await transfer(questionId, other, target.servId), 'question_taken');
    // Pending.
    const waiting = await f.question(user);
    assertError(await transfer(waiting, agent, target.servId), 'question_not_started');
    // Resolved.
    assert.equal((await api.post(`/v1/question/${questionId}/finish`, { session: agent.session, serv_id: agent.servId })).status, 200);
    assertError(await transfer(questionId, agent, target.servId), 'question_finished');
  });

  it('a transfer racing a finish on one node: exactly one wins and the state agrees with it', async () => {
    for (let round = 0; round < 5; round++) {
      const { user, agent, questionId, target } = await handover();
      await online(target);
      const [moved, finished] = await Promise.all([
        transfer(questionId, agent, target.servId),
        api.post(`/v1/question/${questionId}/finish`, { session: agent.session, serv_id: agent.servId }),
      ]);
      assert.equal([moved.status, finished.status].filter((s) => s === 200).length, 1, `round ${round}`);
      const { messages } = assertOk(await api.get(`/v1/question/${questionId}/message`, { sort: 1 }, { session: user.session }), messagesReply);
      if (moved.status === 200) {
        assertError(finished, 'question_taken');
        assert.deepEqual(await tasksOf(target), [questionId]);
        assert.deepEqual(messages.map((m) => m.type === 4 && m.action), [1, 7]);
      } else {
        assertError(moved, 'question_finished');
        assert.deepEqual(messages.map((m) => m.type === 4 && m.action), [1, 4]);
      }
    }
  });
});
