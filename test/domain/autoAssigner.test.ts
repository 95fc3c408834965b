/** The pure choice of auto-assign (server/domain/commands/autoAssigner.ts): who gets a waiting question. */
import assert from 'node:assert/strict';
import { pickAgent, type AssignCandidate } from '../../server/domain/commands/autoAssigner.js';

const agent = (servId: string, load: number, maxConcurrent: number, idleSince: number): AssignCandidate => ({ servId, load, maxConcurrent, idleSince });

describe('pickAgent: lowest load, then idle longest, then serv_id; never the quitter, never over the limit', () => {
  it('takes the lowest load', () => {
    assert.equal(pickAgent([agent('a', 2, 0, 0), agent('b', 1, 0, 50), agent('c', 3, 0, 0)])?.servId, 'b');
  });

  it('breaks a tie by idle time (oldest last assignment; never assigned is idlest), then by serv_id', () => {
    assert.equal(pickAgent([agent('a', 1, 0, 20), agent('b', 1, 0, 10)])?.servId, 'b');
    assert.equal(pickAgent([agent('b', 1, 0, 10), agent('c', 1, 0, 0)])?.servId, 'c');
    assert.equal(pickAgent([agent('b', 1, 0, 10), agent('a', 1, 0, 10)])?.servId, 'a');
  });

  it('skips the agent that quit the question, and agents at their limit (0 is none)', () => {
    assert.equal(pickAgent([agent('a', 0, 0, 0), agent('b', 4, 0, 0)], 'a')?.servId, 'b');
    assert.equal(pickAgent([agent('a', 2, 2, 0), agent('b', 5, 0, 0)])?.servId, 'b');
    assert.equal(pickAgent([agent('a', 2, 2, 0)]), undefined);
    assert.equal(pickAgent([agent('a', 0, 1, 0)], 'a'), undefined);
    assert.equal(pickAgent([]), undefined);
  });
});
