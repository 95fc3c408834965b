/**
 * Input fuzzing over every endpoint of the catalogue (shared/endpoints.ts): generated parameter
 * sets with wrong types, operator-shaped keys, unicode edge cases, huge and empty values, numbers
 * as strings, duplicated params, JSON / form / malformed bodies, with good, bad and missing sessions.
 * Property: no 5xx, no stack trace, every reply a strict success or exactly the error envelope with
 * the HTTP status of its code; the node still answers /healthz. Replay with KEFU_FC_SEED=<seed>.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import sharp from 'sharp';
import { ENDPOINTS, type Endpoint } from '../../shared/endpoints.js';
import { ERROR_STATUS, type ErrorCode } from '../../shared/errors.js';
import { LIMITS } from '../../shared/limits.js';
import { Huge, encodePart, fcOptions, fcTimeout, fuzzRequest, type FuzzRequest, type SessionChoice, type World } from '../support/arbitraries.js';
import { assertNoStack } from '../support/envelope.js';
import { wav } from '../media/fixtures.js';
import { ADMIN_TOKEN, useTestServer } from '../support/server.js';

const RUNS = 25;

/** key=value pairs as a query string or form body; arrays repeat the key, objects become k[sub]. */
function formEncode(params: Array<[string, unknown]>): string {
  const parts: string[] = [];
  const add = (key: string, value: unknown): void => {
    if (value instanceof Huge) parts.push(`${encodePart(key)}=${encodePart(String(value))}`);
    else if (Array.isArray(value)) for (const v of value) add(key, v);
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) add(`${key}[${k}]`, v);
    else if (value === null) parts.push(encodePart(key));
    else parts.push(`${encodePart(key)}=${encodePart(String(value))}`);
  };
  for (const [k, v] of params) add(k, v);
  return parts.join('&');
}

interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Body too large for the route's limit, in a content type the parsers read: expect 413. */
  tooLarge: boolean;
}

const MEDIA_SEND = /\/message\/send_(image|audio)$/;

/** Puts a fuzzed request on the wire. */
function encodeRequest(endpoint: Endpoint, r: FuzzRequest, w: World, adminToken: string): WireRequest {
  const path = endpoint.path.replace(/:(\w+)/g, (_, name: string) => r.path[name] ?? 'x');
  const sessions: Record<SessionChoice, unknown> = {
    user: w.user.session,
    agent: w.agent.session,
    foreignAgent: w.foreignAgent.session,
    none: undefined,
    malformed: 'short',
    unknown: 'AAAAAAAAAAAA',
    array: [w.agent.session, w.user.session],
  };
  const session = sessions[r.session];
  const headers: Record<string, string> = {};
  if (r.admin === 'token') headers.authorization = `Bearer ${adminToken}`;
  if (r.admin === 'wrong') headers.authorization = 'Bearer nope';
  const params = [...r.params];
  let query = '';
  if (session !== undefined) {
    if (r.sessionPlace === 'header') headers['x-session'] = String(session);
    else if (r.sessionPlace === 'query') query = formEncode([['session', session]]);
    else params.unshift(['session', session]);
  }
  if (endpoint.method === 'get' || endpoint.method === 'delete') {
    const q = [query, formEncode(params)].filter(Boolean).join('&') + r.rawQuery;
    return { method: endpoint.method.toUpperCase(), url: q ? `${path}?${q}` : path, headers, tooLarge: false };
  }
  let body: string;
  switch (r.encoding) {
    case 'form':
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = formEncode(params);
      break;
    case 'rawJson':
      headers['content-type'] = 'application/json';
      body = r.raw;
      break;
    case 'dupJson':
      // Duplicate keys are legal JSON text; JSON.parse keeps the last.
      headers['content-type'] = 'application/json';
      body = `{${[...params, ...params.slice(0, 2)].map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`;
      break;
    case 'textPlain':
      headers['content-type'] = 'text/plain';
      body = JSON.stringify(Object.fromEntries(params));
      break;
    case 'gzipGarbage':
      // Claims gzip but is plain JSON: the inflater fails.
      headers['content-type'] = 'application/json';
      headers['content-encoding'] = 'gzip';
      body = JSON.stringify(Object.fromEntries(params));
      break;
    case 'manyParams':
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = [formEncode(params), ...Array.from({ length: 150 }, (_, i) => `k${i}=${i}`)].filter(Boolean).join('&');
      break;
    case 'badCharset':
      headers['content-type'] = 'application/json; charset=latin1';
      body = JSON.stringify(Object.fromEntries(params));
      break;
    default:
      headers['content-type'] = 'application/json';
      body = JSON.stringify(Object.fromEntries(params));
  }
  const limit = MEDIA_SEND.test(endpoint.path) ? LIMITS.mediaBodyBytes : LIMITS.bodyBytes;
  const tooLarge = ['json', 'form', 'rawJson', 'dupJson', 'manyParams'].includes(r.encoding) && Buffer.byteLength(body) > limit;
  return { method: 'POST', url: query ? `${path}?${query}` : path, headers, body, tooLarge };
}

describe('property: fuzzed input to every endpoint', function () {
  this.timeout(fcTimeout(60_000));
  const { server, f } = useTestServer();
  let world: World;

  async function makeWorld(): Promise<World> {
    const user = await f.user();
    const agent = await f.agent({ identifies: [user.identify] });
    const foreignAgent = await f.agent();
    const questionId = await f.question(user);
    const messageId = await f.serve(questionId, agent);
    const templateId = await f.template(user.identify);
    const itemId = await f.item(templateId);
    const jpeg = (await sharp({ create: { width: 2, height: 2, channels: 3, background: 'red' } }).jpeg().toBuffer()).toString('base64');
    return { user, agent, foreignAgent, questionId, messageId, templateId, itemId, jpeg, wav: wav().toString('base64') };
  }

  before(async () => {
    world = await makeWorld();
  });

  /** `method path` of every catalogue endpoint a fuzzed request was sent to. */
  const fuzzed = new Set<string>();
  const keyOf = (endpoint: Endpoint) => `${endpoint.method} ${endpoint.path}`;

  async function send(endpoint: Endpoint, wire: WireRequest) {
    const response = await fetch(server.url + wire.url, { method: wire.method, headers: wire.headers, body: wire.body });
    fuzzed.add(keyOf(endpoint));
    return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
  }

  /** The property every reply must hold, whatever was sent. */
  function checkReply(endpoint: Endpoint, wire: WireRequest, reply: { status: number; type: string; text: string }) {
    const context = `${wire.method} ${wire.url.slice(0, 200)} → ${reply.status} ${reply.text.slice(0, 300)}`;
    assert.ok(reply.status < 500, `5xx: ${context}`);
    assertNoStack(reply.text);
    if (!reply.type.startsWith('application/json')) {
      // Only the HTML page and media bytes are not JSON, and only on success.
      assert.equal(reply.status, 200, context);
      assert.ok(endpoint.produces, `non-JSON reply from a JSON endpoint: ${context}`);
      return;
    }
    const body = JSON.parse(reply.text) as Record<string, unknown>;
    if (reply.status === 200) {
      // The OpenAPI document is JSON but not an envelope.
      if (endpoint.produces) return;
      assert.equal(body.status, 200, context);
      if (endpoint.reply) {
        const parsed = endpoint.reply.safeParse(body);
        assert.ok(parsed.success, `success body does not match its schema: ${context}`);
      }
      // A media URL in a reply points at stored media of its own kind.
      for (const kind of ['image', 'audio']) {
        if (`${kind}_url` in body) assert.match(String(body[`${kind}_url`]), new RegExp(`/v1/media/${kind}/[0-9a-f]{24}\\.`), context);
      }
      return;
    }
    assert.deepEqual(Object.keys(body).filter((k) => !['status', 'error', 'field', 'debug'].includes(k)), [], context);
    assert.equal(body.status, 300, context);
    assert.ok(typeof body.error === 'string' && body.error in ERROR_STATUS, `unknown error code: ${context}`);
    assert.equal(reply.status, ERROR_STATUS[body.error as ErrorCode], `HTTP status does not match the code: ${context}`);
    assert.equal(typeof body.debug, 'string', context);
    if ('field' in body) assert.equal(typeof body.field, 'string', context);
    if (wire.tooLarge) assert.equal(body.error, 'payload_too_large', context);
  }

  async function healthy() {
    const reply = await f.api.get('/healthz');
    assert.equal(reply.status, 200);
  }

  for (const endpoint of ENDPOINTS) {
    it(`${endpoint.method.toUpperCase()} ${endpoint.path}`, async () => {
      // bind/unbind may log the test agent out or move its sessions: fuzz them on their own world.
      const mutatesBindings = endpoint.path.startsWith('/v1/serv/') && endpoint.method === 'post';
      const w = mutatesBindings ? await makeWorld() : world;
      await fc.assert(
        fc.asyncProperty(fuzzRequest(endpoint, w), async (request) => {
          const wire = encodeRequest(endpoint, request, w, ADMIN_TOKEN);
          checkReply(endpoint, wire, await send(endpoint, wire));
        }),
        fcOptions(mutatesBindings ? 12 : RUNS),
      );
      await healthy();
    });
  }

  // After the loop (mocha runs a block's tests in order): it reads what the loop sent.
  it('covers every endpoint of the catalogue (a new endpoint gets fuzzed by the loop above)', () => {
    assert.ok(ENDPOINTS.length >= 30, String(ENDPOINTS.length));
    const catalogue = ENDPOINTS.map(keyOf);
    const missing = catalogue.filter((key) => !fuzzed.has(key));
    assert.deepEqual(missing, [], `never fuzzed: ${missing.join(', ')}`);
    assert.deepEqual([...fuzzed].sort(), [...new Set(catalogue)].sort());
  });

  it('still answers /healthz and /readyz after all of it', async () => {
    await healthy();
    assert.equal((await f.api.get('/readyz')).status, 200);
  });
});
