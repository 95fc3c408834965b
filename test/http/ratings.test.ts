/**
 * Ratings (issue 13) over real HTTP and a real socket: the asking user rates each resolution cycle
 * once, the serving agent hears question:rated, and agents read the rating in the question's cycles.
 */
import assert from 'node:assert/strict';
import { cyclesReply, rateReply } from '../../shared/schemas/responses.js';
import { questionRatedPayload } from '../../shared/events.js';
import { LIMITS } from '../../shared/limits.js';
import { assertError, assertOk } from '../support/envelope.js';
import { questionHelpers } from '../support/questions.js';
import { useTestServer } from '../support/server.js';
import { recordedSocket } from '../support/sockets.js';

describe('ratings (POST /question/<id>/rate, GET /question/<id>/cycles)', () => {
  const { server, f } = useTestServer();
  const h = questionHelpers(f);
  const rate = (questionId: string, caller: { session: string }, body: Record<string, unknown>) =>
    f.api.post(`/v1/question/${questionId}/rate`, { session: caller.session, ...body });
  const cyclesOf = async (questionId: string, caller: { session: string }) =>
    assertOk(await f.api.get(`/v1/question/${questionId}/cycles`, {}, { session: caller.session }), cyclesReply).cycles;

  it('once per resolution cycle: 409 before it is resolved, 409 already_rated twice, a reopen starts a new cycle', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    assertError(await rate(questionId, user, { score: 5 }), 'question_not_finished');
    await h.agentAction(questionId, 'finish', agent);

    const first = assertOk(await rate(questionId, user, { score: 4, comment: 'quick' }), rateReply);
    assert.equal(first.cycle, 1);
    assert.deepEqual({ ...first.rating, timestamp: 0 }, { score: 4, comment: 'quick', timestamp: 0 });
    assertError(await rate(questionId, user, { score: 1 }), 'already_rated');

    // Online, so the reopen goes back to the agent, who finishes it again.
    const online = await f.online(agent);
    await h.userAction(questionId, 'reopen', user);
    online.close();
    assertError(await rate(questionId, user, { score: 2 }), 'question_not_finished');
    await h.agentAction(questionId, 'finish', agent);
    assert.equal(assertOk(await rate(questionId, user, { score: 2 }), rateReply).cycle, 2);

    const cycles = await cyclesOf(questionId, agent);
    assert.deepEqual(cycles.map((c) => [c.cycle, c.rating?.score, c.rating?.comment, c.outcome]), [
      [1, 4, 'quick', 'finished'],
      [2, 2, '', 'finished'],
    ]);
  });

  it('validation: score 1..5 and comment up to 500 characters, each with its field', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    await h.agentAction(questionId, 'finish', agent);
    for (const score of [0, 6, 2.5, 'five']) assertError(await rate(questionId, user, { score }), 'param_invalid', 'score');
    assertError(await rate(questionId, user, {}), 'param_missing', 'score');
    assertError(await rate(questionId, user, { score: 3, comment: 'x'.repeat(LIMITS.ratingComment.max + 1) }), 'param_invalid', 'comment');
    assertError(await rate('nope', user, { score: 3 }), 'param_invalid', 'question_id');
    assertError(await rate('0'.repeat(24), user, { score: 3 }), 'question_not_found', 'question_id');
    assertOk(await rate(questionId, user, { score: '3', comment: 'y'.repeat(LIMITS.ratingComment.max) }), rateReply);
  });

  it('only the asking user rates; only agents of the app read the cycles', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    await h.agentAction(questionId, 'finish', agent);
    const other = await f.user({ identify: user.identify });
    assertError(await rate(questionId, other, { score: 5 }), 'forbidden', 'question_id');
    assertError(await rate(questionId, agent, { score: 5 }), 'forbidden', 'question_id');
    const stranger = await f.agent();
    assertError(await f.api.get(`/v1/question/${questionId}/cycles`, {}, { session: stranger.session }), 'forbidden', 'question_id');
    assertError(await f.api.get(`/v1/question/${questionId}/cycles`, {}, { session: user.session }), 'forbidden', 'question_id');
  });

  it("the agent that served the cycle hears question:rated on its socket; the user's socket does not", async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    await h.agentAction(questionId, 'finish', agent);
    const [a, u] = await Promise.all([recordedSocket(server.url, agent.session), recordedSocket(server.url, user.session)]);
    try {
      assert.equal((await u.socket.emitWithAck('question:subscribe', { question_id: questionId })).status, 200);
      assertOk(await rate(questionId, user, { score: 5, comment: 'thanks' }), rateReply);
      const payload = questionRatedPayload.parse(await a.waitFor('question:rated'));
      assert.deepEqual({ ...payload, rating: { ...payload.rating, timestamp: 0 } }, {
        question_id: questionId,
        cycle: 1,
        serv_id: agent.servId,
        rating: { score: 5, comment: 'thanks', timestamp: 0 },
      });
      await u.flush();
      assert.equal(u.all('question:rated').length, 0);
    } finally {
      a.close();
      u.close();
    }
  });
});
