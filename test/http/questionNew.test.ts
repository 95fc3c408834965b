import assert from 'node:assert/strict';
import { sessionDeleter } from '../../server/domain/commands/provisioning.js';
import { questionNewReply, waitsReply } from '../../shared/schemas/responses.js';
import { assertError, assertOk } from '../support/envelope.js';
import { nowS, questionHelpers } from '../support/questions.js';
import { useTestServer } from '../support/server.js';

describe('POST /question/new', () => {
  const { server, f } = useTestServer();
  const h = questionHelpers(f);

  const ask = (body: Record<string, unknown>, options: { form?: boolean; session?: string } = {}) =>
    f.api.post('/v1/question/new', body, options);

  describe('success', () => {
    it('answers question_id and question {id, status 1}, and the question waits in its app queue', async () => {
      const user = await f.user({ name: '小明', imageUrl: 'https://cdn.example/a.png' });
      const agent = await f.agent({ identifies: [user.identify] });
      const before = nowS();
      const reply = await ask({ session: user.session, title: '无法激活', label: '["激活","安卓4.3"]' }, { form: true });
      const after = nowS();
      const body = assertOk(reply, questionNewReply);
      assert.equal(body.question.id, body.question_id);
      assert.equal(body.question.status, 1);
      // An ObjectId: its first 4 bytes are the creation second.
      const idSeconds = parseInt(body.question_id.slice(0, 8), 16);
      assert.ok(idSeconds >= Math.floor(before) && idSeconds <= Math.floor(after));

      const [summary, ...rest] = await h.queueOf(agent);
      assert.equal(rest.length, 0);
      assert.deepEqual(
        { ...summary, timestamp: undefined },
        {
          question_id: body.question_id,
          identify: user.identify,
          user_id: user.userId,
          user_image_url: 'https://cdn.example/a.png',
          user_name: '小明',
          title: '无法激活',
          labels: ['激活', '安卓4.3'],
          last_mess_text: '',
          last_mess_timestamp: null,
          last_mess_sender: null,
          last_mess_sender_type: null,
          timestamp: undefined,
        },
      );
      assert.ok(summary!.timestamp >= before && summary!.timestamp <= after, String(summary!.timestamp));
      assert.deepEqual(await h.stateOf(body.question_id, user), { status: 1, serv_id: null });

      const waits = f.api.get(`/v1/user/${user.userId}/waits`, {}, { session: user.session });
      assert.deepEqual(assertOk(await waits, waitsReply).questions, [
        { question_id: body.question_id, timestamp: summary!.timestamp },
      ]);
    });

    it('accepts JSON bodies, with label as a JSON string or as an array', async () => {
      const user = await f.user();
      const agent = await f.agent({ identifies: [user.identify] });
      const a = assertOk(await ask({ session: user.session, title: 'a', label: '["激活"]' }), questionNewReply);
      const b = assertOk(await ask({ session: user.session, title: 'b', label: ['激活', '激活'] }), questionNewReply);
      assert.notEqual(a.question_id, b.question_id);
      const ids = (await h.queueOf(agent, { label: '激活', sort: 1 })).map((q) => q.question_id);
      assert.deepEqual(ids, [a.question_id, b.question_id]);
    });

    it('needs neither title nor label', async () => {
      const user = await f.user();
      const agent = await f.agent({ identifies: [user.identify] });
      const body = assertOk(await ask({ session: user.session }), questionNewReply);
      const [summary] = await h.queueOf(agent);
      assert.equal(summary!.question_id, body.question_id);
      assert.equal(summary!.title, '');
    });

    it('takes the session from the X-Session header or the session query parameter', async () => {
      const user = await f.user();
      assertOk(await ask({ title: 'by header' }, { session: user.session }), questionNewReply);
      const byQuery = await f.api.post(`/v1/question/new?session=${user.session}`, { title: 'by query' });
      assertOk(byQuery, questionNewReply);
      const waits = await f.api.get(`/v1/user/${user.userId}/waits`, {}, { session: user.session });
      assert.equal(assertOk(waits, waitsReply).questions.length, 2);
    });

    it("files the question under the session's app, not the user's other apps", async () => {
      const user = await f.user();
      const otherApp = await f.app();
      const agentA = await f.agent({ identifies: [user.identify] });
      const agentB = await f.agent({ identifies: [otherApp] });
      const sessionB = await f.session(user, otherApp);
      const body = assertOk(await ask({ session: sessionB, title: 'in B' }), questionNewReply);
      assert.deepEqual(await h.queueOf(agentA), []);
      assert.deepEqual((await h.queueOf(agentB)).map((q) => q.question_id), [body.question_id]);
    });

    it('accepts a title of exactly 200 characters and 20 labels of 50 characters', async () => {
      const user = await f.user();
      const labels = Array.from({ length: 20 }, (_, i) => String(i).padStart(50, 'x'));
      assertOk(await ask({ session: user.session, title: 't'.repeat(200), label: JSON.stringify(labels) }), questionNewReply);
    });
  });

  describe('errors', () => {
    it('answers 400 param_missing session without a session', async () => {
      assertError(await ask({ title: 'x' }), 'param_missing', 'session');
    });

    it('answers 400 param_invalid session for a malformed session', async () => {
      assertError(await ask({ session: 'short', title: 'x' }), 'param_invalid', 'session');
      assertError(await ask({ session: 12345678901234 }), 'param_invalid', 'session');
    });

    it('answers 401 session_invalid for an unknown or deleted session', async () => {
      assertError(await ask({ session: 'ZZZZZZZZZZZZ' }), 'session_invalid', 'session');
      const user = await f.user();
      await sessionDeleter(server.deps, user.session);
      assertError(await ask({ session: user.session }), 'session_invalid', 'session');
    });

    const badLabels: Array<[string, unknown]> = [
      ['not JSON', '激活'],
      ['a JSON object', '{"a":"b"}'],
      ['a JSON string', '"激活"'],
      ['numbers', '[1,2]'],
      ['an empty label', '[""]'],
      ['a label of 51 characters', JSON.stringify(['x'.repeat(51)])],
      ['21 labels', JSON.stringify(Array.from({ length: 21 }, (_, i) => `l${i}`))],
      ['a label with a control character', JSON.stringify(['a\u0001b'])],
      ['a JSON object body value', { $ne: 'x' }],
    ];
    for (const [name, label] of badLabels) {
      it(`answers 400 param_invalid label for ${name}`, async () => {
        const user = await f.user();
        assertError(await ask({ session: user.session, label }), 'param_invalid', 'label');
      });
    }

    it('answers 400 param_invalid label for an operator-shaped parameter name', async () => {
      const user = await f.user();
      assertError(await ask({ session: user.session, 'label[$ne]': 'x' }, { form: true }), 'param_invalid', 'label');
    });

    it('answers 400 param_invalid title for a long, multi-line or non-string title', async () => {
      const user = await f.user();
      assertError(await ask({ session: user.session, title: 't'.repeat(201) }), 'param_invalid', 'title');
      assertError(await ask({ session: user.session, title: 'a\nb' }), 'param_invalid', 'title');
      assertError(await ask({ session: user.session, title: 42 }), 'param_invalid', 'title');
      assertError(await ask({ session: user.session, title: ['a', 'b'] }), 'param_invalid', 'title');
    });

    it('answers 400 param_invalid for a body that is not JSON, and creates nothing on any error', async () => {
      const user = await f.user();
      const agent = await f.agent({ identifies: [user.identify] });
      const raw = await f.api.request('POST', '/v1/question/new', undefined, {
        raw: '{"session":',
        headers: { 'content-type': 'application/json' },
      });
      assertError(raw, 'param_invalid');
      assertError(await ask({ session: user.session, title: 't'.repeat(201) }), 'param_invalid', 'title');
      assert.deepEqual(await h.queueOf(agent), []);
    });
  });
});
