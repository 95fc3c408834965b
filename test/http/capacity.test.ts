/**
 * Capacity (issue 12) over real HTTP: max_concurrent on POST /admin/servs and `kefu agent:add`, a
 * serve beyond it refused with 409 agent_at_capacity, and the load GET /serv/agents shows.
 */
import assert from 'node:assert/strict';
import { messageIdReply, okReply, servAgentsReply } from '../../shared/schemas/responses.js';
import { assertError, assertOk } from '../support/envelope.js';
import { ADMIN_TOKEN, useTestServer } from '../support/server.js';

const auth = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };

describe('capacity: max_concurrent', () => {
  const { f, api } = useTestServer();

  const serve = (questionId: string, agent: { session: string; servId: string }) =>
    api.post(`/v1/question/${questionId}/serve`, { session: agent.session, serv_id: agent.servId });
  const agentsOf = async (identify: string, session: string) =>
    assertOk(await api.get('/v1/serv/agents', { identify }, { session }), servAgentsReply).agents;

  it('POST /admin/servs takes max_concurrent (0 by default; an integer 0..1000) and GET /serv/agents shows it', async () => {
    const identify = await f.app();
    const body = { serv_id: 'cap-admin', password: 'pw', identifies: [identify] };
    assertOk(await api.post('/v1/admin/servs', body, auth), okReply);
    const watcher = await f.agent({ identifies: [identify] });
    assert.equal((await agentsOf(identify, watcher.session)).find((a) => a.serv_id === 'cap-admin')!.max_concurrent, 0);
    assertOk(await api.post('/v1/admin/servs', { ...body, max_concurrent: 4 }, auth), okReply);
    assert.equal((await agentsOf(identify, watcher.session)).find((a) => a.serv_id === 'cap-admin')!.max_concurrent, 4);
    assertOk(await api.post('/v1/admin/servs', { ...body, max_concurrent: '2' }, { ...auth, form: true }), okReply);
    assert.equal((await agentsOf(identify, watcher.session)).find((a) => a.serv_id === 'cap-admin')!.max_concurrent, 2);
    for (const bad of [-1, 1001, 1.5, 'many', true]) {
      assertError(await api.post('/v1/admin/servs', { ...body, max_concurrent: bad }, auth), 'param_invalid', 'max_concurrent');
    }
  });

  it('a serve beyond the limit answers 409 agent_at_capacity on serv_id and changes nothing; a finish makes room', async () => {
    const user = await f.user();
    const agent = await f.agent({ identifies: [user.identify], maxConcurrent: 2 });
    const [a, b, c] = [await f.question(user), await f.question(user), await f.question(user)];
    assertOk(await serve(a, agent), messageIdReply);
    assertOk(await serve(b, agent), messageIdReply);
    assertError(await serve(c, agent), 'agent_at_capacity', 'serv_id');
    // Still in the queue, for this agent later or for another one now.
    const queue = await api.get('/v1/question/list', {}, { session: agent.session });
    assert.deepEqual((queue.body.questions as Array<{ question_id: string }>).map((q) => q.question_id), [c]);
    const other = await f.agent({ identifies: [user.identify] });
    assert.deepEqual(
      (await agentsOf(user.identify, other.session)).map((x) => [x.serv_id, x.load, x.max_concurrent]).sort(),
      [[agent.servId, 2, 2], [other.servId, 0, 0]].sort(),
    );

    assertOk(await api.post(`/v1/question/${a}/finish`, { session: agent.session, serv_id: agent.servId }), messageIdReply);
    assertOk(await serve(c, agent), messageIdReply);
    assert.equal((await agentsOf(user.identify, other.session)).find((x) => x.serv_id === agent.servId)!.load, 2);
  });

  it('20 concurrent serves by one agent at capacity 3: exactly 3 succeed, 17 answer agent_at_capacity', async () => {
    const user = await f.user();
    const agent = await f.agent({ identifies: [user.identify], maxConcurrent: 3 });
    const ids = await Promise.all(Array.from({ length: 20 }, () => f.question(user)));
    const replies = await Promise.all(ids.map((id) => serve(id, agent)));
    assert.equal(replies.filter((r) => r.status === 200).length, 3);
    for (const refused of replies.filter((r) => r.status !== 200)) assertError(refused, 'agent_at_capacity', 'serv_id');
    const tasks = await api.get(`/v1/serv/${agent.servId}/tasks`, {}, { session: agent.session });
    assert.equal((tasks.body.questions as unknown[]).length, 3);
  });

  it('a question already taken answers question_taken, whatever the capacity', async () => {
    const { user, questionId } = await f.servedQuestion();
    const full = await f.agent({ identifies: [user.identify], maxConcurrent: 1 });
    assertOk(await serve(await f.question(user), full), messageIdReply);
    assertError(await serve(questionId, full), 'question_taken');
  });
});
