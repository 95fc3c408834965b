/**
 * Auto-assign (apps with routing "auto"): hands an app's waiting questions, oldest first, to its
 * online agents with room. Each hand-over is one `assign` transition, a conditional write that
 * checks in the store that the question still waits, that the agent is under its max_concurrent and
 * that it is not the agent that just quit the question; so however many nodes drain one app at once,
 * each question is assigned once and no agent goes over its limit. A drain is only ever a try: what
 * it misses (a lost race, an agent that filled up meanwhile) the next drain picks up.
 *
 * Who gets a question: among the app's agents whose presence is `online` (not away, not offline)
 * and whose load is under their limit, the lowest load; on a tie the one idle longest, where an
 * agent's "idle since" is when it was last given a question (AgentRecord.lastAssignedAt, written by
 * the transition that gave it: a serve, an assignment, a reopen back to it; never given one counts
 * as idle since ever); then by serv_id, so every node orders alike. Presence is read again right
 * before each write, so an agent whose node died (presence gone, at most PRESENCE_TTL_MS later) or
 * who chose away is not given another question after that.
 */
import { ApiError } from '../../../shared/errors.js';
import { STATUS } from '../../../shared/limits.js';
import type { Deps } from '../../deps.js';
import type { AgentRecord, QuestionRecord } from '../../stores/types.js';
import { questionTransitioner } from './questionTransitioner.js';

/** An agent that may be given questions in this drain, with its load as this drain knows it. */
export interface AssignCandidate {
  servId: string;
  load: number;
  /** 0 is no limit. */
  maxConcurrent: number;
  /** When it was last given a question; 0 when never. */
  idleSince: number;
}

/** Waiting questions read per page while draining. */
const DRAIN_PAGE = 100;

const hasRoom = (agent: AssignCandidate) => agent.maxConcurrent <= 0 || agent.load < agent.maxConcurrent;

/**
 * The agent a question goes to: lowest load, then idle longest, then serv_id; never `quitServId`
 * (the agent that just quit the question). Undefined when nobody fits. Pure, so it is unit-tested.
 */
export function pickAgent(candidates: AssignCandidate[], quitServId?: string): AssignCandidate | undefined {
  let best: AssignCandidate | undefined;
  for (const agent of candidates) {
    if (agent.servId === quitServId || !hasRoom(agent)) continue;
    if (!best || compare(agent, best) < 0) best = agent;
  }
  return best;
}

function compare(a: AssignCandidate, b: AssignCandidate): number {
  return a.load - b.load || a.idleSince - b.idleSince || (a.servId < b.servId ? -1 : a.servId > b.servId ? 1 : 0);
}

/** The app's online agents with room now, with their loads. */
async function candidatesOf(deps: Deps, identify: string): Promise<AssignCandidate[]> {
  const agents = await deps.store.accounts.listAgentsOfApp(identify);
  if (agents.length === 0) return [];
  const presence = await deps.presence.presenceOf(agents.map((agent) => agent.servId));
  const online = agents.filter((agent) => presence.get(agent.servId) === 'online');
  if (online.length === 0) return [];
  const loads = await deps.store.conversations.loadsOf(online.map((agent) => agent.servId));
  return online.map((agent: AgentRecord) => ({
    servId: agent.servId,
    load: loads.get(agent.servId) ?? 0,
    maxConcurrent: agent.maxConcurrent,
    idleSince: agent.lastAssignedAt ?? 0,
  })).filter(hasRoom);
}

async function isOnlineNow(deps: Deps, servId: string): Promise<boolean> {
  return (await deps.presence.presenceOf([servId])).get(servId) === 'online';
}

/**
 * One drain of an app's queue: assigns its waiting questions, oldest first, while any online agent
 * has room. Nothing for a manual (or removed) app. Returns how many questions this drain assigned.
 */
export async function autoAssigner(deps: Deps, props: { identify: string }): Promise<number> {
  const app = await deps.store.accounts.getApp(props.identify);
  if (!app || app.routing !== 'auto') return 0;
  let free = await candidatesOf(deps, app.identify);
  let assigned = 0;
  let after: string | undefined;
  while (free.length > 0) {
    const page = await deps.store.conversations.listQuestions(
      { status: STATUS.pending, identifies: [app.identify] },
      { num: DRAIN_PAGE, offset: 0, sort: 1, after },
    );
    for (const question of page) {
      after = question.id;
      if (free.length === 0) break;
      const given = await assignOne(deps, question, free);
      free = given.free;
      if (given.to) assigned++;
    }
    if (page.length < DRAIN_PAGE) break;
  }
  return assigned;
}

/**
 * Tries the question with the best agents in turn until one write succeeds or the question has
 * moved on (served, finished, assigned by another node). An agent found full, or no longer online,
 * leaves this drain's candidates.
 */
async function assignOne(deps: Deps, question: QuestionRecord, candidates: AssignCandidate[]): Promise<{ to?: string; free: AssignCandidate[] }> {
  let free = candidates;
  for (;;) {
    const agent = pickAgent(free, question.quitServId);
    if (!agent) return { free };
    const drop = () => (free = free.filter((other) => other !== agent));
    if (!(await isOnlineNow(deps, agent.servId))) {
      drop();
      continue;
    }
    try {
      await questionTransitioner(deps, { name: 'assign', questionId: question.id, actor: 'system', servId: agent.servId });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === 'agent_at_capacity') {
        drop();
        continue;
      }
      // The question no longer waits: another node or a manual serve took it first.
      return { free };
    }
    agent.load += 1;
    agent.idleSince = deps.now();
    if (!hasRoom(agent)) drop();
    return { to: agent.servId, free };
  }
}
