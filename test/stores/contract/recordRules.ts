/**
 * Contract: the record rules (server/stores/recordRules.ts) in front of this store, as openStore
 * puts them. A record over a limit is refused with param_invalid naming the field, the same on
 * every store, and nothing is written.
 */
import assert from 'node:assert/strict';
import { isApiError } from '../../../shared/errors.js';
import { LIMITS } from '../../../shared/limits.js';
import { newObjectId } from '../../../server/stores/objectId.js';
import { withRecordRules } from '../../../server/stores/recordRules.js';
import { T0, USER_GUARD, newQuestion, userText, type GetStore } from './support.js';

const refusedOn = (field: string) => (error: unknown) => {
  assert.ok(isApiError(error), `expected an ApiError, got ${String(error)}`);
  assert.equal(error.code, 'param_invalid');
  assert.equal(error.field, field);
  return true;
};

export function recordRulesContract(store: GetStore): void {
  describe('record rules (in front of every store)', () => {
    const ruled = () => withRecordRules(store());

    it('refuses an over-long title or too many labels before the question exists', async () => {
      const base = { identify: 'com.a', userId: 'u1', title: 'ok', labels: [], now: T0 };
      await assert.rejects(ruled().conversations.createQuestion({ ...base, title: 'x'.repeat(LIMITS.title.max + 1) }), refusedOn('title'));
      await assert.rejects(ruled().conversations.createQuestion({ ...base, labels: Array.from({ length: LIMITS.label.maxCount + 1 }, (_, i) => `l${i}`) }), refusedOn('label'));
      assert.deepEqual(await store().conversations.listQuestions({ userId: 'u1' }, { num: 10, offset: 0, sort: 1 }), []);
      assert.equal((await ruled().conversations.createQuestion({ ...base, title: 'x'.repeat(LIMITS.title.max) })).title.length, LIMITS.title.max);
    });

    it('refuses an over-long message text without spending a seq', async () => {
      const q = await newQuestion(store());
      await assert.rejects(ruled().conversations.appendMessage(userText(q.id, 'x'.repeat(LIMITS.text.max + 1)), USER_GUARD), refusedOn('text'));
      assert.equal((await store().conversations.getQuestion(q.id))!.lastSeq, 0);
    });

    it('refuses upserts and creates over a limit the same way: users, agents, items', async () => {
      await assert.rejects(ruled().accounts.upsertUser({ userId: 'u1', name: 'n'.repeat(LIMITS.name.max + 1), imageUrl: '', deviceCount: 0, groupCount: 0 }), refusedOn('name'));
      await assert.rejects(ruled().accounts.upsertUser({ userId: 'u1', name: 'n', imageUrl: '', deviceCount: -1, groupCount: 0 }), refusedOn('device_count'));
      assert.equal(await store().accounts.getUser('u1'), null);
      await assert.rejects(ruled().accounts.upsertAgent({ servId: 's'.repeat(LIMITS.servId.max + 1), passwordHash: 'h', name: 'n', identifies: [], maxConcurrent: 0 }, { endBindings: false, now: T0 }), refusedOn('serv_id'));
      const templateId = newObjectId();
      await ruled().templates.createTemplate({ id: templateId, identify: 'com.a', title: 'T', createdAt: T0 });
      await assert.rejects(ruled().templates.createItem({ id: newObjectId(), templateId, question: 'q', content: 'c'.repeat(LIMITS.itemContent.max + 1) }), refusedOn('content'));
      assert.deepEqual(await store().templates.listItems(templateId, { num: 10, offset: 0, sort: 1 }), []);
    });
  });
}
