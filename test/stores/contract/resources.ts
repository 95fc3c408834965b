/** Contract: answer templates and items, media. */
import assert from 'node:assert/strict';
import { newObjectId } from '../../../server/stores/objectId.js';
import { T0, type GetStore } from './support.js';

export function resourcesContract(store: GetStore): void {
  describe('templates and items', () => {
    it('creates templates and lists those of some apps, by id', async () => {
      const t1 = { id: newObjectId(), identify: 'com.a', title: 'Greetings', createdAt: T0 };
      const t2 = { id: newObjectId(), identify: 'com.b', title: 'Refunds', createdAt: T0 + 1 };
      const t3 = { id: newObjectId(), identify: 'com.c', title: 'Other', createdAt: T0 + 2 };
      for (const t of [t1, t2, t3]) await store().templates.createTemplate(t);
      assert.deepEqual(await store().templates.getTemplate(t2.id), t2);
      assert.equal(await store().templates.getTemplate(newObjectId()), null);
      assert.equal(await store().templates.getTemplate('bad'), null);
      assert.deepEqual(await store().templates.listTemplates(['com.b', 'com.a']), [t1, t2]);
      assert.deepEqual(await store().templates.listTemplates([]), []);
    });

    it('pages items by offset and cursor in both orders', async () => {
      const templateId = newObjectId();
      await store().templates.createTemplate({ id: templateId, identify: 'com.a', title: 'T', createdAt: T0 });
      const other = newObjectId();
      await store().templates.createTemplate({ id: other, identify: 'com.a', title: 'U', createdAt: T0 });
      const items: string[] = [];
      for (let i = 0; i < 5; i++) {
        const id = newObjectId();
        items.push(id);
        await store().templates.createItem({ id, templateId, question: `Q${i}?`, content: `A${i}` });
      }
      await store().templates.createItem({ id: newObjectId(), templateId: other, question: 'elsewhere', content: 'x' });
      const list = (sort: 1 | -1, offset: number, after?: string) =>
        store().templates.listItems(templateId, { num: 2, offset, sort, after }).then((xs) => xs.map((x) => x.id));
      assert.deepEqual(await list(1, 0), items.slice(0, 2));
      assert.deepEqual(await list(1, 4), [items[4]]);
      assert.deepEqual(await list(-1, 0), [items[4], items[3]]);
      assert.deepEqual(await list(1, 30, items[1]), [items[2], items[3]]);
      assert.deepEqual(await list(-1, 30, items[1]), [items[0]]);
      const [first] = await store().templates.listItems(templateId, { num: 1, offset: 0, sort: 1 });
      assert.deepEqual(first, { id: items[0], templateId, question: 'Q0?', content: 'A0' });
    });
  });

  describe('media', () => {
    it('stores bytes and reads them back by kind and id', async () => {
      const id = newObjectId();
      const bytes = Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01, 0x02, 0xd9]);
      await store().media.putMedia({ id, kind: 'image', contentType: 'image/jpeg', ext: 'jpg', bytes });
      const media = (await store().media.getMedia('image', id))!;
      assert.deepEqual({ ...media, bytes: undefined }, { id, kind: 'image', contentType: 'image/jpeg', ext: 'jpg', bytes: undefined });
      assert.ok(media.bytes.equals(bytes));
      assert.equal(await store().media.getMedia('audio', id), null);
      assert.equal(await store().media.getMedia('image', newObjectId()), null);
    });

    it('keeps large audio intact', async () => {
      const id = newObjectId();
      const bytes = Buffer.alloc(600 * 1024, 7);
      bytes.write('ID3', 0);
      await store().media.putMedia({ id, kind: 'audio', contentType: 'audio/mpeg', ext: 'mp3', bytes });
      assert.ok((await store().media.getMedia('audio', id))!.bytes.equals(bytes));
    });
  });
}
