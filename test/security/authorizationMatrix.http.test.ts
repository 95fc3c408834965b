/**
 * The authorization matrix over HTTP: every session endpoint of the catalogue (rows, httpRows.ts)
 * against every kind of caller (columns, matrixWorld.ts), one `it` per cell. A refused write must
 * also leave the question (or the caller's binding) exactly as it was.
 */
import assert from 'node:assert/strict';
import { ENDPOINTS, type Endpoint } from '../../shared/endpoints.js';
import { assertError } from '../support/envelope.js';
import type { Reply } from '../support/http.js';
import { eventually } from '../support/eventually.js';
import { useTestServer } from '../support/server.js';
import { connectSocket, type TestSocket } from '../support/sockets.js';
import { HTTP_ROWS, type Expect, type HttpRow, type RowContext } from './httpRows.js';
import { sessionDigest } from '../../server/domain/sessionTokens.js';
import {
  COLUMN_ORDER,
  COLUMNS,
  callerOf,
  createCast,
  createWorld,
  describeCode,
  device,
  freshCallerOf,
  questionIn,
  unbind,
  type Cast,
  type Column,
  type World,
} from './matrixWorld.js';

/** Callers that never carry a device session: admin and metrics scrapers (bearer tokens) and public endpoints. */
const SESSIONLESS: Endpoint['caller'][] = ['admin', 'metrics scraper', 'public'];
const keyOf = (e: Endpoint) => `${e.method.toUpperCase()} ${e.path}`;

const titleOf = (row: HttpRow) => (row.variant ? `${row.endpoint} (${row.variant})` : row.endpoint);

function expectationOf(row: HttpRow, column: Column): Expect {
  if (column === 'none') return 'param_missing';
  if (column === 'revoked') return 'session_invalid';
  return row.expect[column];
}

function describeExpect(expected: Expect): string {
  if (expected === 200) return '200';
  if (expected === 'listed') return '200, listed';
  if (expected === 'unlisted') return '200, not listed';
  return describeCode(expected);
}

describe('authorization matrix: HTTP', () => {
  const { server } = useTestServer();
  let cast: Cast;
  /** One logged-out device for every row: no row binds it again (bind rows use fresh devices). */
  let unbound: string;

  before(async () => {
    cast = await createCast(server);
    unbound = await unbind(cast, await device(cast, cast.app, cast.serving));
  });

  it('has a row for every session endpoint of the catalogue, and only catalogue endpoints', () => {
    const rows = new Set(HTTP_ROWS.map((r) => r.endpoint));
    const sessionEndpoints = ENDPOINTS.filter((e) => !SESSIONLESS.includes(e.caller)).map(keyOf);
    assert.deepEqual(sessionEndpoints.filter((k) => !rows.has(k)), [], 'add these endpoints to test/security/httpRows.ts');
    const known = new Set(ENDPOINTS.map(keyOf));
    assert.deepEqual([...rows].filter((k) => !known.has(k)), [], 'rows naming no catalogue endpoint');
  });

  /** Fills path parameters from the world: the row's question, the asker, the serving agent, the template. */
  function pathOf(row: HttpRow, x: RowContext): string {
    const values: Record<string, string> = {
      question_id: x.questionId,
      user_id: x.w.asker.userId,
      serv_id: x.w.serving.servId,
      template_id: x.w.templateId,
    };
    return row.endpoint.split(' ')[1]!.replace(/:(\w+)/g, (_, name: string) => {
      assert.ok(values[name], `no value for :${name}`);
      return encodeURIComponent(values[name]);
    });
  }

  /** POST: the session as a body parameter; GET: as the X-Session header (both are documented). */
  function call(row: HttpRow, x: RowContext): Promise<Reply> {
    const method = row.endpoint.split(' ')[0];
    const path = pathOf(row, x);
    const params = row.params?.(x) ?? {};
    if (method === 'GET') return cast.f.api.get(path, params, { session: x.c.session });
    return cast.f.api.post(path, x.c.session === undefined ? params : { session: x.c.session, ...params });
  }

  /** What a refused write must not change: the question and its messages, or the caller's binding. */
  async function observe(row: HttpRow, x: RowContext): Promise<unknown> {
    const store = server.deps.store;
    if (row.freshCaller) return x.c.session && (await store.accounts.getSession(sessionDigest(x.c.session)))?.servId;
    if (!row.question) return null;
    const q = await store.conversations.getQuestion(x.questionId);
    const messages = await store.conversations.listMessages(x.questionId, { num: 50, offset: 0, sort: 1 });
    return { status: q?.status, servId: q?.servId, finishRequestedAt: q?.finishRequestedAt, seqs: messages.map((m) => m.seq) };
  }

  function check(reply: Reply, expected: Expect, row: HttpRow, x: RowContext): void {
    if (typeof expected === 'string' && expected !== 'listed' && expected !== 'unlisted') {
      assertError(reply, expected);
      return;
    }
    assert.equal(reply.status, 200, `${reply.status} ${reply.text.slice(0, 300)}`);
    if (reply.body && typeof reply.body === 'object') assert.equal(reply.body.status, 200, reply.text.slice(0, 300));
    else assert.match(reply.headers.get('content-type') ?? '', /^text\/html/);
    if (expected === 'listed' || expected === 'unlisted') {
      assert.ok(row.lists, 'a listed/unlisted cell needs the row to say what it lists');
      assert.equal(row.lists(reply.body, x), expected === 'listed', `${expected} expected: ${reply.text.slice(0, 300)}`);
    }
  }

  for (const row of HTTP_ROWS) {
    describe(titleOf(row), () => {
      let w: World;
      let rowQuestion = '';
      let sockets: TestSocket[] = [];
      before(async () => {
        w = await createWorld(cast, { unbound });
        if (row.question && !row.writes) rowQuestion = await questionIn(w, row.question);
        for (const name of row.online ?? []) {
          const agent = cast[name];
          // Earlier rows may have left it away by choice (POST /serv/status): choose online first.
          const chosen = await cast.f.api.post('/v1/serv/status', { session: agent.session, serv_id: agent.servId, status: 'online' });
          assert.equal(chosen.status, 200, chosen.text);
          sockets.push(await connectSocket(server.url, agent.session));
          await eventually(async () => (await server.deps.presence.presenceOf([agent.servId])).get(agent.servId) === 'online', `${name} online`);
        }
      });
      after(async () => {
        for (const socket of sockets) socket.close();
        sockets = [];
        for (const name of row.online ?? []) {
          const { servId } = cast[name];
          await eventually(async () => (await server.deps.presence.presenceOf([servId])).get(servId) === 'offline', `${name} offline again`);
        }
      });

      for (const column of COLUMN_ORDER) {
        const expected = expectationOf(row, column);
        it(`${titleOf(row)} × ${COLUMNS[column]} → ${describeExpect(expected)}`, async () => {
          const questionId = row.question && row.writes ? await questionIn(w, row.question) : rowQuestion;
          const c = row.freshCaller ? await freshCallerOf(w, column) : callerOf(w, column);
          const x: RowContext = { w, c, questionId };
          const refused = typeof expected === 'string' && expected !== 'listed' && expected !== 'unlisted';
          const before = row.writes || row.freshCaller ? await observe(row, x) : undefined;
          check(await call(row, x), expected, row, x);
          if (refused && before !== undefined) assert.deepEqual(await observe(row, x), before, 'a refused call changed state');
        });
      }
    });
  }
});
