/**
 * The desk's picture of its team: the agents of the desk agent's apps with their presence, load and
 * capacity. Fed by GET /serv/agents (one list per app) and the `agent:presence` event; pure, so
 * the merge rules are unit-tested (test/desk/team.test.ts) and the components stay thin.
 */
import type { AgentPresence, AgentSummary } from '../../../shared/schemas/responses.js';

export type { AgentPresence, AgentSummary };

/** Every agent once, by serv_id, in serv_id order. */
export type Team = AgentSummary[];

/** The lists of several apps as one team: an agent of two apps appears once. */
export function mergeTeams(lists: AgentSummary[][]): Team {
  const byId = new Map<string, AgentSummary>();
  for (const list of lists) for (const agent of list) byId.set(agent.serv_id, agent);
  return [...byId.values()].sort((a, b) => a.serv_id.localeCompare(b.serv_id));
}

/** A presence event: that agent's presence changes; an agent the desk does not list is ignored. */
export function applyPresence(team: Team, event: { serv_id: string; presence: AgentPresence }): Team {
  if (!team.some((agent) => agent.serv_id === event.serv_id && agent.presence !== event.presence)) return team;
  return team.map((agent) => (agent.serv_id === event.serv_id ? { ...agent, presence: event.presence } : agent));
}

/** "2 / 3", or "2 / ∞" without a limit. */
export function capacityLabel(agent: Pick<AgentSummary, 'load' | 'max_concurrent'>): string {
  return `${agent.load} / ${agent.max_concurrent > 0 ? agent.max_concurrent : '∞'}`;
}

/** Whether the agent has room for one more question. */
export const hasRoom = (agent: Pick<AgentSummary, 'load' | 'max_concurrent'>) => agent.max_concurrent === 0 || agent.load < agent.max_concurrent;

/** How many of the others are online (the team button's count). */
export const onlineCount = (team: Team, self: string) => team.filter((a) => a.serv_id !== self && a.presence === 'online').length;

/**
 * Whether the desk shows the reports view: its own agent is a supervisor (GET /serv/agents carries
 * each role). The API stays the judge; a role taken away meanwhile answers 403 in the view.
 */
export const isSupervisor = (self: Pick<AgentSummary, 'role'> | null) => self?.role === 'supervisor';
