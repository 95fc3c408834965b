import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { WEB_PAGE_CSP } from '../../server/http/webPages.js';
import { defaultWebRoot } from '../../server/webRoot.js';
import { client } from '../support/http.js';
import { startTestServer, tempDataDir, type TestServer } from '../support/server.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';

describe('web pages: /, /desk, /chat and their assets', () => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  before(async function () {
    assert.ok(existsSync(path.join(defaultWebRoot(), 'desk', 'index.html')), 'dist/web is not built: run npm run build:web (npm install does it)');
    server = await startTestServer();
    api = client(server.url);
  });
  after(() => server.stop());

  it('serves a landing page without script, linking the desk, the chat page, the docs and the probes', async () => {
    const reply = await api.get('/');
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^text\/html/);
    assert.doesNotMatch(reply.text, /<script/i);
    for (const href of ['/desk', '/chat', '/docs', '/v1/openapi.json', '/healthz', '/readyz']) assert.ok(reply.text.includes(`href="${href}"`), href);
    assert.match(reply.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  });

  for (const page of ['desk', 'chat']) {
    it(`serves /${page} (and /${page}/) as no-cache HTML under the strict CSP, with hashed immutable assets`, async () => {
      for (const url of [`/${page}`, `/${page}/`]) {
        const reply = await api.get(url);
        assert.equal(reply.status, 200, url);
        assert.match(reply.headers.get('content-type') ?? '', /^text\/html/);
        assert.equal(reply.headers.get('cache-control'), 'no-cache');
        assert.equal(reply.headers.get('content-security-policy'), WEB_PAGE_CSP);
        assert.doesNotMatch(reply.text, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline script');
      }
      const html = (await api.get(`/${page}`)).text;
      const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
      assert.ok(assets.some((a) => a.endsWith('.js')), `the page loads a script from /assets: ${html}`);
      for (const asset of assets) {
        assert.match(asset, /-[A-Za-z0-9_-]{8}\.(js|css)$/, 'asset names carry a content hash');
        const reply = await api.get(asset);
        assert.equal(reply.status, 200, asset);
        assert.equal(reply.headers.get('cache-control'), IMMUTABLE, asset);
        assert.match(reply.headers.get('content-type') ?? '', asset.endsWith('.js') ? /javascript/ : /text\/css/);
      }
    });
  }

  it('answers a missing asset 404 in the JSON envelope', async () => {
    const reply = await api.get('/assets/nothing-12345678.js');
    assert.equal(reply.status, 404);
    assert.equal(reply.body.error, 'not_found');
  });

  it('keeps the API locked down: JSON replies still carry default-src none', async () => {
    const reply = await api.get('/healthz');
    assert.match(reply.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  });
});

describe('web pages when dist/web is not built', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({}, { webRoot: path.join(tempDataDir(), 'no-web-build') });
  });
  after(() => server.stop());

  for (const page of ['desk', 'chat']) {
    it(`answers /${page} 503 with a page saying how to build it`, async () => {
      const reply = await client(server.url).get(`/${page}`);
      assert.equal(reply.status, 503);
      assert.match(reply.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(reply.text, /npm run build:web/);
      assert.equal(reply.headers.get('cache-control'), 'no-cache');
    });
  }

  it('still serves the landing page and the API', async () => {
    assert.equal((await client(server.url).get('/')).status, 200);
    assert.equal((await client(server.url).get('/healthz')).status, 200);
  });
});
