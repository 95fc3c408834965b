import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import helmet from 'helmet';
import { HELMET_OPTIONS } from '../../server/app.js';
import { assertError } from '../support/envelope.js';
import { factories } from '../support/factories.js';
import type { Reply } from '../support/http.js';
import { useTestServer } from '../support/server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The headers helmet sets on every reply, whatever its status. */
function assertSecurityHeaders(reply: Reply): void {
  const h = reply.headers;
  const context = `${reply.status} ${[...h.keys()].join(',')}`;
  assert.equal(h.get('x-powered-by'), null, context);
  assert.equal(h.get('x-content-type-options'), 'nosniff', context);
  assert.match(h.get('content-security-policy') ?? '', /default-src 'none'/, context);
  assert.match(h.get('content-security-policy') ?? '', /frame-ancestors 'none'/, context);
  assert.match(h.get('strict-transport-security') ?? '', /max-age=\d+/, context);
  assert.equal(h.get('referrer-policy'), 'no-referrer', context);
  assert.equal(h.get('x-frame-options'), 'SAMEORIGIN', context);
  assert.equal(h.get('cross-origin-resource-policy'), 'cross-origin', context);
}

/** A reply's header lines as sent: [name as spelled, value], in order. */
function rawHeaderLines(url: string): Promise<Array<[string, string]>> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        res.resume();
        const raw = res.rawHeaders;
        resolve(Array.from({ length: raw.length / 2 }, (_, i) => [raw[2 * i]!, raw[2 * i + 1]!]));
      })
      .on('error', reject);
  });
}

describe('app-wide behaviour', () => {
  const { f, server } = useTestServer();

  it("sends helmet's headers as helmet itself would: the same names, spellings, values and order", async () => {
    const reference = express().use(helmet(HELMET_OPTIONS)).get('/', (_req, res) => res.end());
    const listening = reference.listen(0);
    await new Promise((resolve) => listening.once('listening', resolve));
    try {
      const own = new Set(['Date', 'Connection', 'Keep-Alive', 'Content-Length', 'X-Powered-By']);
      const expected = (await rawHeaderLines(`http://127.0.0.1:${(listening.address() as AddressInfo).port}/`)).filter(([name]) => !own.has(name));
      assert.ok(expected.length >= 10, JSON.stringify(expected));
      const names = new Set(expected.map(([name]) => name));
      for (const path of ['/healthz', '/v1/question/list', '/v1/does/not/exist']) {
        const sent = await rawHeaderLines(new URL(path, server.url).href);
        assert.deepEqual(sent.filter(([name]) => names.has(name)), expected, path);
      }
    } finally {
      await new Promise((resolve) => listening.close(resolve));
    }
  });

  it('sends security headers and no X-Powered-By on success and error replies', async () => {
    const user = await f.user();
    const replies = [
      await f.api.get('/healthz'),
      await f.api.get(`/v1/user/${user.userId}/alls`, {}, { session: user.session }),
      await f.api.get('/v1/does/not/exist'),
      await f.api.post('/v1/question/new', {}),
      await f.api.post('/v1/question/new', { session: 'AAAAAAAAAAAA' }),
      await f.api.request('POST', '/v1/question/new', undefined, { raw: '{', headers: { 'content-type': 'application/json' } }),
      await f.api.post('/v1/question/new', { title: 'x'.repeat(70_000) }),
    ];
    assert.deepEqual(replies.map((r) => r.status), [200, 200, 404, 400, 401, 400, 413]);
    for (const reply of replies) assertSecurityHeaders(reply);
  });

  it('echoes a safe X-Request-Id and generates one otherwise', async () => {
    const echoed = await f.api.get('/healthz', undefined, { headers: { 'x-request-id': 'abc-123.DEF_4' } });
    assert.equal(echoed.headers.get('x-request-id'), 'abc-123.DEF_4');
    const generated = await f.api.get('/healthz');
    assert.match(generated.headers.get('x-request-id') ?? '', UUID);
    const other = await f.api.get('/healthz');
    assert.notEqual(other.headers.get('x-request-id'), generated.headers.get('x-request-id'));
    for (const unsafe of ['has space', 'x'.repeat(65), '<script>', 'a\tb']) {
      const reply = await f.api.get('/healthz', undefined, { headers: { 'x-request-id': unsafe } });
      assert.match(reply.headers.get('x-request-id') ?? '', UUID, unsafe);
    }
    const onError = await f.api.get('/v1/nowhere', undefined, { headers: { 'x-request-id': 'err-1' } });
    assert.equal(onError.status, 404);
    assert.equal(onError.headers.get('x-request-id'), 'err-1');
  });

  it('answers /healthz and /readyz with 200', async () => {
    const health = await f.api.get('/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(health.body, { status: 200 });
    const ready = await f.api.get('/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 200, checks: { store: 'ok' } });
    assert.equal(ready.headers.get('cache-control'), 'no-store');
  });

  it('reads bodies outside /v1 as under it: a malformed one answers 400 before the 404', async () => {
    const broken = { raw: '{', headers: { 'content-type': 'application/json' } };
    for (const path of ['/nowhere', '/v1/nowhere', '/healthz']) {
      assertError(await f.api.request('POST', path, undefined, broken), 'param_invalid');
    }
    assertError(await f.api.request('POST', '/nowhere', undefined, { raw: '{}', headers: { 'content-type': 'application/json' } }), 'not_found');
  });

  it('sends no CORS headers when CORS_ORIGINS is unset', async () => {
    const reply = await f.api.get('/healthz', undefined, { headers: { origin: 'https://desk.example' } });
    assert.equal(reply.headers.get('access-control-allow-origin'), null);
  });
});

describe('readiness when the store is down', () => {
  const { server } = useTestServer();

  it('answers /readyz 503 and /healthz 200 once the store is closed; requests get 500 internal', async () => {
    const f = factories(server);
    const user = await f.user();
    await server.deps.store.close();
    const ready = await f.api.get('/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.body.status, 300);
    assert.equal(ready.body.checks.store, 'down');
    assert.equal((await f.api.get('/healthz')).status, 200);

    const reply = await f.api.post('/v1/question/new', { session: user.session });
    assertError(reply, 'internal', null);
    assert.equal(reply.body.debug, 'internal error');
    assertSecurityHeaders(reply);
  });
});

describe('CORS allow-list (CORS_ORIGINS)', () => {
  const { f } = useTestServer({ env: { CORS_ORIGINS: 'https://desk.example, https://admin.example' } });

  it('allows listed origins on requests and errors, with Vary: Origin', async () => {
    for (const origin of ['https://desk.example', 'https://admin.example']) {
      const reply = await f.api.get('/v1/nowhere', undefined, { headers: { origin } });
      assert.equal(reply.status, 404);
      assert.equal(reply.headers.get('access-control-allow-origin'), origin);
      assert.match(reply.headers.get('vary') ?? '', /Origin/i);
    }
  });

  it('answers preflights of listed origins with 204 and the allowed headers', async () => {
    const reply = await f.api.request('OPTIONS', '/v1/question/new', undefined, {
      headers: { origin: 'https://desk.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(reply.status, 204);
    assert.equal(reply.headers.get('access-control-allow-origin'), 'https://desk.example');
    assert.match(reply.headers.get('access-control-allow-headers') ?? '', /X-Session/i);
    assert.match(reply.headers.get('access-control-allow-methods') ?? '', /POST/);
  });

  it('varies on Origin for every reply, so shared caches keep allowed and refused origins apart', async () => {
    for (const headers of [<Record<string, string>>{}, { origin: 'https://evil.example' }]) {
      const reply = await f.api.get('/healthz', undefined, { headers });
      assert.match(reply.headers.get('vary') ?? '', /\bOrigin\b/i, JSON.stringify(headers));
    }
  });

  it('gives other origins no CORS headers', async () => {
    for (const origin of ['https://evil.example', 'https://desk.example.evil', 'null']) {
      const reply = await f.api.get('/healthz', undefined, { headers: { origin } });
      assert.equal(reply.headers.get('access-control-allow-origin'), null, origin);
      const preflight = await f.api.request('OPTIONS', '/v1/question/new', undefined, {
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      assert.notEqual(preflight.status, 204, origin);
      assert.equal(preflight.headers.get('access-control-allow-origin'), null, origin);
    }
  });
});

describe('CORS_ORIGINS=* (any origin, echoed back)', () => {
  const { server, f } = useTestServer({ env: { CORS_ORIGINS: '*' } });

  it('echoes any origin on REST replies and preflights, never a literal *', async () => {
    const origin = 'https://any.example';
    const reply = await f.api.get('/healthz', undefined, { headers: { origin } });
    assert.equal(reply.headers.get('access-control-allow-origin'), origin);
    assert.match(reply.headers.get('vary') ?? '', /\bOrigin\b/i);
    const preflight = await f.api.request('OPTIONS', '/v1/question/new', undefined, {
      headers: { origin, 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), origin);
    assert.equal(preflight.headers.get('access-control-max-age'), '600');
  });

  it("admits the same origins to Socket.IO's polling transport", async () => {
    const origin = 'https://any.example';
    const reply = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
    assert.equal(reply.status, 200, await reply.text());
    assert.equal(reply.headers.get('access-control-allow-origin'), origin);
  });
});
