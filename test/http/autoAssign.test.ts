/**
 * Auto-assign (issue 12) on one node, over real HTTP and real sockets: an app's `routing`, questions
 * going to the online agent with the lowest load (ties: idle longest), never back to the agent that
 * quit, the queue draining oldest first as room appears, and reopen going back only to an online
 * agent with room, its notice saying where.
 */
import assert from 'node:assert/strict';
import { agentUpserter, appCreator } from '../../server/domain/commands/provisioning.js';
import { messageIdReply, okReply, servStatusReply } from '../../shared/schemas/responses.js';
import { assertError, assertOk } from '../support/envelope.js';
import { eventually } from '../support/eventually.js';
import type { TestAgent, TestUser } from '../support/factories.js';
import { questionHelpers } from '../support/questions.js';
import { ADMIN_TOKEN, useTestServer } from '../support/server.js';
import { recordedSocket, type Recorded } from '../support/sockets.js';

const auth = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };

describe('auto-assign: routing "auto", the queue drain, reopen to an online agent', () => {
  const { server, f, api } = useTestServer();
  const h = questionHelpers(f);
  const open: Recorded[] = [];
  afterEach(() => open.splice(0).forEach((socket) => socket.close()));

  const admin = (body: Record<string, unknown>) => api.post('/v1/admin/apps', body, auth);
  const question = (id: string) => server.deps.store.conversations.getQuestion(id);
  const presence = async (servId: string) => (await server.deps.presence.presenceOf([servId])).get(servId);

  async function autoApp(): Promise<string> {
    const identify = await f.app();
    assertOk(await admin({ identify, routing: 'auto' }), okReply);
    return identify;
  }

  /** An agent of the app with a connected socket: online once presence says so. */
  async function onlineAgent(identify: string, maxConcurrent?: number): Promise<TestAgent & { socket: Recorded }> {
    const agent = await f.agent({ identifies: [identify], maxConcurrent });
    const socket = await connect(agent);
    return { ...agent, socket };
  }

  async function connect(agent: TestAgent): Promise<Recorded> {
    const socket = await recordedSocket(server.url, agent.session);
    open.push(socket);
    await eventually(async () => (await presence(agent.servId)) === 'online', `${agent.servId} online`);
    return socket;
  }

  /** Lets every drain the events so far asked for finish (a presence edge marks its apps a moment later). */
  async function settled(): Promise<void> {
    for (let i = 0; i < 3; i++) await server.jobs.autoAssign.idle();
  }

  async function assignedTo(id: string, servId: string): Promise<void> {
    await eventually(async () => {
      const q = await question(id);
      return q?.status === 2 && q.servId === servId;
    }, `question ${id} assigned to ${servId}`);
  }

  async function waiting(id: string): Promise<void> {
    await settled();
    const q = await question(id);
    assert.equal(q?.status, 1, `question ${id} should wait, but it is ${JSON.stringify(q && { status: q.status, serv_id: q.servId })}`);
  }

  async function ask(user: TestUser, title = 'Help please'): Promise<string> {
    return f.question(user, { title });
  }

  describe('the routing parameter', () => {
    it('stores auto and manual, keeps the routing when an update leaves it out, and a new app is manual', async () => {
      const identify = await f.app();
      assert.equal((await server.deps.store.accounts.getApp(identify))?.routing, 'manual');
      assertOk(await admin({ identify, routing: 'auto' }), okReply);
      assert.equal((await server.deps.store.accounts.getApp(identify))?.routing, 'auto');
      assertOk(await admin({ identify, name: 'Renamed' }), okReply);
      const renamed = await server.deps.store.accounts.getApp(identify);
      assert.deepEqual([renamed?.name, renamed?.routing], ['Renamed', 'auto']);
      assertOk(await admin({ identify, routing: 'manual' }), okReply);
      assert.equal((await server.deps.store.accounts.getApp(identify))?.routing, 'manual');
    });

    it('refuses any other value with param_invalid on field routing, and creates nothing', async () => {
      for (const routing of ['robin', 'AUTO', 'true', '1']) {
        const identify = `com.test.bad${routing.toLowerCase()}${Date.now()}`;
        assertError(await admin({ identify, routing }), 'param_invalid', 'routing');
        assert.equal(await server.deps.store.accounts.getApp(identify), null);
      }
    });

    it('in a manual app nothing is assigned, though an agent is online and free', async () => {
      const identify = await f.app();
      await onlineAgent(identify);
      const q = await ask(await f.user({ identify }));
      await waiting(q);
    });

    it('switching an app to auto assigns what already waits, oldest first', async () => {
      const identify = await f.app();
      const user = await f.user({ identify });
      const [q1, q2] = [await ask(user, 'first'), await ask(user, 'second')];
      const agent = await onlineAgent(identify, 1);
      await waiting(q1);
      assertOk(await admin({ identify, routing: 'auto' }), okReply);
      await assignedTo(q1, agent.servId);
      await waiting(q2);
      // Back to manual: what was assigned stays, and room no longer draws questions.
      assertOk(await admin({ identify, routing: 'manual' }), okReply);
      assertOk(await h.agentAction(q1, 'finish', agent), messageIdReply);
      await waiting(q2);
      await f.serve(q2, agent);
    });
  });

  describe('asking', () => {
    it('goes to the online agent: status 2, an action-1 notice signed by the agent, question:updated on its socket, queue:removed', async () => {
      const identify = await autoApp();
      const agent = await onlineAgent(identify);
      const user = await f.user({ identify });
      const userSocket = await recordedSocket(server.url, user.session);
      open.push(userSocket);
      const q = await ask(user);
      const updated = await agent.socket.waitFor('question:updated', (p) => p.question_id === q);
      assert.deepEqual(updated, { question_id: q, status: 2, serv_id: agent.servId, action: 1 });
      await agent.socket.waitFor('queue:removed', (p) => p.question_id === q);
      await userSocket.waitFor('question:updated', (p) => p.question_id === q && p.serv_id === agent.servId);
      const notice = await agent.socket.waitFor('message:new', (p) => p.question_id === q);
      assert.deepEqual(
        { sender: notice.message.sender, sender_type: notice.message.sender_type, type: notice.message.type, seq: notice.message.seq },
        { sender: agent.servId, sender_type: 2, type: 4, seq: 1 },
      );
      assert.deepEqual(await h.stateOf(q, user), { status: 2, serv_id: agent.servId });
      assert.deepEqual(await h.tasksOf(agent), [q]);
      // The agent answers as if it had served it.
      assertOk(await f.sendText(q, agent, 'hello, I am on it'), messageIdReply);
    });

    it('skips agents that are away or offline', async () => {
      const identify = await autoApp();
      const away = await onlineAgent(identify);
      assertOk(await api.post('/v1/serv/status', { session: away.session, serv_id: away.servId, status: 'away' }), servStatusReply);
      await eventually(async () => (await presence(away.servId)) === 'away', 'away');
      await f.agent({ identifies: [identify] }); // bound, no socket: offline
      const q = await ask(await f.user({ identify }));
      await waiting(q);
      const online = await onlineAgent(identify);
      await assignedTo(q, online.servId);
    });

    it('goes to the lowest load under capacity', async () => {
      const identify = await autoApp();
      const user = await f.user({ identify });
      const busy = await onlineAgent(identify);
      const first = await ask(user);
      await assignedTo(first, busy.servId);
      const idle = await onlineAgent(identify);
      const second = await ask(user);
      await assignedTo(second, idle.servId);
    });

    it('breaks a tie of loads by idle time: the agent given a question longest ago, whatever its serv_id', async () => {
      const identify = await autoApp();
      const user = await f.user({ identify });
      const [a, b] = [await f.agent({ identifies: [identify], servId: `a${Date.now()}`.slice(0, 20) }), await f.agent({ identifies: [identify], servId: `b${Date.now()}`.slice(0, 20) })];
      // Both busy before either is online, b given its question first: b has been idle longest after both finish.
      const [qb, qa] = [await ask(user), await ask(user)];
      await f.serve(qb, b);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await f.serve(qa, a);
      for (const [q, agent] of [[qb, b], [qa, a]] as const) assertOk(await h.agentAction(q, 'finish', agent), messageIdReply);
      await connect(a);
      await connect(b);
      const next = await ask(user);
      await assignedTo(next, b.servId);
      // The next one goes to a: its load (0) is now the lower one.
      const after = await ask(user);
      await assignedTo(after, a.servId);
    });

    it('waits when every online agent is at capacity, and a manual serve still works in an auto app', async () => {
      const identify = await autoApp();
      const user = await f.user({ identify });
      const agent = await onlineAgent(identify, 1);
      const first = await ask(user);
      await assignedTo(first, agent.servId);
      const second = await ask(user);
      await waiting(second);
      const other = await f.agent({ identifies: [identify] });
      await f.serve(second, other);
      assert.deepEqual(await h.stateOf(second, user), { status: 2, serv_id: other.servId });
    });
  });

  describe('quitting', () => {
    it('goes to another online agent, never straight back to the one that quit', async () => {
      const identify = await autoApp();
      const user = await f.user({ identify });
      const first = await onlineAgent(identify);
      const q = await ask(user);
      await assignedTo(q, first.servId);
      const second = await onlineAgent(identify);
      // second has the lower load now, but load it so the quitter would win on load alone.
      const filler = await ask(user);
      await assignedTo(filler, second.servId);
      assertOk(await h.agentAction(q, 'quit', first), messageIdReply);
      await assignedTo(q, second.servId);
      await second.socket.waitFor('question:updated', (p) => p.question_id === q && p.status === 2 && p.serv_id === second.servId);
    });

    it('waits when the quitter is the only agent with room, and goes to the next agent to come online', async () => {
      const identify = await autoApp();
      const user = await f.user({ identify });
      const only = await onlineAgent(identify);
      const q = await ask(user);
      await assignedTo(q, only.servId);
      assertOk(await h.agentAction(q, 'quit', only), messageIdReply);
      await waiting(q);
      const next = await onlineAgent(identify);
      await assignedTo(q, next.servId);
    });
  });

  describe('the queue drains oldest first as room appears', () => {
    async function fullAgent(identify: string, user: TestUser) {
      const agent = await onlineAgent(identify, 1);
      const held = await ask(user, 'held');
      await assignedTo(held, agent.servId);
      const [older, newer] = [await ask(user, 'older'), await ask(user, 'newer')];
      await waiting(older);
      await waiting(newer);
      return { agent, held, older, newer };
    }

    it('on a finish', async () => {
      const identify = await autoApp();
      const user = await f.user({ identify });
      const { agent, held, older, newer } = await fullAgent(identify, user);
      assertOk(await h.agentAction(held, 'finish', agent), messageIdReply);
      await assignedTo(older, agent.servId);
      await waiting(newer);
    });

    it('on an agent coming online', async () => {
      const identify = await autoApp();
      const user = await f.user({ identify });
      const { older, newer } = await fullAgent(identify, user);
      const late = await onlineAgent(identify, 1);
      await assignedTo(older, late.servId);
      await waiting(newer);
    });

    it('on a higher max_concurrent', async () => {
      const identify = await autoApp();
      const user = await f.user({ identify });
      const { agent, older, newer } = await fullAgent(identify, user);
      await agentUpserter(server.deps, { serv_id: agent.servId, password: agent.password, identifies: [identify], max_concurrent: 2 });
      await assignedTo(older, agent.servId);
      await waiting(newer);
    });

    it('on a quit (to someone else) and on a timeout', async () => {
      const identify = await autoApp();
      const user = await f.user({ identify });
      const { agent, held, older, newer } = await fullAgent(identify, user);
      const other = await f.agent({ identifies: [identify] });
      // A second agent, offline, takes `older` by hand, then the first agent's question times out.
      await f.serve(older, other);
      const { questionTransitioner } = await import('../../server/domain/commands/questionTransitioner.js');
      await questionTransitioner(server.deps, { name: 'timeOut', questionId: held, actor: 'system' });
      await assignedTo(newer, agent.servId);
    });
  });

  describe('reopen', () => {
    async function resolvedBy(identify: string, agent: TestAgent, user: TestUser): Promise<string> {
      const q = await ask(user);
      await assignedTo(q, agent.servId);
      assertOk(await h.agentAction(q, 'finish', agent), messageIdReply);
      return q;
    }
    const reopenNotice = async (q: string, user: TestUser) => {
      const notices = (await h.allMessages(q, user)).filter((m) => m.type === 4 && m.action === 6);
      assert.equal(notices.length, 1);
      return notices[0] as { serv_id?: string | null };
    };

    it('goes back to the former agent while it is online with room; the notice names it', async () => {
      const identify = await autoApp();
      const user = await f.user({ identify });
      const agent = await onlineAgent(identify);
      const q = await resolvedBy(identify, agent, user);
      assertOk(await h.userAction(q, 'reopen', user), messageIdReply);
      assert.deepEqual(await h.stateOf(q, user), { status: 2, serv_id: agent.servId });
      assert.equal((await reopenNotice(q, user)).serv_id, agent.servId);
      await agent.socket.waitFor('message:new', (p) => p.question_id === q && p.message.action === 6 && p.message.serv_id === agent.servId);
    });

    it('goes to the queue when the former agent is offline, notice serv_id null, and in an auto app to an online agent', async () => {
      const identify = await autoApp();
      const user = await f.user({ identify });
      const agent = await onlineAgent(identify);
      const q = await resolvedBy(identify, agent, user);
      agent.socket.close();
      await eventually(async () => (await presence(agent.servId)) === 'offline', 'offline');
      const other = await onlineAgent(identify);
      assertOk(await h.userAction(q, 'reopen', user), messageIdReply);
      assert.equal((await reopenNotice(q, user)).serv_id, null);
      await assignedTo(q, other.servId);
    });

    it('goes to the queue when the former agent is at capacity (checked in the write), or away; in a manual app it waits there', async () => {
      const identify = await f.app();
      const user = await f.user({ identify });
      const agent = await onlineAgent(identify, 1);
      const q = await ask(user);
      await f.serve(q, agent);
      assertOk(await h.agentAction(q, 'finish', agent), messageIdReply);
      const busy = await ask(user);
      await f.serve(busy, agent);
      assertOk(await h.userAction(q, 'reopen', user), messageIdReply);
      assert.deepEqual(await h.stateOf(q, user), { status: 1, serv_id: null });
      assert.equal((await reopenNotice(q, user)).serv_id, null);

      const q2 = await ask(user);
      assertOk(await h.agentAction(busy, 'finish', agent), messageIdReply);
      await f.serve(q2, agent);
      assertOk(await h.agentAction(q2, 'finish', agent), messageIdReply);
      assertOk(await api.post('/v1/serv/status', { session: agent.session, serv_id: agent.servId, status: 'away' }), servStatusReply);
      assertOk(await h.userAction(q2, 'reopen', user), messageIdReply);
      assert.deepEqual(await h.stateOf(q2, user), { status: 1, serv_id: null });
      await waiting(q2);
    });
  });

  it('the app routing is set by appCreator for the CLI too (routing left out keeps it)', async () => {
    const identify = await f.app();
    await appCreator(server.deps, { identify, routing: 'auto' });
    await appCreator(server.deps, { identify, name: 'Kept' });
    assert.equal((await server.deps.store.accounts.getApp(identify))?.routing, 'auto');
  });
});
