/**
 * Operator safety not covered elsewhere: the admin token comparison, and secrets kept out of logs
 * where no HTTP request is involved — socket handshake failures, a Redis URL with a password, and
 * driver errors that quote a URL. (Security headers on errors, CORS and the /user page CSP are in
 * test/http/app.test.ts and userPage.test.ts; request logs in test/http/logging.test.ts.)
 */
import assert from 'node:assert/strict';
import { tokenMatches } from '../../server/domain/adminToken.js';
import { redactUrlCredentials } from '../../server/logger.js';
import { factories } from '../support/factories.js';
import { LogCapture } from '../support/logCapture.js';
import { freePort } from '../support/redis.js';
import { useTestServer } from '../support/server.js';
import { connectSocket } from '../support/sockets.js';

describe('bearer token comparison (tokenMatches: admin API and /metrics)', () => {
  const token = 'a-long-admin-token-0123456789';

  it('accepts exactly the configured token', () => {
    assert.equal(tokenMatches(token, token), true);
  });

  it('refuses a token of the same length that differs anywhere', () => {
    for (const index of [0, Math.floor(token.length / 2), token.length - 1]) {
      const wrong = token.slice(0, index) + (token[index] === 'x' ? 'y' : 'x') + token.slice(index + 1);
      assert.equal(wrong.length, token.length);
      assert.equal(tokenMatches(wrong, token), false, wrong);
    }
  });

  it('refuses shorter, longer and empty tokens without throwing (lengths never reach timingSafeEqual)', () => {
    for (const wrong of ['', token.slice(0, -1), `${token}x`, token.repeat(4), token.slice(0, 1)]) {
      assert.equal(tokenMatches(wrong, token), false, JSON.stringify(wrong));
    }
    assert.equal(tokenMatches(token, ''), false);
  });
});

describe('credentials in logged URLs', () => {
  it('redactUrlCredentials cuts user:password@ from any URL in a text, and nothing else', () => {
    assert.equal(redactUrlCredentials('redis://default:pw1@cache:6379/0'), 'redis://[redacted]@cache:6379/0');
    assert.equal(redactUrlCredentials('rediss://:p%40ss@h.example:6380'), 'rediss://[redacted]@h.example:6380');
    assert.equal(
      redactUrlCredentials('failed: mongodb+srv://kefu:s3cret@cluster0.example.net/kefu?retryWrites=true'),
      'failed: mongodb+srv://[redacted]@cluster0.example.net/kefu?retryWrites=true',
    );
    assert.equal(redactUrlCredentials('{"u":"https://a:b@x.example","v":"mail me@example.com"}'), '{"u":"https://[redacted]@x.example","v":"mail me@example.com"}');
    const plain = 'http://127.0.0.1:3000/v1/question/abc?x=1 user@example.com';
    assert.equal(redactUrlCredentials(plain), plain);
  });

  it('the logger applies it to messages, error messages and stacks, causes and string fields', async () => {
    const capture = new LogCapture('debug');
    const secret = 'Sup3r-secret-pw';
    const url = `redis://kefu:${secret}@cache.internal:6379`;
    const error = new Error(`cannot reach ${url}`, { cause: new Error(`while dialing ${url}`) });
    capture.logger.warn(`connecting to ${url}`);
    capture.logger.error({ err: error }, 'link failed');
    capture.logger.info({ redisUrl: url, failure: `TypeError: bad ${url}`, count: 3 }, 'fields');
    await capture.waitFor((line) => line.msg === 'fields');
    assert.ok(!capture.text.includes(secret), capture.text);
    assert.equal(capture.lines.length, 3, 'every line is still JSON');
    const [first, second, third] = capture.lines;
    assert.equal(first!.msg, 'connecting to redis://[redacted]@cache.internal:6379');
    assert.match(second!.err.message, /redis:\/\/\[redacted\]@cache\.internal/);
    assert.equal(third!.count, 3);
    assert.equal(third!.redisUrl, 'redis://[redacted]@cache.internal:6379');
  });
});

describe('secrets in logs of a node (socket handshakes, REDIS_URL with a password)', function () {
  // The node waits up to 10 s for a Redis that never answers.
  this.timeout(60_000);
  const redisPassword = 'R3dis-pa55word';
  const capture = new LogCapture('debug');
  const { server } = useTestServer({
    // Nothing listens on the free port.
    env: async () => ({ REDIS_URL: `redis://kefu:${redisPassword}@127.0.0.1:${await freePort()}`, RATE_LIMITS: 'on' }),
    logger: capture.logger,
  });

  it('logs neither the Redis password, nor sessions offered in failed handshakes, nor passwords', async () => {
    const f = factories(server);
    const agent = await f.agent({ bind: false, password: 'Agent-pw-771' });
    const user = await f.user({ identify: agent.identifies[0] });
    const unknown = 'Zz9_unknown0';
    const malformed = 'not a session token at all';

    // Rate limits fall back to memory while Redis is away: answered, warned once.
    for (let i = 0; i < 3; i++) {
      const reply = await f.api.post('/v1/serv/bind', { session: user.session, serv_id: agent.servId, password: `wrong-${i}` });
      assert.equal(reply.status, 401, reply.text);
    }
    const warned = capture.lines.filter((l) => l.msg?.startsWith('redis unavailable for rate limits'));
    assert.equal(warned.length, 1, 'one warning per outage');

    for (const session of [unknown, malformed, undefined]) {
      await assert.rejects(connectSocket(server.url, session), (error: Error) => error.message === 'session_invalid');
    }
    // A handshake that fails inside the server is logged at error level, still without the session
    // (one not used yet: a session used above is answered from the actor cache, without the store).
    const unused = await f.session(user);
    await server.deps.store.close();
    await assert.rejects(connectSocket(server.url, unused), (error: Error) => error.message === 'internal');
    await capture.waitFor((l) => l.msg === 'socket handshake failed');

    const output = capture.text;
    for (const secret of [redisPassword, unknown, malformed, user.session, unused, agent.password, 'wrong-0']) {
      assert.ok(!output.includes(secret), `log output contains ${secret}`);
    }
  });
});
