/**
 * Model-based sequences: generated conversations of three users and four agents (three of the
 * users' app, one of another app) — ask, serve, quit, finish, request_finish, confirm_finish,
 * reopen, sends, private notes, bind/unbind, valid or not — run over real HTTP against a small
 * model. Every reply must be the one the model predicts; after each run the server's own data
 * (messages by seq, the user lists, the agents' tasks and loads, an agent's timeline with its
 * notes) must satisfy the invariants: above all, no read of a user ever holds a note and its seqs
 * stay 1..n. Agents have capacities (max_concurrent 1, 2, none): the model predicts
 * agent_at_capacity from its own count of the questions each agent serves. Agents have a presence
 * (a socket of a session of their own, online or away, or none): a reopen goes back to its agent
 * only while it is online with room. Each run's app has routing manual or auto; in auto runs, after
 * every step the model drains the queue oldest first (lowest load among the online agents with
 * room, never the question's last quitter) and checks the server assigned exactly that way. Transfers
 * go only to another online agent of the app with room, so the model predicts their refusals too.
 * Replay with KEFU_FC_SEED=<seed>.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { appCreator } from '../../server/domain/commands/provisioning.js';
import { questionTransitioner } from '../../server/domain/commands/questionTransitioner.js';
import type { ApiError, ErrorCode } from '../../shared/errors.js';
import { allsReply, servAgentsReply, summaryListReply, type Message } from '../../shared/schemas/responses.js';
import { byPosition, isNote, publicMessages } from '../../shared/timeline.js';
import { AGENTS, USERS, action, fcOptions, fcTimeout, type Action } from '../support/arbitraries.js';
import { eventually } from '../support/eventually.js';
import { connectSocket, type TestSocket } from '../support/sockets.js';
import type { TestAgent, TestUser } from '../support/factories.js';
import { questionHelpers } from '../support/questions.js';
import { useTestServer } from '../support/server.js';

const FOREIGN = AGENTS - 1;
/** max_concurrent per agent (0: no limit); a reopen goes back to its agent only under it. */
const CAPACITY = [1, 2, 0, 0];
const UNKNOWN_ID = 'f'.repeat(24);

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
  /** The agent that quit it last, until another takes it (auto-assign skips it). */
  quitter: number | null;
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
  /** Each agent's presence socket (of a session of its own, never unbound) and chosen away; carried across runs. */
  const sockets: Array<TestSocket | null> = [];
  const away: boolean[] = [];
  const presenceSessions: string[] = [];
  let auto = false;
  const presenceOf = (i: number) => (sockets[i] ? (away[i] ? 'away' : 'online') : 'offline');
  after(() => sockets.forEach((socket) => socket?.close()));

  before(async () => {
    app = await f.app();
    const other = await f.app();
    agents = [];
    for (let i = 0; i < AGENTS; i++) agents.push(await f.agent({ identifies: [i === FOREIGN ? other : app], maxConcurrent: CAPACITY[i] }));
    bound.push(...agents.map(() => true));
    for (const agent of agents) {
      const device = await f.user({ identify: agent.identifies[0] });
      const reply = await f.api.post('/v1/serv/bind', { session: device.session, serv_id: agent.servId, password: agent.password });
      assert.equal(reply.status, 200, reply.text);
      presenceSessions.push(device.session);
      sockets.push(null);
      away.push(false);
    }
  });

  /** The questions the model says an agent serves now (its load). */
  const loadOf = (qs: QState[], agent: number) => qs.filter((q) => q.status === 2 && q.serv === agent).length;
  const atCapacity = (qs: QState[], agent: number) => CAPACITY[agent]! > 0 && loadOf(qs, agent) >= CAPACITY[agent]!;

  /** The refusal the model predicts for an action, or null for success. */
  function predict(a: Action, q: QState | null, qs: QState[]): ErrorCode | null {
    switch (a.kind) {
      case 'ask':
      case 'bind':
      case 'presence':
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
        if (a.to === a.agent || a.to === FOREIGN || presenceOf(a.to) !== 'online') return 'param_invalid';
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
      case 'presence':
        reply = await setPresence(a.agent, a.to);
        break;
    }
    const context = `step ${n} ${JSON.stringify(a)} on ${JSON.stringify(q && { status: q.status, serv: q.serv, owner: q.owner, finishRequested: q.finishRequested })} → ${reply.status} ${reply.text.slice(0, 200)}`;
    if (expected === null) assert.equal(reply.status, 200, context);
    else assert.equal(reply.body?.error, expected, context);
    if (expected !== null) return;

    const reopenTo = q && a.kind === 'reopen' && q.serv !== null && presenceOf(q.serv) === 'online' && !atCapacity(qs, q.serv) ? q.serv : null;
    const notice = (action: number, by: 'agent' | 'user') =>
      q!.expected.push(by === 'agent' ? { type: 4, sender: agent!.servId, sender_type: 2, action } : { type: 4, sender: user!.userId, sender_type: 1, action });
    switch (a.kind) {
      case 'ask':
        qs.push({ id: reply.body.question_id, owner: a.user, status: 1, serv: null, finishRequested: false, quitter: null, expected: [], notes: [] });
        break;
      case 'serve':
        Object.assign(q!, { status: 2, serv: a.agent, finishRequested: false, quitter: null });
        notice(1, 'agent');
        break;
      case 'quit':
        Object.assign(q!, { status: 1, serv: null, finishRequested: false, quitter: a.agent });
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
        // Back to the agent that last served it while that agent is online with room, else to the queue.
        Object.assign(q!, { status: reopenTo === null ? 1 : 2, serv: reopenTo, finishRequested: false });
        if (reopenTo !== null) q!.quitter = null;
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

  /** Brings an agent's presence socket to `to` and waits until presence reports it. */
  async function setPresence(i: number, to: 'online' | 'away' | 'offline') {
    const agent = agents[i]!;
    if (to === 'offline') {
      sockets[i]?.close();
      sockets[i] = null;
    } else {
      // The choice first: a socket that connected before choosing away would be online for a moment.
      const reply = await f.api.post('/v1/serv/status', { session: presenceSessions[i], serv_id: agent.servId, status: to });
      assert.equal(reply.status, 200, reply.text);
      away[i] = to === 'away';
      sockets[i] ??= await connectSocket(server.url, presenceSessions[i]);
    }
    await eventually(async () => (await server.deps.presence.presenceOf([agent.servId])).get(agent.servId) === presenceOf(i), `${agent.servId} ${presenceOf(i)}`);
    return { status: 200, body: {}, text: '' };
  }

  /** Every drain the events so far asked for has run (a presence edge marks its apps a moment later). */
  async function drained(): Promise<void> {
    for (let i = 0; i < 3; i++) await server.jobs.autoAssign.idle();
  }

  /**
   * Auto runs: what the server's queue drain must have done after a step. Oldest first, each waiting
   * question goes to an agent of the lowest load among the online ones with room, never its quitter
   * (ties are broken by idle time, checked in test/http/autoAssign.test.ts; here the server's pick
   * among the tied is adopted); a question left waiting had nobody eligible.
   */
  async function checkDrain(qs: QState[]): Promise<void> {
    await drained();
    const waiting = qs.filter((q) => q.status === 1).sort((x, y) => (x.id < y.id ? -1 : 1));
    for (const q of waiting) {
      const now = (await server.deps.store.conversations.getQuestion(q.id))!;
      const eligible = agents
        .map((_, i) => i)
        .filter((i) => i !== FOREIGN && i !== q.quitter && presenceOf(i) === 'online' && !atCapacity(qs, i));
      const least = Math.min(...eligible.map((i) => loadOf(qs, i)));
      if (now.status === 1) {
        assert.deepEqual(eligible, [], `${q.id} waits though ${eligible.map((i) => agents[i]!.servId)} could take it`);
        continue;
      }
      const to = agents.findIndex((agent) => agent.servId === now.servId);
      assert.equal(now.status, 2, `${q.id} left the queue other than by assignment`);
      assert.ok(eligible.includes(to) && loadOf(qs, to) === least, `${q.id} assigned to ${now.servId}, not one of the least loaded of ${eligible.map((i) => agents[i]!.servId)}`);
      Object.assign(q, { status: 2, serv: to, finishRequested: false, quitter: null });
      q.expected.push({ type: 4, sender: now.servId!, sender_type: 2, action: 1 });
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
          // The notice says where it went: back to the agent that served it, or (null) the queue.
          assert.ok(status === 3 && byOwner && (m.serv_id === null || (m.serv_id === serving && serving !== null)), where);
          [status, serving] = m.serv_id ? [2, m.serv_id] : [1, null];
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
    // The loads and presence the API shows are the model's, and nobody serves more than its limit.
    const listed = await f.api.get('/v1/serv/agents', { identify: app }, { session: agents[0]!.session });
    const shown = new Map(servAgentsReply.parse(listed.body).agents.map((a) => [a.serv_id, a]));
    for (const [i, agent] of agents.entries()) {
      if (i === FOREIGN) continue;
      assert.equal(shown.get(agent.servId)?.load, loadOf(qs, i), `load of ${agent.servId}`);
      assert.equal(shown.get(agent.servId)?.presence, presenceOf(i), `presence of ${agent.servId}`);
      if (CAPACITY[i]! > 0) assert.ok(loadOf(qs, i) <= CAPACITY[i]!, `${agent.servId} over its limit`);
    }
  }

  /**
   * Earlier runs leave questions waiting or in progress; the sweeper's timeout ends them (in a manual
   * app, so nothing is assigned meanwhile), so each run starts with an empty queue and every load at 0.
   */
  async function endEarlierRuns(): Promise<void> {
    await appCreator(server.deps, { identify: app, routing: 'manual' });
    await drained();
    for (const filter of [...agents.map((agent) => ({ status: 2 as const, servId: agent.servId })), { status: 1 as const, identifies: [app] }]) {
      const open = await server.deps.store.conversations.listQuestions(filter, { num: 100, offset: 0, sort: 1 });
      for (const q of open) await questionTransitioner(server.deps, { name: 'timeOut', questionId: q.id, actor: 'system' });
    }
  }

  it('every reply matches the model and the stored history obeys the transition table', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(action, { minLength: 1, maxLength: 30, size: 'max' }), async (routingAuto, actions) => {
        await endEarlierRuns();
        auto = routingAuto;
        if (auto) await appCreator(server.deps, { identify: app, routing: 'auto' });
        const users: TestUser[] = [];
        for (let i = 0; i < USERS; i++) users.push(await f.user({ identify: app }));
        const qs: QState[] = [];
        // One question up front, so most generated actions meet a real question.
        const steps: Action[] = [{ kind: 'ask', user: 0 }, ...actions];
        for (const [n, a] of steps.entries()) {
          await step(a, users, qs, n);
          if (auto) await checkDrain(qs);
        }
        await checkInvariants(users, qs);
      }),
      fcOptions(25),
    );
    assert.equal((await f.api.get('/healthz')).status, 200);
  });
});
