import assert from 'node:assert/strict';
import { RATE_RULES } from '../../server/rateLimits/index.js';
import { assertError } from '../support/envelope.js';
import type { Reply } from '../support/http.js';
import { useTestServer } from '../support/server.js';

/** A 429 in the envelope with a Retry-After of whole seconds within the window. */
function assertLimited(reply: Reply, windowS: number): void {
  assertError(reply, 'rate_limited');
  const retryAfter = Number(reply.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= windowS, `Retry-After ${retryAfter}`);
}

describe('rate limits (RATE_LIMITS=on)', () => {
  // Counters live in the node, so each test gets a fresh one.
  const { f } = useTestServer({ env: { RATE_LIMITS: 'on' }, perTest: true });

  const bind = (session: string, servId: string, password: string) =>
    f.api.post('/v1/serv/bind', { session, serv_id: servId, password });

  it('limits bind attempts per session, then refuses even the right password', async () => {
    const { limit, windowS } = RATE_RULES.bindPerSession;
    const agent = await f.agent({ bind: false });
    const device = await f.user({ identify: agent.identifies[0] });
    for (let i = 0; i < limit; i++) assertError(await bind(device.session, agent.servId, `guess-${i}`), 'serv_auth_failed');
    assertLimited(await bind(device.session, agent.servId, 'guess-x'), windowS);
    assertLimited(await bind(device.session, agent.servId, agent.password), windowS);
    // Another device of the same network is counted on its own.
    const other = await f.user({ identify: agent.identifies[0] });
    assert.equal((await bind(other.session, agent.servId, agent.password)).status, 200);
  });

  it('counts unbind with bind, per session', async () => {
    const { limit, windowS } = RATE_RULES.bindPerSession;
    const agent = await f.agent(); // one bind
    for (let i = 1; i < limit; i++) {
      assertError(await f.api.post('/v1/serv/unbind', { session: agent.session, serv_id: agent.servId, password: 'nope' }), 'serv_auth_failed');
    }
    const limited = await f.api.post('/v1/serv/unbind', { session: agent.session, serv_id: agent.servId, password: agent.password });
    assertLimited(limited, windowS);
    // The refused unbind did nothing: the session still acts as the agent.
    assert.equal((await f.api.get(`/v1/serv/${agent.servId}/tasks`, {}, { session: agent.session })).status, 200);
  });

  it('limits password guesses per agent across sessions', async () => {
    const { limit, windowS } = RATE_RULES.bindPerAgent;
    const agent = await f.agent({ bind: false });
    const perSession = RATE_RULES.bindPerSession.limit;
    let device = await f.user({ identify: agent.identifies[0] });
    for (let i = 0; i < limit; i++) {
      if (i > 0 && i % perSession === 0) device = await f.user({ identify: agent.identifies[0] });
      assertError(await bind(device.session, agent.servId, `guess-${i}`), 'serv_auth_failed');
    }
    const fresh = await f.user({ identify: agent.identifies[0] });
    assertLimited(await bind(fresh.session, agent.servId, agent.password), windowS);
  });

  it('limits sends per session', async () => {
    const { limit, windowS } = RATE_RULES.sendPerSession;
    const user = await f.user();
    const questionId = await f.question(user);
    for (let i = 0; i < limit; i++) {
      const reply = await f.sendText(questionId, user, `m${i}`);
      assert.equal(reply.status, 200, reply.text);
    }
    const limited = await f.sendText(questionId, user, 'one too many');
    assertLimited(limited, windowS);
    const messages = await f.api.get(`/v1/question/${questionId}/message`, { num: 1 }, { session: user.session });
    assert.equal(messages.body.messages[0].text, `m${limit - 1}`);
    // The same user on another device still may send.
    const otherDevice = await f.session(user);
    assert.equal((await f.sendText(questionId, { ...user, session: otherDevice }, 'from my tablet')).status, 200);
  });
});

describe('rate limits (RATE_LIMITS=off)', () => {
  const { server, f } = useTestServer({ env: { RATE_LIMITS: 'off' } });

  it('never answers 429', async () => {
    assert.equal(server.config.rateLimits, false);
    const agent = await f.agent({ bind: false });
    const device = await f.user({ identify: agent.identifies[0] });
    for (let i = 0; i < RATE_RULES.bindPerSession.limit + 2; i++) {
      assertError(await bind(device.session, `guess-${i}`), 'serv_auth_failed');
    }
    assert.equal((await bind(device.session, agent.password)).status, 200);
    const user = await f.user();
    const questionId = await f.question(user);
    for (let i = 0; i < RATE_RULES.sendPerSession.limit + 5; i++) {
      const reply = await f.sendText(questionId, user, `m${i}`);
      assert.equal(reply.status, 200, reply.text);
    }

    function bind(session: string, password: string) {
      return f.api.post('/v1/serv/bind', { session, serv_id: agent.servId, password });
    }
  });
});
