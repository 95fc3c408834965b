/**
 * Whom the desk offers as the target of a transfer: the agents of the question's app (GET
 * /serv/agents, kept live by `agent:presence`) that the server would accept, online, with room
 * under their max_concurrent, and not the agent itself; the least loaded first, so the picker's top
 * row is the natural choice. Pure, unit-tested in test/desk/transfer.test.ts.
 */
import { hasRoom, type AgentSummary } from './team.js';

/** The eligible agents, by load (lowest first), then by serv_id. */
export function eligibleTargets(agents: AgentSummary[], self: string): AgentSummary[] {
  return agents
    .filter((agent) => agent.serv_id !== self && agent.presence === 'online' && hasRoom(agent))
    .sort((a, b) => a.load - b.load || a.serv_id.localeCompare(b.serv_id));
}

/** Why a transfer was refused, as a message key of the desk: the target filled up or went away, or the question is no longer the agent's. */
export function transferRefusal(error: string | undefined): 'transferFull' | 'transferUnavailable' | 'transferStale' | null {
  if (error === 'agent_at_capacity') return 'transferFull';
  if (error === 'param_invalid') return 'transferUnavailable';
  if (error === 'question_taken' || error === 'question_finished' || error === 'question_not_started') return 'transferStale';
  return null;
}
