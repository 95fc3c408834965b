import assert from 'node:assert/strict';
import { assertError } from '../support/envelope.js';
import type { TestAgent, TestUser } from '../support/factories.js';
import { useTestServer } from '../support/server.js';

describe('GET /user?question_id= (the user page)', () => {
  const { server, f } = useTestServer();
  let user: TestUser;
  let agent: TestAgent;
  let questionId: string;

  before(async () => {
    user = await f.user({
      name: '张三 & Co',
      imageUrl: 'https://cdn.example/avatar.png?size=64&v=2',
      deviceCount: 3,
      groupCount: 12,
    });
    agent = await f.agent({ identifies: [user.identify] });
    questionId = await f.question(user);
  });

  const page = (params: Record<string, unknown>, session = agent.session) => f.api.get('/v1/user', params, { session });

  it("shows the asking user's name, avatar, device and group counts as UTF-8 HTML", async () => {
    const reply = await page({ question_id: questionId });
    assert.equal(reply.status, 200, reply.text);
    assert.match(reply.headers.get('content-type') ?? '', /^text\/html; charset=utf-8$/i);
    assert.match(reply.text, /<meta charset="utf-8">/i);
    assert.match(reply.text, /<h1>张三 &amp; Co<\/h1>/);
    assert.match(reply.text, /<img [^>]*src="https:\/\/cdn\.example\/avatar\.png\?size=64&amp;v=2"/);
    assert.match(reply.text, /<dd id="device-count">3<\/dd>/);
    assert.match(reply.text, /<dd id="group-count">12<\/dd>/);
    assert.ok(reply.text.includes(user.userId));
    assert.match(reply.headers.get('cache-control') ?? '', /no-store/);
  });

  it('sends a restrictive Content-Security-Policy and no script', async () => {
    const reply = await page({ question_id: questionId });
    const csp = reply.headers.get('content-security-policy') ?? '';
    const directives = new Map(
      csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values] as const),
    );
    assert.deepEqual(directives.get('default-src'), ["'none'"], csp);
    assert.equal(directives.has('script-src'), false, csp);
    assert.ok(!csp.includes('unsafe-eval'), csp);
    assert.ok(directives.has('frame-ancestors'), csp);
    assert.equal(reply.headers.get('x-content-type-options'), 'nosniff');
    assert.doesNotMatch(reply.text, /<script/i);
  });

  it('HTML-escapes the name, the user id and the image URL', async () => {
    const evil = await f.user({
      identify: user.identify,
      userId: `<i>u${Date.now()}</i>`,
      name: '<script>alert(1)</script>',
      imageUrl: 'https://cdn.example/a.png"onerror="alert(1)',
    });
    const q = await f.question(evil);
    const reply = await page({ question_id: q });
    assert.equal(reply.status, 200, reply.text);
    assert.doesNotMatch(reply.text, /<script/i);
    assert.doesNotMatch(reply.text, /<i>/);
    assert.ok(reply.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!reply.text.includes('"onerror="'));
    assert.ok(reply.text.includes('src="https://cdn.example/a.png&quot;onerror=&quot;alert(1)"'));
  });

  it('shows no image for a URL that is not http(s)', async () => {
    const odd = await f.user({ identify: user.identify, name: 'Odd' });
    await server.deps.store.accounts.upsertUser({
      userId: odd.userId,
      name: 'Odd',
      imageUrl: 'javascript:alert(1)',
      deviceCount: 0,
      groupCount: 0,
    });
    const reply = await page({ question_id: await f.question(odd) });
    assert.equal(reply.status, 200);
    assert.doesNotMatch(reply.text, /<img/);
    assert.doesNotMatch(reply.text, /javascript:/);
  });

  it("is for agents of the question's app only", async () => {
    assertError(await page({ question_id: questionId }, user.session), 'forbidden', 'question_id');
    const stranger = await f.agent();
    assertError(await page({ question_id: questionId }, stranger.session), 'forbidden', 'question_id');
    const colleague = await f.user({ identify: user.identify });
    assertError(await page({ question_id: questionId }, colleague.session), 'forbidden');
    assertError(await f.api.get('/v1/user', { question_id: questionId }), 'param_missing', 'session');
  });

  it('answers a missing, malformed or unknown question_id in the JSON envelope', async () => {
    assertError(await page({}), 'param_missing', 'question_id');
    assertError(await page({ question_id: 'nope' }), 'param_invalid', 'question_id');
    assertError(await page({ question_id: `${questionId}0` }), 'param_invalid', 'question_id');
    assertError(await page({ question_id: 'f'.repeat(24) }), 'question_not_found', 'question_id');
  });
});
