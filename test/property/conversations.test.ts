/**
 * Model-based sequences: generated conversations of three users and four agents (three of the
 * users' app, one of another app) — ask, serve, quit, finish, request_finish, confirm_finish,
 * reopen, sends, private notes, bind/unbind, valid or not — run over real HTTP against a small
 * model. Every reply must be the one the model predicts; after each run the server's own data
 * (messages by seq, the user lists, the agents' tasks and loads, an agent's timeline with its
 * notes) must satisfy the invariants: above all, no read of a user ever holds a note and its seqs
 * stay 1..n. Agents have capacities (max_concurrent 1, 2, none): the model predicts
 * agent_at_capacity from its own count of the questions each agent serves. Transfers go to agents
 * whose presence is fixed for the whole test (PRESENCE: a socket of a device of their own, kept
 * apart from the session bind/unbind toggles), so the model predicts their refusals too.
 * Replay with KEFU_FC_SEED=<seed>.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { questionTransitioner } from '../../server/domain/commands/questionTransitioner.js';
import type { ApiError, ErrorCode } from '../../shared/errors.js';
import { allsReply, servAgentsReply, summaryListReply, type Message } from '../../shared/schemas/responses.js';
import { byPosition, isNote, publicMessages } from '../../shared/timeline.js';
import { AGENTS, USERS, action, fcOptions, fcTimeout, type Action } from '../support/arbitraries.js';
import type { TestAgent, TestUser } from '../support/factories.js';
import { questionHelpers } from '../support/questions.js';
import { eventually } from '../support/eventually.js';
import { useTestServer } from '../support/server.js';
import { connectSocket, type TestSocket } from '../support/sockets.js';

const FOREIGN = AGENTS - 1;
/** max_concurrent per agent (0: no limit); a reopen back to its agent is never refused by it. */
const CAPACITY = [1, 2, 0, 0];
const UNKNOWN_ID = 'f'.repeat(24);
/** Each agent's presence for the whole test: agent 0 connected but away, 1 and 2 online, the foreign one offline. */
const PRESENCE = ['away', 'online', 'online', 'offline'] as const;

interface Expected {
  type: 3 | 4;
  sender: string;
  sender_type: 1 | 2;
  action?: number;
  text?: string;
  /** A transfer notice (action 7): the agents it names. */
  from_serv_id?: string;
  serv_id?: string;
}
interface QState {
  id: string;
  owner: number;
  status: 1 | 2 | 3;
  serv: number | null;
  finishRequested: boolean;
  expected: Expected[];
  /** Notes written, each after the message count it followed (its after_seq). */
  notes: Array<{ sender: string; text: string; after_seq: number }>;
}

describe('property: conversations follow the state machine', function () {
  this.timeout(fcTimeout(120_000));
  const { server, f } = useTestServer();
  const h = questionHelpers(f);
  let app: string;
  let agents: TestAgent[];
  /** Whether each agent's device session is bound now; carried across runs. */
  const bound: boolean[] = [];

  before(async () => {
    app = await f.app();
    const other = await f.app();
    agents = [];
    for (let i = 0; i < AGENTS; i++) agents.push(await f.agent({ identifies: [i === FOREIGN ? other : app], maxConcurrent: CAPACITY[i] }));
    bound.push(...agents.map(() => true));
    // Presence from devices of their own, so unbinding an agent's main session changes nothing of it.
    for (const [i, agent] of agents.entries()) {
      if (PRESENCE[i] === 'offline') continue;
      const device = await f.user({ identify: agent.identifies[0] });
      assert.equal((await f.api.post('/v1/serv/bind', { session: device.session, serv_id: agent.servId, password: agent.password })).status, 200);
      if (PRESENCE[i] === 'away') {
        assert.equal((await f.api.post('/v1/serv/status', { session: device.session, serv_id: agent.servId, status: 'away' })).status, 200);
      }
      presenceSockets.push(await connectSocket(server.url, device.session));
    }
    await eventually(async () => {
      const now = await server.deps.presence.presenceOf(agents.map((a) => a.servId));
      return agents.every((a, i) => now.get(a.servId) === PRESENCE[i]);
    }, 'every agent in its presence');
  });
  const presenceSockets: TestSocket[] = [];
  after(() => presenceSockets.forEach((socket) => socket.close()));

  /** The questions the model says an agent serves now (its load). */
  const loadOf = (qs: QState[], agent: number) => qs.filter((q) => q.status === 2 && q.serv === agent).length;
  const atCapacity = (qs: QState[], agent: number) => CAPACITY[agent]! > 0 && loadOf(qs, agent) >= CAPACITY[agent]!;

  /** The refusal the model predicts for an action, or null for success. */
  function predict(a: Action, q: QState | null, qs: QState[]): ErrorCode | null {
    switch (a.kind) {
      case 'ask':
      case 'bind':
        return null;
      case 'unbind':
        return bound[a.agent] ? null : 'serv_not_bound';
    }
    if (!q) return 'question_not_found';
    switch (a.kind) {
      case 'serve':
      case 'quit':
      case 'finish':
      case 'request_finish':
        if (!bound[a.agent] || a.asOther) return 'serv_not_bound';
        if (a.agent === FOREIGN) return 'forbidden';
        if (a.kind === 'serve') {
          if (q.status !== 1) return q.status === 2 ? 'question_taken' : 'question_finished';
          return atCapacity(qs, a.agent) ? 'agent_at_capacity' : null;
        }
        if (q.status !== 2) return q.status === 1 ? 'question_not_started' : 'question_finished';
        return q.serv === a.agent ? null : 'question_taken';
      case 'transfer':
        // The caller first, then the state, then the target (its presence, then its capacity in the write).
        if (!bound[a.agent]) return 'serv_not_bound';
        if (a.agent === FOREIGN) return 'forbidden';
        if (q.status !== 2) return q.status === 1 ? 'question_not_started' : 'question_finished';
        if (q.serv !== a.agent) return 'question_taken';
        if (a.to === a.agent || a.to === FOREIGN || PRESENCE[a.to] !== 'online') return 'param_invalid';
        return atCapacity(qs, a.to) ? 'agent_at_capacity' : null;
      case 'note':
        if (!bound[a.agent]) return 'serv_not_bound';
        return a.agent === FOREIGN ? 'forbidden' : null;
      case 'send_agent':
        if (!bound[a.agent]) return 'sender_mismatch';
        if (a.agent === FOREIGN) return 'forbidden';
        if (q.status !== 2) return q.status === 1 ? 'question_not_started' : 'question_finished';
        return q.serv === a.agent ? null : 'question_taken';
      case 'send_user':
        if (a.asOther) return 'sender_mismatch';
        if (q.owner !== a.user) return 'forbidden';
        return q.status === 3 ? 'question_finished' : null;
      case 'reopen':
        if (q.owner !== a.user) return 'forbidden';
        return q.status === 3 ? null : 'question_not_finished';
      case 'confirm_finish':
        if (q.owner !== a.user) return 'forbidden';
        if (q.status === 2) return q.finishRequested ? null : 'question_not_finished';
        return q.status === 3 ? 'question_finished' : 'question_not_started';
      case 'time_out':
        return q.status === 3 ? 'question_finished' : null;
    }
  }

  /** Runs one action over HTTP, checks the reply against the model, then advances the model. */
  async function step(generated: Action, users: TestUser[], qs: QState[], n: number): Promise<void> {
    const q = 'q' in generated && generated.q >= 0 && qs.length ? qs[generated.q % qs.length]! : null;
    const a = { ...generated };
    if ('agent' in a && a.agent < 0) a.agent = q?.serv ?? 0;
    if ('user' in a && a.user < 0) a.user = q?.owner ?? 0;
    const qid = q?.id ?? UNKNOWN_ID;
    const expected = predict(a, q, qs);
    const agent = 'agent' in a ? agents[a.agent]! : undefined;
    const user = 'user' in a ? users[a.user]! : undefined;
    const text = `m${n}`;
    let reply;
    switch (a.kind) {
      case 'ask':
        reply = await f.api.post('/v1/question/new', { session: user!.session, title: `t${n}` });
        break;
      case 'bind':
      case 'unbind':
        reply = await f.api.post(`/v1/serv/${a.kind}`, { session: agent!.session, serv_id: agent!.servId, password: agent!.password });
        if (reply.status === 200) bound[a.agent] = a.kind === 'bind';
        break;
      case 'serve':
      case 'quit':
      case 'finish':
      case 'request_finish': {
        const named = a.asOther ? agents[(a.agent + 1) % FOREIGN]!.servId : agent!.servId;
        reply = await f.api.post(`/v1/question/${qid}/${a.kind}`, { session: agent!.session, serv_id: named });
        break;
      }
      case 'confirm_finish':
      case 'reopen':
        reply = await f.api.post(`/v1/question/${qid}/${a.kind}`, { session: user!.session });
        break;
      case 'send_user': {
        const sender = a.asOther ? users[(a.user + 1) % USERS]!.userId : user!.userId;
        reply = await f.api.post(`/v1/question/${qid}/message/send_text`, { session: user!.session, sender, sender_type: 1, text });
        break;
      }
      case 'send_agent':
        reply = await f.api.post(`/v1/question/${qid}/message/send_text`, { session: agent!.session, sender: agent!.servId, sender_type: 2, text });
        break;
      case 'note':
        reply = await f.note(qid, agent!, text);
        break;
      case 'transfer':
        reply = await f.api.post(`/v1/question/${qid}/transfer`, { session: agent!.session, serv_id: agent!.servId, to_serv_id: agents[a.to]!.servId });
        break;
      case 'time_out':
        reply = await questionTransitioner(server.deps, { name: 'timeOut', questionId: qid, actor: 'system' }).then(
          () => ({ status: 200, body: {}, text: '' }),
          (e: ApiError) => ({ status: e.httpStatus, body: e.toBody(), text: e.message }),
        );
        break;
    }
    const context = `step ${n} ${JSON.stringify(a)} on ${JSON.stringify(q && { status: q.status, serv: q.serv, owner: q.owner, finishRequested: q.finishRequested })} → ${reply.status} ${reply.text.slice(0, 200)}`;
    if (expected === null) assert.equal(reply.status, 200, context);
    else assert.equal(reply.body?.error, expected, context);
    if (expected !== null) return;

    const notice = (action: number, by: 'agent' | 'user') =>
      q!.expected.push(by === 'agent' ? { type: 4, sender: agent!.servId, sender_type: 2, action } : { type: 4, sender: user!.userId, sender_type: 1, action });
    switch (a.kind) {
      case 'ask':
        qs.push({ id: reply.body.question_id, owner: a.user, status: 1, serv: null, finishRequested: false, expected: [], notes: [] });
        break;
      case 'serve':
        Object.assign(q!, { status: 2, serv: a.agent, finishRequested: false });
        notice(1, 'agent');
        break;
      case 'quit':
        Object.assign(q!, { status: 1, serv: null, finishRequested: false });
        notice(2, 'agent');
        break;
      case 'request_finish':
        q!.finishRequested = true;
        notice(3, 'agent');
        break;
      case 'finish':
        Object.assign(q!, { status: 3, finishRequested: false });
        notice(4, 'agent');
        break;
      case 'confirm_finish':
        Object.assign(q!, { status: 3, finishRequested: false });
        notice(4, 'user');
        break;
      case 'reopen':
        // The agent that last served it still serves the app, so it gets the question back.
        Object.assign(q!, { status: q!.serv === null ? 1 : 2, finishRequested: false });
        notice(6, 'user');
        break;
      case 'send_user':
        q!.finishRequested = false;
        q!.expected.push({ type: 3, sender: user!.userId, sender_type: 1, text });
        break;
      case 'send_agent':
        q!.expected.push({ type: 3, sender: agent!.servId, sender_type: 2, text });
        break;
      case 'transfer':
        // A transfer is a transition like any other: it withdraws a pending finish request.
        Object.assign(q!, { serv: a.to, finishRequested: false });
        q!.expected.push({ type: 4, sender: agent!.servId, sender_type: 2, action: 7, from_serv_id: agent!.servId, serv_id: agents[a.to]!.servId });
        break;
      case 'note':
        // Nothing of the public conversation changes: no seq, no finish request withdrawn.
        q!.notes.push({ sender: agent!.servId, text, after_seq: q!.expected.length });
        break;
      case 'time_out':
        Object.assign(q!, { status: 3, finishRequested: false });
        q!.expected.push({ type: 4, sender: 'system', sender_type: 2, action: 5 });
        break;
    }
  }

  /**
   * Replays a question's messages from status 1 without the model: each notice must be legal
   * from the status before it and signed by whoever may make that move. Returns the end state.
   */
  function replay(messages: Message[], owner: string): { status: number; serving: string | null } {
    let status = 1;
    let serving: string | null = null;
    for (const m of messages) {
      const where: string = `seq ${m.seq} ${JSON.stringify(m)} from status ${status} (serving ${serving})`;
      const byServing = m.sender_type === 2 && m.sender === serving;
      const byOwner = m.sender_type === 1 && m.sender === owner;
      if (m.type !== 4) {
        assert.ok((byOwner && status !== 3) || (byServing && status === 2), `send not allowed: ${where}`);
        continue;
      }
      switch (m.action) {
        case 1:
          assert.ok(status === 1 && m.sender_type === 2 && m.sender !== 'system', where);
          [status, serving] = [2, m.sender];
          break;
        case 2:
          assert.ok(status === 2 && byServing, where);
          [status, serving] = [1, null];
          break;
        case 3:
          assert.ok(status === 2 && byServing, where);
          break;
        case 4:
          assert.ok(status === 2 && (byServing || byOwner || m.sender === 'system'), where);
          status = 3;
          break;
        case 5:
          assert.ok(status !== 3 && m.sender === 'system' && m.sender_type === 2, where);
          status = 3;
          break;
        case 6:
          assert.ok(status === 3 && byOwner, where);
          status = serving === null ? 1 : 2;
          break;
        case 7:
          assert.ok(status === 2 && byServing && m.from_serv_id === m.sender && m.serv_id !== undefined && m.serv_id !== m.sender, where);
          serving = m.serv_id!;
          break;
        default:
          assert.fail(`unknown action: ${where}`);
      }
    }
    return { status, serving };
  }

  /** Question ids in an agent's tasks, every page. */
  async function allTasks(agent: TestAgent): Promise<string[]> {
    const ids: string[] = [];
    for (;;) {
      const reply = await f.api.get(`/v1/serv/${agent.servId}/tasks`, { num: 50, question_id: ids.at(-1) }, { session: agent.session });
      assert.equal(reply.status, 200, reply.text);
      const page = summaryListReply.parse(reply.body).questions.map((q) => q.question_id);
      ids.push(...page);
      if (page.length < 50) return ids;
    }
  }

  /** The invariants, checked against what the server itself reports. */
  async function checkInvariants(users: TestUser[], qs: QState[]): Promise<void> {
    for (const q of qs) {
      const owner = users[q.owner]!;
      const messages = await h.allMessages(q.id, owner);
      assert.deepEqual(messages.map((m) => m.seq), messages.map((_, i) => i + 1), `seq of ${q.id} not 1..n`);
      assert.equal(new Set(messages.map((m) => m.message_id)).size, messages.length, 'duplicate message ids');
      const end = replay(messages, owner.userId);
      assert.equal(end.status, q.status, `notices of ${q.id} end in another status than the model`);
      const seen = messages.map((m) =>
        m.type === 4 ? { type: 4, sender: m.sender, sender_type: m.sender_type, action: m.action, ...(m.action === 7 && { from_serv_id: m.from_serv_id, serv_id: m.serv_id }) } : { type: m.type, sender: m.sender, sender_type: m.sender_type, text: m.type === 3 ? m.text : undefined },
      );
      assert.deepEqual(seen, q.expected, `messages of ${q.id} differ from the model`);
    }
    for (const [i, user] of users.entries()) {
      const reply = await f.api.get(`/v1/user/${user.userId}/alls`, { num: 50 }, { session: user.session });
      const listed = new Map(allsReply.parse(reply.body).questions.map((q) => [q.question_id, q]));
      for (const q of qs.filter((q) => q.owner === i)) {
        const row = listed.get(q.id);
        assert.ok(row, `${q.id} missing from alls`);
        assert.deepEqual({ status: row.status, serv_id: row.serv_id }, { status: q.status, serv_id: q.serv === null ? null : agents[q.serv]!.servId }, q.id);
      }
    }
    // Tasks need a bound session: log every agent back in first.
    for (const [i, agent] of agents.entries()) {
      if (bound[i]) continue;
      const reply = await f.api.post('/v1/serv/bind', { session: agent.session, serv_id: agent.servId, password: agent.password });
      assert.equal(reply.status, 200, reply.text);
      bound[i] = true;
    }
    // An agent of the app reads the same messages with the notes in place, numbered 1..n in writing order.
    for (const q of qs) {
      const timeline = await h.timeline(q.id, agents[0]!);
      assert.deepEqual([...timeline].sort(byPosition), timeline, `timeline of ${q.id} out of order`);
      assert.deepEqual(publicMessages(timeline), await h.allMessages(q.id, users[q.owner]!), `agent and user read other messages of ${q.id}`);
      const notes = timeline.filter(isNote);
      assert.deepEqual(
        notes.map((n) => ({ sender: n.sender, text: n.text, after_seq: n.after_seq })),
        q.notes,
        `notes of ${q.id} differ from the model`,
      );
      assert.deepEqual(notes.map((n) => n.note_seq), notes.map((_, i) => i + 1));
    }
    const tasks = await Promise.all(agents.map(allTasks));
    for (const q of qs) {
      const servingAgents = agents.filter((_, i) => tasks[i]!.includes(q.id)).map((a) => a.servId);
      assert.deepEqual(servingAgents, q.status === 2 ? [agents[q.serv!]!.servId] : [], `agents serving ${q.id}`);
    }
    // The loads the API shows are the model's, and nobody serves more than its limit allows
    // except through reopens (which return a question to its agent whatever its load).
    const listed = await f.api.get('/v1/serv/agents', { identify: app }, { session: agents[0]!.session });
    const loads = new Map(servAgentsReply.parse(listed.body).agents.map((a) => [a.serv_id, a.load]));
    for (const [i, agent] of agents.entries()) {
      if (i === FOREIGN) continue;
      assert.equal(loads.get(agent.servId), loadOf(qs, i), `load of ${agent.servId}`);
    }
  }

  /** Earlier runs leave questions in progress; the sweeper's timeout ends them, so each run starts with every load at 0. */
  async function endEarlierRuns(): Promise<void> {
    for (const agent of agents) {
      const serving = await server.deps.store.conversations.listQuestions({ status: 2, servId: agent.servId }, { num: 50, offset: 0, sort: 1 });
      for (const q of serving) await questionTransitioner(server.deps, { name: 'timeOut', questionId: q.id, actor: 'system' });
    }
  }

  it('every reply matches the model and the stored history obeys the transition table', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 30, size: 'max' }), async (actions) => {
        await endEarlierRuns();
        const users: TestUser[] = [];
        for (let i = 0; i < USERS; i++) users.push(await f.user({ identify: app }));
        const qs: QState[] = [];
        // One question up front, so most generated actions meet a real question.
        const steps: Action[] = [{ kind: 'ask', user: 0 }, ...actions];
        for (const [n, a] of steps.entries()) await step(a, users, qs, n);
        await checkInvariants(users, qs);
      }),
      fcOptions(25),
    );
    assert.equal((await f.api.get('/healthz')).status, 200);
  });
});
