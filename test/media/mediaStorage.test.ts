import assert from 'node:assert/strict';
import { newMediaId } from '../../server/media/mediaStorage.js';
import { newObjectId } from '../../server/stores/objectId.js';

describe('media ids', () => {
  it('are 24 hex characters (MongoDB keeps them in an ObjectId-typed _id)', () => {
    for (let i = 0; i < 100; i++) assert.match(newMediaId(), /^[0-9a-f]{24}$/);
  });

  it('share nothing with their neighbours, unlike ObjectIds (time, process and counter)', () => {
    // Two ObjectIds of one process agree on their first 18 characters within a second…
    const [a, b] = [newObjectId(), newObjectId()];
    assert.equal(a.slice(8, 18), b.slice(8, 18));
    // …media ids must not: knowing one URL may not reveal the next.
    const ids = Array.from({ length: 1000 }, newMediaId);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(new Set(ids.map((id) => id.slice(0, 8))).size > 990, true, 'no shared time prefix');
    assert.equal(new Set(ids.map((id) => id.slice(8, 18))).size, ids.length, 'no shared process part');
  });
});
