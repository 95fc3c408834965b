/** The desk's team state (desk/src/state/team.ts): merging apps' lists, presence events, the capacity label. */
import assert from 'node:assert/strict';
import { applyPresence, capacityLabel, hasRoom, isSupervisor, mergeTeams, onlineCount, type AgentSummary } from '../../desk/src/state/team.js';

const agent = (serv_id: string, extra: Partial<AgentSummary> = {}): AgentSummary => ({
  serv_id,
  name: serv_id.toUpperCase(),
  presence: 'offline',
  load: 0,
  max_concurrent: 0,
  role: 'agent',
  ...extra,
});

describe('desk: team state', () => {
  it('merges the lists of several apps: an agent of two apps once, in serv_id order', () => {
    const team = mergeTeams([[agent('tom'), agent('mei', { load: 1 })], [agent('mei', { load: 1 }), agent('ana')]]);
    assert.deepEqual(team.map((a) => a.serv_id), ['ana', 'mei', 'tom']);
  });

  it('applies presence events to listed agents only, keeping the same array when nothing changes', () => {
    const team = mergeTeams([[agent('mei'), agent('tom')]]);
    const online = applyPresence(team, { serv_id: 'mei', presence: 'online' });
    assert.deepEqual(online.map((a) => a.presence), ['online', 'offline']);
    assert.equal(applyPresence(online, { serv_id: 'mei', presence: 'online' }), online);
    assert.equal(applyPresence(online, { serv_id: 'stranger', presence: 'away' }), online);
    assert.equal(onlineCount(online, 'tom'), 1);
    assert.equal(onlineCount(online, 'mei'), 0, 'the agent itself is not counted among the others');
  });

  it('labels capacity as load / max, ∞ without a limit, and knows when there is room', () => {
    assert.equal(capacityLabel({ load: 2, max_concurrent: 3 }), '2 / 3');
    assert.equal(capacityLabel({ load: 4, max_concurrent: 0 }), '4 / ∞');
    assert.equal(hasRoom({ load: 2, max_concurrent: 3 }), true);
    assert.equal(hasRoom({ load: 3, max_concurrent: 3 }), false);
    assert.equal(hasRoom({ load: 99, max_concurrent: 0 }), true);
  });

  it('shows the reports to a supervisor only, and to nobody before the team is loaded', () => {
    assert.equal(isSupervisor(agent('lead', { role: 'supervisor' })), true);
    assert.equal(isSupervisor(agent('mei')), false);
    assert.equal(isSupervisor(null), false);
  });
});
