import assert from 'node:assert/strict';
import { itemsReply, templatesReply } from '../../shared/schemas/responses.js';
import { assertError, assertOk } from '../support/envelope.js';
import type { TestAgent } from '../support/factories.js';
import { useTestServer } from '../support/server.js';

describe('GET /answer/templates and /answer/template/<template_id>', () => {
  const { f } = useTestServer();
  let appA: string;
  let appB: string;
  let appC: string;
  let agent: TestAgent;
  let tA1: string;
  let tA2: string;
  let tB: string;
  let tC: string;

  before(async () => {
    appA = await f.app();
    appB = await f.app();
    appC = await f.app();
    agent = await f.agent({ identifies: [appA, appB] });
    tA1 = await f.template(appA, 'Greetings');
    tA2 = await f.template(appA, '账号问题');
    tB = await f.template(appB, 'Billing');
    tC = await f.template(appC, 'Not yours');
  });

  const templates = (params: Record<string, unknown> = {}, session = agent.session) =>
    f.api.get('/v1/answer/templates', params, { session });
  const items = (templateId: string, params: Record<string, unknown> = {}, session = agent.session) =>
    f.api.get(`/v1/answer/template/${templateId}`, params, { session });
  const sortedIds = (list: Array<{ template_id: string }>) => list.map((t) => t.template_id).sort();

  it("lists the templates of the agent's apps only", async () => {
    const body = assertOk(await templates(), templatesReply);
    assert.deepEqual(sortedIds(body.templates), [tA1, tA2, tB].sort());
    assert.equal(body.templates.find((t) => t.template_id === tA2)?.title, '账号问题');
    assert.ok(!body.templates.some((t) => t.template_id === tC));
  });

  it('filters templates by identify; an app the agent does not serve is 403', async () => {
    assert.deepEqual(sortedIds(assertOk(await templates({ identify: appA }), templatesReply).templates), [tA1, tA2].sort());
    assert.deepEqual(sortedIds(assertOk(await templates({ identify: appB }), templatesReply).templates), [tB]);
    assertError(await templates({ identify: appC }), 'forbidden', 'identify');
    assertError(await templates({ identify: 'not a package!' }), 'param_invalid', 'identify');
  });

  it('is for agents only', async () => {
    const user = await f.user({ identify: appA });
    assertError(await templates({}, user.session), 'serv_not_bound');
    assertError(await items(tA1, {}, user.session), 'serv_not_bound');
    assertError(await f.api.get('/v1/answer/templates'), 'param_missing', 'session');
  });

  it("lists a template's items", async () => {
    const t = await f.template(appA, 'Items');
    const i1 = await f.item(t, 'How do I log in?', 'Tap "Sign in".\nThen enter your code.');
    const i2 = await f.item(t, 'Refund?', '<b>Within 7 days</b>');
    const body = assertOk(await items(t, { sort: 1 }), itemsReply);
    assert.deepEqual(body.items, [
      { item_id: i1, question: 'How do I log in?', content: 'Tap "Sign in".\nThen enter your code.' },
      { item_id: i2, question: 'Refund?', content: '<b>Within 7 days</b>' },
    ]);
    assert.deepEqual(assertOk(await items(tB), itemsReply).items, []);
    assert.equal(assertOk(await items(t, { identify: appA }), itemsReply).items.length, 2);
  });

  it('refuses templates of other apps (403) and unknown ones (404)', async () => {
    assertError(await items(tC), 'forbidden', 'template_id');
    assertError(await items('0123456789abcdef01234567'), 'template_not_found', 'template_id');
    assertError(await items('not-an-id'), 'param_invalid', 'template_id');
    assertError(await items(tA1, { identify: appC }), 'forbidden', 'identify');
    // A template of a served app, asked for under another served app, is not there.
    assertError(await items(tA1, { identify: appB }), 'template_not_found');
  });

  it('pages items with page/num, sort and the item_id cursor', async () => {
    const t = await f.template(appB, 'Many');
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push(await f.item(t, `q${i}`, `a${i}`));
    const newest = [...created].reverse();
    const ids = async (params: Record<string, unknown>) =>
      assertOk(await items(t, params), itemsReply).items.map((i) => i.item_id);
    assert.deepEqual(await ids({}), newest);
    assert.deepEqual(await ids({ num: 2 }), newest.slice(0, 2));
    assert.deepEqual(await ids({ num: 2, page: 1 }), newest.slice(2, 4));
    assert.deepEqual(await ids({ num: 2, page: 2 }), newest.slice(4));
    assert.deepEqual(await ids({ sort: 1, num: 3 }), created.slice(0, 3));
    assert.deepEqual(await ids({ item_id: newest[1], num: 2, page: 5 }), newest.slice(2, 4));
    assert.deepEqual(await ids({ sort: 1, item_id: created[2] }), created.slice(3));
    assertError(await items(t, { num: 51 }), 'param_invalid', 'num');
    assertError(await items(t, { page: 51 }), 'param_invalid', 'page');
    assertError(await items(t, { sort: -2 }), 'param_invalid', 'sort');
    assertError(await items(t, { item_id: 'x' }), 'param_invalid', 'item_id');
  });
});
