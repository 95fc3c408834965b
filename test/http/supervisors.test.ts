/**
 * Supervisors (issue 13) over real HTTP: the role set by the admin API and shown in lists, a
 * supervisor reading another agent's tasks in the apps it supervises, and serving like any agent.
 */
import assert from 'node:assert/strict';
import { messageIdReply, okReply, servAgentsReply, summaryListReply } from '../../shared/schemas/responses.js';
import { assertError, assertOk } from '../support/envelope.js';
import { ADMIN_TOKEN, useTestServer } from '../support/server.js';

const auth = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };

describe('supervisors (role on agents)', () => {
  const { server, f } = useTestServer();

  it('POST /v1/admin/servs sets the role (agent by default); GET /v1/serv/agents shows it', async () => {
    const app = await f.app();
    const add = (servId: string, extra: Record<string, unknown>) =>
      f.api.post('/v1/admin/servs', { serv_id: servId, password: 'pw', identifies: [app], ...extra }, auth);
    assertOk(await add('lead-1', { role: 'supervisor' }), okReply);
    assertOk(await add('plain-1', {}), okReply);
    assertError(await add('bad-1', { role: 'boss' }), 'param_invalid', 'role');
    assert.equal((await server.deps.store.accounts.getAgent('lead-1'))?.role, 'supervisor');
    const viewer = await f.agent({ identifies: [app] });
    const agents = assertOk(await f.api.get('/v1/serv/agents', { identify: app }, { session: viewer.session }), servAgentsReply).agents;
    assert.deepEqual(agents.filter((a) => a.serv_id.endsWith('-1')).map((a) => [a.serv_id, a.role]), [['lead-1', 'supervisor'], ['plain-1', 'agent']]);
    // An update without a role makes it an agent again.
    assertOk(await add('lead-1', {}), okReply);
    assert.equal((await server.deps.store.accounts.getAgent('lead-1'))?.role, 'agent');
  });

  it("reads any agent's tasks in the apps it supervises, and only there; an agent reads its own only", async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    const other = await f.app();
    const supervisor = await f.agent({ identifies: [user.identify, other], role: 'supervisor' });
    const tasksOf = (servId: string, session: string, params: Record<string, unknown> = {}) =>
      f.api.get(`/v1/serv/${servId}/tasks`, params, { session });
    const listed = assertOk(await tasksOf(agent.servId, supervisor.session), summaryListReply).questions;
    assert.deepEqual(listed.map((q) => q.question_id), [questionId]);
    assert.equal(assertOk(await tasksOf(agent.servId, supervisor.session, { identify: other }), summaryListReply).questions.length, 0);
    assertError(await tasksOf(agent.servId, supervisor.session, { identify: (await f.app()) }), 'forbidden', 'identify');
    const colleague = await f.agent({ identifies: [user.identify] });
    assertError(await tasksOf(agent.servId, colleague.session), 'serv_not_bound', 'serv_id');
  });

  it('serves, writes and finishes like any agent; reads the cycles of every conversation of its apps', async () => {
    const user = await f.user();
    const supervisor = await f.agent({ identifies: [user.identify], role: 'supervisor' });
    const questionId = await f.question(user);
    await f.serve(questionId, supervisor);
    assertOk(await f.sendText(questionId, supervisor, 'on it'), messageIdReply);
    assertOk(await f.api.post(`/v1/question/${questionId}/finish`, { session: supervisor.session, serv_id: supervisor.servId }), messageIdReply);
    const cycles = (await f.api.get(`/v1/question/${questionId}/cycles`, {}, { session: supervisor.session })).body.cycles;
    assert.deepEqual(cycles.map((c: { agents: string[]; agent_messages: number }) => [c.agents, c.agent_messages]), [[[supervisor.servId], 1]]);
  });
});
