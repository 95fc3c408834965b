import assert from 'node:assert/strict';
import { factories } from '../support/factories.js';
import { LogCapture, type LogLine } from '../support/logCapture.js';
import { ADMIN_TOKEN, useTestServer } from '../support/server.js';

describe('request logging', () => {
  const capture = new LogCapture('info');
  const { f } = useTestServer({ logger: capture.logger });
  let sequence = 0;

  /** Sends a request tagged with a fresh X-Request-Id and returns its log lines once written. */
  async function logged(send: (headers: Record<string, string>) => Promise<unknown>): Promise<LogLine[]> {
    const reqId = `t-${++sequence}`;
    await send({ 'x-request-id': reqId });
    // A second request, logged after the first has finished, so every line of the first is in.
    const fence = `fence-${sequence}`;
    await f.api.get('/healthz', undefined, { headers: { 'x-request-id': fence } });
    await capture.waitFor((l) => l.reqId === fence);
    return capture.lines.filter((l) => l.reqId === reqId);
  }

  it('writes one JSON line per request with reqId, route, status and duration', async () => {
    const user = await f.user();
    const lines = await logged((headers) => f.api.get(`/v1/user/${user.userId}/alls`, {}, { session: user.session, headers }));
    assert.equal(lines.length, 1);
    const [line] = lines as [LogLine];
    assert.equal(line.msg, 'request');
    assert.equal(line.level, 30);
    assert.equal(line.method, 'GET');
    assert.equal(line.route, '/v1/user/:user_id/alls');
    assert.equal(line.status, 200);
    assert.equal(typeof line.durationMs, 'number');
    assert.ok(line.durationMs >= 0);
    assert.equal(typeof line.time, 'string');
  });

  it('logs failures with their status and error code', async () => {
    const [notFound] = await logged((headers) => f.api.get('/v1/no/such/route', undefined, { headers }));
    assert.equal(notFound?.status, 404);
    assert.equal(notFound?.error, 'not_found');
    const invalid = await logged((headers) => f.api.post('/v1/question/new', {}, { headers }));
    assert.equal(invalid.length, 1);
    assert.equal(invalid[0]?.route, '/v1/question/new');
    assert.equal(invalid[0]?.status, 400);
    assert.equal(invalid[0]?.error, 'param_missing');
    // The route of a failed request is named as on success, mount included.
    const [missing] = await logged((headers) => f.api.get('/v1/user/someone/alls', {}, { headers }));
    assert.equal(missing?.route, '/v1/user/:user_id/alls');
    assert.equal(missing?.status, 400);
  });

  it('never logs sessions, passwords or the admin token', async () => {
    const agent = await f.agent({ password: 'Pa55-secret-pw' });
    const user = await f.user({ identify: agent.identifies[0] });
    const secrets = [agent.session, user.session, agent.password, ADMIN_TOKEN];
    const before = capture.raw.length;
    const sends: Array<(h: Record<string, string>) => Promise<unknown>> = [
      (headers) => f.api.get(`/v1/user/${user.userId}/alls`, { session: user.session }, { headers }),
      (headers) => f.api.get(`/v1/user/${user.userId}/alls?Session=${user.session}`, undefined, { headers }),
      (headers) => f.api.get(`/v1/user/${user.userId}/alls?%73ession=${user.session}`, undefined, { headers }),
      (headers) => f.api.get(`/v1/user/${user.userId}/alls?session[]=${user.session}`, undefined, { headers }),
      (headers) => f.api.get(`/v1/serv/${agent.servId}/tasks`, {}, { session: agent.session, headers }),
      (headers) => f.api.post('/v1/question/new', { session: user.session, title: 'hi' }, { headers }),
      (headers) => f.api.post('/v1/question/new', { session: user.session, title: 'hi' }, { headers, form: true }),
      (headers) => f.api.post('/v1/serv/unbind', { session: agent.session, serv_id: agent.servId, password: agent.password }, { headers }),
      (headers) => f.api.post('/v1/serv/bind', { session: agent.session, serv_id: agent.servId, password: agent.password }, { headers }),
      (headers) => f.api.post(`/v1/serv/bind?password=${agent.password}`, { session: agent.session, serv_id: agent.servId }, { headers }),
      (headers) => f.api.request('POST', '/v1/serv/bind', undefined, {
        raw: `{"session":"${user.session}","password":"${agent.password}"`,
        headers: { ...headers, 'content-type': 'application/json' },
      }),
      (headers) => f.api.post('/v1/admin/apps', { identify: 'com.log.test' }, { headers: { ...headers, authorization: `Bearer ${ADMIN_TOKEN}` } }),
      (headers) => f.api.post('/v1/admin/apps', { identify: 'com.log.test' }, { headers: { ...headers, authorization: `Bearer ${ADMIN_TOKEN}x` } }),
      (headers) => f.api.post('/v1/admin/servs', { serv_id: 'logged', password: agent.password, identifies: agent.identifies }, {
        headers: { ...headers, authorization: `Bearer ${ADMIN_TOKEN}` },
      }),
      (headers) => f.api.delete(`/v1/admin/sessions/${user.session}`, { headers: { ...headers, authorization: `Bearer ${ADMIN_TOKEN}` } }),
    ];
    for (const send of sends) assert.equal((await logged(send)).length, 1);
    const output = capture.raw.slice(before).join('\n');
    assert.ok(output.length > 0);
    for (const secret of secrets) assert.ok(!output.includes(secret), `log output contains ${secret}: ${output}`);
  });
});

describe('logging of failures inside the server', () => {
  const capture = new LogCapture('info');
  const { server } = useTestServer({ logger: capture.logger });

  it('logs an unexpected error at error level with its reqId, and no session', async () => {
    const user = await factories(server).user();
    await server.deps.store.close();
    const reply = await fetch(`${server.url}/v1/question/new`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'boom-1' },
      body: JSON.stringify({ session: user.session }),
    });
    assert.equal(reply.status, 500);
    const [request] = await capture.waitFor((l) => l.reqId === 'boom-1' && l.msg === 'request');
    assert.equal(request?.level, 50);
    assert.equal(request?.error, 'internal');
    const unhandled = capture.lines.filter((l) => l.reqId === 'boom-1' && l.msg === 'unhandled error');
    assert.equal(unhandled.length, 1);
    assert.ok(unhandled[0]?.err);
    assert.ok(!capture.text.includes(user.session));
  });
});
