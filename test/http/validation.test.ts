import assert from 'node:assert/strict';
import { allsReply, messageIdReply, questionNewReply } from '../../shared/schemas/responses.js';
import { assertError, assertOk } from '../support/envelope.js';
import type { TestAgent, TestUser } from '../support/factories.js';
import type { RequestOptions } from '../support/http.js';
import { useTestServer } from '../support/server.js';

describe('generic input rules', () => {
  const { f } = useTestServer();
  let user: TestUser;
  let agent: TestAgent;
  let questionId: string;

  before(async () => {
    user = await f.user();
    agent = await f.agent({ identifies: [user.identify] });
    questionId = await f.question(user);
  });

  const raw = (method: string, path: string, body: string, headers: Record<string, string> = {}) =>
    f.api.request(method, path, undefined, { raw: body, headers: { 'content-type': 'application/json', ...headers } });
  const alls = (params: Record<string, unknown>, options?: RequestOptions) =>
    f.api.get(`/v1/user/${user.userId}/alls`, params, options);

  describe('the session', () => {
    it('is read from the POST param, the X-Session header or the session query param', async () => {
      assertOk(await f.api.post('/v1/question/new', { session: user.session, title: 'body' }), questionNewReply);
      assertOk(await f.api.post('/v1/question/new', { title: 'header' }, { session: user.session }), questionNewReply);
      assertOk(await f.api.post(`/v1/question/new?session=${user.session}`, { title: 'query' }), questionNewReply);
      assertOk(await alls({ session: user.session }), allsReply);
      assertOk(await alls({}, { session: user.session }), allsReply);
    });

    it('missing → 400 param_missing, malformed → 400 param_invalid, unknown → 401 session_invalid', async () => {
      assertError(await f.api.post('/v1/question/new', { title: 'x' }), 'param_missing', 'session');
      assertError(await f.api.post('/v1/question/new', { session: '', title: 'x' }), 'param_missing', 'session');
      assertError(await alls({}), 'param_missing', 'session');
      for (const bad of ['short', 'x'.repeat(13), 'abc def ghij', 'ÄÄÄÄÄÄÄÄÄÄÄÄ']) {
        assertError(await f.api.post('/v1/question/new', { session: bad }), 'param_invalid', 'session');
        assertError(await alls({}, { headers: { 'x-session': encodeURIComponent(bad) } }), 'param_invalid', 'session');
      }
      assertError(await f.api.post('/v1/question/new', { session: 'AAAAAAAAAAAA' }), 'session_invalid', 'session');
      assertError(await alls({ session: 'AAAAAAAAAAAA' }), 'session_invalid');
    });

    it('must be a string: objects and repeated params are param_invalid', async () => {
      assertError(await raw('POST', '/v1/question/new', '{"session":{"$ne":null}}'), 'param_invalid', 'session');
      assertError(await raw('POST', '/v1/question/new', `{"session":["${user.session}"]}`), 'param_invalid', 'session');
      assertError(await alls({ session: [user.session, user.session] }), 'param_invalid', 'session');
    });
  });

  describe('parameters', () => {
    it('says in debug what is wrong with a number, naming the field', async () => {
      for (const page of ['abc', '1.5', '[1]']) {
        const reply = await alls({ page }, { session: user.session });
        assertError(reply, 'param_invalid', 'page');
        assert.equal(reply.body.debug, 'page must be an integer');
      }
      assert.equal((await alls({ num: 51 }, { session: user.session })).body.debug, 'num must be between 1 and 50');
    });

    it('ids must be 24-hex, named in field', async () => {
      const serve = (id: string) => f.api.post(`/v1/question/${id}/serve`, { session: agent.session, serv_id: agent.servId });
      assertError(await serve('123'), 'param_invalid', 'question_id');
      assertError(await serve('g'.repeat(24)), 'param_invalid', 'question_id');
      assertError(await serve(`${questionId}00`), 'param_invalid', 'question_id');
      assertError(await serve('%E0%A4%A'), 'param_invalid');
      assertError(await serve('0'.repeat(24)), 'question_not_found', 'question_id');
      const messages = (params: Record<string, unknown>) =>
        f.api.get(`/v1/question/${questionId}/message`, params, { session: user.session });
      assertError(await messages({ message_id: 'zz' }), 'param_invalid', 'message_id');
      assertError(await alls({ question_id: 'x'.repeat(24) }, { session: user.session }), 'param_invalid', 'question_id');
    });

    it('rejects operator-shaped keys and non-string values with the right field', async () => {
      assertError(await f.api.get('/v1/question/list', { 'label[$ne]': 'x' }, { session: agent.session }), 'param_invalid', 'label');
      assertError(await f.api.get('/v1/question/list', { $where: '1' }, { session: agent.session }), 'param_invalid');
      assertError(
        await raw('POST', '/v1/serv/bind', JSON.stringify({ session: user.session, serv_id: ['a'], password: 'x' })),
        'param_invalid',
        'serv_id',
      );
      assertError(
        await raw('POST', '/v1/serv/bind', JSON.stringify({ session: user.session, serv_id: 'a', password: { $gt: '' } })),
        'param_invalid',
        'password',
      );
      assertError(await alls({ num: [1, 2] }, { session: user.session }), 'param_invalid', 'num');
      assertError(await alls({ identify: [user.identify, user.identify] }, { session: user.session }), 'param_invalid', 'identify');
      const send = (body: Record<string, unknown>) =>
        raw('POST', `/v1/question/${questionId}/message/send_text`, JSON.stringify({ session: user.session, sender: user.userId, sender_type: 1, text: 'hi', ...body }));
      assertError(await send({ text: { $ne: 1 } }), 'param_invalid', 'text');
      assertError(await send({ sender_type: [1] }), 'param_invalid', 'sender_type');
      assertError(await send({ sender_type: true }), 'param_invalid', 'sender_type');
    });

    it('accepts numbers given as strings where numeric', async () => {
      const send = (body: Record<string, unknown>, form: boolean) =>
        f.api.post(`/v1/question/${questionId}/message/send_text`, { session: user.session, sender: user.userId, text: 'hi', ...body }, { form });
      assertOk(await send({ sender_type: '1' }, false), messageIdReply);
      assertOk(await send({ sender_type: 1 }, false), messageIdReply);
      assertOk(await send({ sender_type: '1' }, true), messageIdReply);
      assertError(await send({ sender_type: '1.0' }, false), 'param_invalid', 'sender_type');
      assertError(await send({ sender_type: 3 }, false), 'param_invalid', 'sender_type');
      const page = assertOk(await alls({ num: '1', page: '0', sort: '-1' }, { session: user.session }), allsReply);
      assert.equal(page.questions.length, 1);
    });

    it('accepts form-encoded and JSON bodies alike', async () => {
      assertOk(await f.api.post('/v1/question/new', { session: user.session, title: 'form', label: '["a","b"]' }, { form: true }), questionNewReply);
      assertOk(await f.api.post('/v1/question/new', { session: user.session, title: 'json', label: '["a"]' }), questionNewReply);
      const charset = await raw('POST', '/v1/question/new', JSON.stringify({ session: user.session }), {
        'content-type': 'application/json; charset=utf-8',
      });
      assertOk(charset, questionNewReply);
    });

    it('stores nothing on the prototype from __proto__ / constructor keys', async () => {
      const body = `{"session":"${user.session}","title":"p","__proto__":{"polluted":1},"constructor":{"prototype":{"p2":1}}}`;
      assertOk(await raw('POST', '/v1/question/new', body), questionNewReply);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal(({} as Record<string, unknown>).p2, undefined);
    });
  });

  describe('bodies and routes', () => {
    it('answers malformed JSON and non-object bodies with a 400 envelope', async () => {
      assertError(await raw('POST', '/v1/question/new', '{"session":'), 'param_invalid');
      assertError(await raw('POST', '/v1/question/new', '"just a string"'), 'param_invalid');
      assertError(await raw('POST', '/v1/question/new', '[1,2]', { 'x-session': user.session }), 'param_invalid');
      assertError(await raw('POST', '/v1/question/new', '{}', { 'content-type': 'application/json; charset=latin-9' }), 'param_invalid');
    });

    it('refuses a body over 64 KB on a normal route with 413 payload_too_large', async () => {
      const big = 'x'.repeat(65 * 1024);
      assertError(await f.api.post('/v1/question/new', { session: user.session, title: big }), 'payload_too_large');
      assertError(await f.api.post('/v1/question/new', { session: user.session, title: big }, { form: true }), 'payload_too_large');
      // Just under the limit the body is parsed (and the title is then too long).
      const under = await f.api.post('/v1/question/new', { session: user.session, title: 'x'.repeat(60 * 1024) });
      assertError(under, 'param_invalid', 'title');
    });

    it('refuses too many form parameters', async () => {
      const body = Array.from({ length: 150 }, (_, i) => `p${i}=1`).join('&');
      const reply = await f.api.request('POST', '/v1/question/new', undefined, {
        raw: body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assertError(reply, 'param_invalid');
    });

    it('answers unknown routes and methods with the not_found envelope', async () => {
      assertError(await f.api.get('/v1/nothing/here'), 'not_found', null);
      assertError(await f.api.get('/nothing'), 'not_found');
      assertError(await f.api.get('/v1/serv/bind'), 'not_found');
      assertError(await f.api.delete(`/v1/question/${questionId}/serve`), 'not_found');
      assertError(await f.api.post('/v1/question/new/extra', {}), 'not_found');
    });
  });
});
