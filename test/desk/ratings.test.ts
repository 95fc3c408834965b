import assert from 'node:assert/strict';
import type { Cycle } from '../../shared/schemas/responses.js';
import { applyRated, chatRating, ratingProblem, resolutionMark, stars } from '../../desk/src/state/ratings.js';

const text = (seq: number) => ({ type: 3, seq });
const notice = (seq: number, action: number) => ({ type: 4, seq, action });
const note = { type: 5 };

const cycle = (n: number, rating: Cycle['rating'] = null): Cycle => ({
  cycle: n,
  started_at: 100 * n,
  served_at: 100 * n + 5,
  first_response_at: 100 * n + 9,
  resolved_at: 100 * n + 50,
  wait_time: 5,
  first_response_time: 9,
  resolution_time: 50,
  outcome: 'finished',
  user_messages: 1,
  agent_messages: 1,
  agents: ['mei'],
  rating,
});

describe('desk state: ratings per resolution cycle', () => {
  it('names the resolution by its notice: finished or timed out, and nothing once reopened', () => {
    assert.equal(resolutionMark([]), null);
    assert.equal(resolutionMark([notice(1, 1), text(2)]), null, 'served, not resolved');
    assert.equal(resolutionMark([notice(1, 1), text(2), notice(3, 4)]), 3);
    assert.equal(resolutionMark([notice(1, 1), notice(3, 4), note]), 3, 'a note after it changes nothing');
    assert.equal(resolutionMark([notice(3, 4), notice(4, 6)]), null, 'reopened');
    assert.equal(resolutionMark([notice(3, 4), notice(4, 6), notice(5, 1), notice(6, 5)]), 6, 'the second cycle timed out');
    assert.equal(resolutionMark([notice(3, 4), notice(4, 6), notice(5, 1), text(6)]), null);
  });

  it('shows the form for a resolved question until this resolution is rated; a reopen asks again', () => {
    assert.deepEqual(chatRating(1, null, undefined), { phase: 'none' });
    assert.deepEqual(chatRating(2, null, { mark: 3, score: 5 }), { phase: 'none' }, 'reopened and served: no rating');
    assert.deepEqual(chatRating(3, 3, undefined), { phase: 'form' });
    assert.deepEqual(chatRating(3, 3, { mark: 3, score: 4 }), { phase: 'rated', score: 4 });
    assert.deepEqual(chatRating(3, 3, { mark: 3, score: null }), { phase: 'rated', score: null }, 'rated elsewhere (409 already_rated)');
    assert.deepEqual(chatRating(3, 9, { mark: 3, score: 4 }), { phase: 'form' }, 'the next cycle is resolved: rate again');
  });

  it('checks a score of 1 to 5 and a comment of at most 500 characters (code points)', () => {
    assert.equal(ratingProblem(null, ''), 'score');
    assert.equal(ratingProblem(0, ''), 'score');
    assert.equal(ratingProblem(6, ''), 'score');
    assert.equal(ratingProblem(2.5, ''), 'score');
    assert.equal(ratingProblem(5, 'x'.repeat(500)), null);
    assert.equal(ratingProblem(5, '好'.repeat(500)), null);
    assert.equal(ratingProblem(1, 'x'.repeat(501)), 'comment');
  });

  it('applies question:rated to its cycle only', () => {
    const rating = { score: 2, comment: 'slow', timestamp: 500 };
    const next = applyRated([cycle(1), cycle(2)], { cycle: 2, rating });
    assert.equal(next[0]!.rating, null);
    assert.deepEqual(next[1]!.rating, rating);
    assert.deepEqual(applyRated([cycle(1)], { cycle: 3, rating }), [cycle(1)], 'an unknown cycle waits for the reload');
    assert.equal(stars(4), '★★★★☆');
  });
});
