import assert from 'node:assert/strict';
import { ENDPOINTS } from '../../shared/endpoints.js';
import { client } from '../support/http.js';
import { METRICS_TOKEN } from '../support/metrics.js';
import { useTestServer } from '../support/server.js';

const SAMPLE_PARAMS: Record<string, string> = {
  question_id: 'aaaaaaaaaaaaaaaaaaaaaaaa',
  template_id: 'aaaaaaaaaaaaaaaaaaaaaaaa',
  serv_id: 'agent1',
  user_id: 'user1',
  session: 'AAAAAAAAAAAA',
  kind: 'image',
  file: 'aaaaaaaaaaaaaaaaaaaaaaaa.jpg',
};

describe('the endpoint catalogue and /v1/openapi.json', () => {
  // Every optional endpoint switched on, so "mounted" covers them too.
  const { server } = useTestServer({ env: { METRICS_TOKEN } });

  it('lists every endpoint of the original document (docs/original-api.zh.rst) with its exact path', () => {
    const documented = [
      'post /v1/question/new',
      'post /v1/serv/bind',
      'get /v1/question/list',
      'post /v1/question/:question_id/serve',
      'get /v1/serv/:serv_id/tasks',
      'get /v1/user/:user_id/waits',
      'get /v1/user/:user_id/tasks',
      'get /v1/user/:user_id/overs',
      'get /v1/user/:user_id/alls',
      'get /v1/question/:question_id/message',
      'post /v1/question/:question_id/message/send_text',
      'post /v1/question/:question_id/message/send_image',
      'get /v1/answer/templates',
      'get /v1/answer/template/:template_id',
      'post /v1/question/:question_id/quit',
      'post /v1/question/:question_id/finish',
      'post /v1/serv/unbind',
      'get /v1/user',
      'post /v1/question/:question_id/reopen',
    ];
    const catalogue = new Set(ENDPOINTS.map((e) => `${e.method} ${e.path}`));
    for (const route of documented) assert.ok(catalogue.has(route), `${route} missing from the catalogue`);
  });

  it('every catalogued endpoint is really mounted (answers anything but "no route")', async () => {
    const api = client(server.url);
    for (const endpoint of ENDPOINTS) {
      const path = endpoint.path.replace(/:([a-z_]+)/g, (_m, name: string) => SAMPLE_PARAMS[name] ?? 'x');
      const reply = await api.request(endpoint.method.toUpperCase(), path, endpoint.method === 'get' ? undefined : {});
      const noRoute = reply.status === 404 && String(reply.body?.debug ?? '').startsWith('no route');
      assert.ok(!noRoute, `${endpoint.method} ${endpoint.path} is not mounted`);
    }
  });

  it('serves an OpenAPI 3.1 document with every catalogued path and the error envelope', async () => {
    const reply = await client(server.url).get('/v1/openapi.json');
    assert.equal(reply.status, 200);
    assert.equal(reply.body.openapi, '3.1.0');
    for (const endpoint of ENDPOINTS) {
      const path = endpoint.path.replace(/:([a-z_]+)/g, '{$1}');
      assert.ok(reply.body.paths[path]?.[endpoint.method], `${endpoint.method} ${path} missing from the document`);
    }
    const serve = reply.body.paths['/v1/question/{question_id}/serve'].post;
    assert.deepEqual(serve.parameters.map((p: { name: string; in: string }) => [p.name, p.in]), [['question_id', 'path']]);
    assert.deepEqual(serve.requestBody.content['application/json'].schema.required, ['serv_id']);
  });
});
