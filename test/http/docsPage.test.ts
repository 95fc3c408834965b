/**
 * /docs, its assets and /v1/asyncapi.json over HTTP: the page's own CSP and caching, the fixed set
 * of asset names (nothing else of node_modules, no path tricks), and an AsyncAPI document that
 * names every socket event of shared/events.ts with a payload its example satisfies.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { CLIENT_EVENT_DOCS, SERVER_EVENT_DOCS } from '../../shared/eventDocs.js';
import { CLIENT_EVENT_NAMES, serverEventSchemas } from '../../shared/events.js';
import { DOCS_ASSETS, DOCS_CSP } from '../../server/http/docsPage.js';
import { client } from '../support/http.js';
import { useTestServer } from '../support/server.js';

/** A GET with the path sent byte for byte (fetch would resolve `..` before sending). */
function rawGet(base: string, rawPath: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const directives = (csp: string) => new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...v]) => [name!, v]));

describe('the API reference page, /docs', () => {
  const { server } = useTestServer();

  it('is HTML under its own strict CSP, never cached without revalidation', async () => {
    const reply = await client(server.url).get('/docs');
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type')!, /^text\/html; charset=utf-8/);
    assert.equal(reply.headers.get('cache-control'), 'no-cache');
    assert.equal(reply.headers.get('x-content-type-options'), 'nosniff');
    const csp = reply.headers.get('content-security-policy')!;
    assert.equal(csp, DOCS_CSP);
    const d = directives(csp);
    assert.deepEqual(d.get('default-src'), ["'none'"]);
    assert.deepEqual(d.get('script-src'), ["'self'"]);
    assert.deepEqual(d.get('style-src'), ["'self'"]);
    assert.deepEqual(d.get('connect-src'), ["'self'"]);
    assert.deepEqual(d.get('frame-ancestors'), ["'none'"]);
    assert.ok(!csp.includes('unsafe') && !csp.includes('http'), csp);
  });

  it('has no inline script or style, and loads only its listed assets', async () => {
    const html = (await client(server.url).get('/docs')).text;
    assert.doesNotMatch(html, /<style/i);
    assert.doesNotMatch(html, /\sstyle=/i);
    assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 2);
    for (const [, attributes, body] of scripts) {
      assert.match(attributes!, /src="\/docs\/assets\//);
      assert.equal(body, '');
    }
    const urls = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1]!);
    const assets = urls.filter((url) => url.startsWith('/docs/assets/')).map((url) => new URL(url, server.url).pathname.slice('/docs/assets/'.length));
    assert.deepEqual(new Set(assets), new Set(Object.keys(DOCS_ASSETS)));
    const others = urls.filter((url) => !url.startsWith('/docs/assets/'));
    assert.deepEqual(others, ['/v1/openapi.json', '/v1/asyncapi.json', '/v1/asyncapi.json'], 'no other origin, no other file');
  });

  it('serves every listed asset with its content type, cached a day, by the URL the page names', async () => {
    const api = client(server.url);
    const html = (await api.get('/docs')).text;
    const expected: Record<string, RegExp> = { js: /^text\/javascript/, css: /^text\/css/, png: /^image\/png/ };
    for (const name of Object.keys(DOCS_ASSETS)) {
      const url = new RegExp(`"(/docs/assets/${name.replace(/\./g, '\\.')}\\?v=[0-9a-f]{12})"`).exec(html)?.[1];
      assert.ok(url, `${name} is not referenced with a version`);
      const reply = await api.get(url);
      assert.equal(reply.status, 200, name);
      assert.match(reply.headers.get('content-type')!, expected[name.split('.').pop()!]!, name);
      assert.equal(reply.headers.get('cache-control'), 'public, max-age=86400', name);
      assert.ok(reply.headers.get('etag'), `${name} has no ETag`);
      assert.ok(reply.text.length > 0, name);
    }
    const bundle = await api.get('/docs/assets/swagger-ui-bundle.js');
    assert.match(bundle.text, /SwaggerUIBundle/);
  });

  it('answers 404 for any other name, and for paths that try to leave the list', async () => {
    const attempts = [
      '/docs/assets/index.html',
      '/docs/assets/swagger-ui-bundle.js.map',
      '/docs/assets/swagger-initializer.js',
      '/docs/assets/package.json',
      '/docs/assets/constructor',
      '/docs/assets/__proto__',
      '/docs/assets/hasOwnProperty',
      '/docs/assets/../../package.json',
      '/docs/assets/..%2f..%2fpackage.json',
      '/docs/assets/%2e%2e/%2e%2e/package.json',
      '/docs/assets/..%5c..%5cpackage.json',
      '/docs/assets/swagger-ui-dist/swagger-ui.css',
      '/docs/assets/%2fetc%2fpasswd',
      '/docs/assets/',
      '/docs/swagger-ui-bundle.js',
      '/node_modules/swagger-ui-dist/swagger-ui.css',
    ];
    for (const attempt of attempts) {
      const reply = await rawGet(server.url, attempt);
      assert.equal(reply.status, 404, attempt);
      assert.equal(JSON.parse(reply.body).error, 'not_found', attempt);
    }
  });
});

describe('/v1/asyncapi.json, the socket events', () => {
  const { server } = useTestServer();

  it('is an AsyncAPI 3.0 document with every event of shared/events.ts, both directions', async () => {
    const reply = await client(server.url).get('/v1/asyncapi.json');
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type')!, /^application\/json/);
    assert.equal(reply.body.asyncapi, '3.0.0');
    const operations = Object.values(reply.body.operations) as Array<{ action: string; title: string; reply?: unknown }>;
    const named = (action: string) => operations.filter((o) => o.action === action).map((o) => o.title).sort();
    assert.deepEqual(named('receive'), [...CLIENT_EVENT_NAMES].sort(), 'client → server events (the server receives them)');
    assert.deepEqual(named('send'), Object.keys(serverEventSchemas).sort(), 'server → client events');
    for (const operation of operations) {
      if (operation.action === 'receive') assert.ok(operation.reply, `${operation.title} has no ack`);
    }
    const messages = reply.body.channels.socket.messages;
    for (const message of Object.values(messages) as Array<{ payload: { type: string } }>) {
      assert.equal(message.payload.type, 'object');
    }
  });

  it('has only $refs that resolve inside the document', async () => {
    const doc = (await client(server.url).get('/v1/asyncapi.json')).body;
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(refs.length > 0);
    for (const ref of refs) {
      const target = ref.split('/').reduce<any>((node, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
      assert.ok(target, `#/${ref} does not resolve`);
    }
  });

  it('gives each event an example its own schema accepts, and its documented payload schema', () => {
    for (const [name, doc] of [...Object.entries(CLIENT_EVENT_DOCS), ...Object.entries(SERVER_EVENT_DOCS)]) {
      const parsed = doc.payload.safeParse(doc.example);
      assert.ok(parsed.success, `${name}: ${parsed.error?.message}`);
    }
    for (const name of Object.keys(serverEventSchemas) as Array<keyof typeof serverEventSchemas>) {
      assert.equal(SERVER_EVENT_DOCS[name].payload, serverEventSchemas[name], name);
    }
  });
});
