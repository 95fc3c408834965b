/** The desk's transfer picker logic (desk/src/state/transfer.ts): who is eligible, in which order, and how refusals read. */
import assert from 'node:assert/strict';
import type { AgentSummary } from '../../desk/src/state/team.js';
import { eligibleTargets, transferRefusal } from '../../desk/src/state/transfer.js';

const agent = (serv_id: string, extra: Partial<AgentSummary> = {}): AgentSummary => ({
  serv_id,
  name: serv_id.toUpperCase(),
  presence: 'online',
  load: 0,
  max_concurrent: 0,
  role: 'agent',
  ...extra,
});

describe('desk: transfer targets', () => {
  it('offers agents online with room, never the agent itself', () => {
    const agents = [
      agent('me'),
      agent('away', { presence: 'away' }),
      agent('offline', { presence: 'offline' }),
      agent('full', { load: 2, max_concurrent: 2 }),
      agent('room', { load: 1, max_concurrent: 2 }),
      agent('unlimited', { load: 9 }),
    ];
    assert.deepEqual(eligibleTargets(agents, 'me').map((a) => a.serv_id), ['room', 'unlimited']);
  });

  it('puts the least loaded first, ties by serv_id, without changing the list it was given', () => {
    const agents = [agent('tom', { load: 2 }), agent('ana', { load: 2 }), agent('mei', { load: 0 })];
    assert.deepEqual(eligibleTargets(agents, 'me').map((a) => a.serv_id), ['mei', 'ana', 'tom']);
    assert.deepEqual(agents.map((a) => a.serv_id), ['tom', 'ana', 'mei']);
  });

  it('offers nobody when nobody else is online with room', () => {
    assert.deepEqual(eligibleTargets([agent('me'), agent('x', { presence: 'away' })], 'me'), []);
  });

  it('reads refusals: the target full, the target gone, the question no longer the agent’s', () => {
    assert.equal(transferRefusal('agent_at_capacity'), 'transferFull');
    assert.equal(transferRefusal('param_invalid'), 'transferUnavailable');
    assert.equal(transferRefusal('question_finished'), 'transferStale');
    assert.equal(transferRefusal('question_taken'), 'transferStale');
    assert.equal(transferRefusal('internal'), null);
    assert.equal(transferRefusal(undefined), null);
  });
});
