/** Contract: answer templates and items, media, the push outbox. */
import assert from 'node:assert/strict';
import { newObjectId } from '../../../server/stores/objectId.js';
import { T0, type GetStore } from './support.js';

export function resourcesContract(store: GetStore): void {
  describe('templates and items', () => {
    it('creates templates and lists those of some apps, by id', async () => {
      const t1 = { id: newObjectId(), identify: 'com.a', title: 'Greetings', createdAt: T0 };
      const t2 = { id: newObjectId(), identify: 'com.b', title: 'Refunds', createdAt: T0 + 1 };
      const t3 = { id: newObjectId(), identify: 'com.c', title: 'Other', createdAt: T0 + 2 };
      for (const t of [t1, t2, t3]) await store().createTemplate(t);
      assert.deepEqual(await store().getTemplate(t2.id), t2);
      assert.equal(await store().getTemplate(newObjectId()), null);
      assert.equal(await store().getTemplate('bad'), null);
      assert.deepEqual(await store().listTemplates(['com.b', 'com.a']), [t1, t2]);
      assert.deepEqual(await store().listTemplates([]), []);
    });

    it('pages items by offset and cursor in both orders', async () => {
      const templateId = newObjectId();
      await store().createTemplate({ id: templateId, identify: 'com.a', title: 'T', createdAt: T0 });
      const other = newObjectId();
      await store().createTemplate({ id: other, identify: 'com.a', title: 'U', createdAt: T0 });
      const items: string[] = [];
      for (let i = 0; i < 5; i++) {
        const id = newObjectId();
        items.push(id);
        await store().createItem({ id, templateId, question: `Q${i}?`, content: `A${i}` });
      }
      await store().createItem({ id: newObjectId(), templateId: other, question: 'elsewhere', content: 'x' });
      const list = (sort: 1 | -1, offset: number, after?: string) =>
        store().listItems(templateId, { num: 2, offset, sort, after }).then((xs) => xs.map((x) => x.id));
      assert.deepEqual(await list(1, 0), items.slice(0, 2));
      assert.deepEqual(await list(1, 4), [items[4]]);
      assert.deepEqual(await list(-1, 0), [items[4], items[3]]);
      assert.deepEqual(await list(1, 30, items[1]), [items[2], items[3]]);
      assert.deepEqual(await list(-1, 30, items[1]), [items[0]]);
      const [first] = await store().listItems(templateId, { num: 1, offset: 0, sort: 1 });
      assert.deepEqual(first, { id: items[0], templateId, question: 'Q0?', content: 'A0' });
    });
  });

  describe('media', () => {
    it('stores bytes and reads them back by kind and id', async () => {
      const id = newObjectId();
      const bytes = Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01, 0x02, 0xd9]);
      await store().putMedia({ id, kind: 'image', contentType: 'image/jpeg', ext: 'jpg', bytes });
      const media = (await store().getMedia('image', id))!;
      assert.deepEqual({ ...media, bytes: undefined }, { id, kind: 'image', contentType: 'image/jpeg', ext: 'jpg', bytes: undefined });
      assert.ok(media.bytes.equals(bytes));
      assert.equal(await store().getMedia('audio', id), null);
      assert.equal(await store().getMedia('image', newObjectId()), null);
    });

    it('keeps large audio intact', async () => {
      const id = newObjectId();
      const bytes = Buffer.alloc(600 * 1024, 7);
      bytes.write('ID3', 0);
      await store().putMedia({ id, kind: 'audio', contentType: 'audio/mpeg', ext: 'mp3', bytes });
      assert.ok((await store().getMedia('audio', id))!.bytes.equals(bytes));
    });
  });

  describe('push outbox', () => {
    it('enqueues idempotently and claims only due entries', async () => {
      await store().enqueueOutbox({ id: 'e1', payload: '{"n":1}', now: T0 });
      await store().enqueueOutbox({ id: 'e1', payload: '{"n":"changed"}', now: T0 + 5 });
      await store().enqueueOutbox({ id: 'e2', payload: '{"n":2}', now: T0 + 10 });
      assert.deepEqual(await store().countOutbox(), { pending: 2, dead: 0 });
      const claimed = await store().claimOutbox(T0 + 1, 30, 10);
      assert.deepEqual(claimed, [{ id: 'e1', payload: '{"n":1}', attempts: 0, nextAttemptAt: T0, createdAt: T0 }]);
    });

    it('never hands a leased entry to a second claim until its lease ends', async () => {
      for (let i = 0; i < 6; i++) await store().enqueueOutbox({ id: `e${i}`, payload: '{}', now: T0 + i / 10 });
      const [a, b] = await Promise.all([store().claimOutbox(T0 + 1, 30, 4), store().claimOutbox(T0 + 1, 30, 4)]);
      const ids = [...a!, ...b!].map((e) => e.id);
      assert.equal(ids.length, 6);
      assert.equal(new Set(ids).size, 6);
      assert.deepEqual(await store().claimOutbox(T0 + 20, 30, 10), []);
      assert.equal((await store().claimOutbox(T0 + 31, 30, 10)).length, 6);
    });

    it('completes, retries later, and gives up (dead) entries', async () => {
      for (const id of ['ok', 'again', 'dead']) await store().enqueueOutbox({ id, payload: '{}', now: T0 });
      await store().claimOutbox(T0, 30, 10);
      await store().completeOutbox('ok');
      await store().retryOutbox('again', { attempts: 1, nextAttemptAt: T0 + 60, error: 'HTTP 500' });
      await store().retryOutbox('dead', { attempts: 8, nextAttemptAt: null, error: 'x'.repeat(2000) });
      assert.deepEqual(await store().countOutbox(), { pending: 1, dead: 1 });
      // A retry releases the lease: due again at its next attempt, not before.
      assert.deepEqual(await store().claimOutbox(T0 + 59, 30, 10), []);
      const [again] = await store().claimOutbox(T0 + 60, 30, 10);
      assert.equal(again!.id, 'again');
      assert.equal(again!.attempts, 1);
      assert.equal(again!.nextAttemptAt, T0 + 60);
    });
  });
}
