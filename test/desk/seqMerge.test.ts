import assert from 'node:assert/strict';
import fc from 'fast-check';
import { gapsIn, hasOlder, mergeBySeq } from '../../desk/src/state/seqMerge.js';

const m = (seq: number, text = `m${seq}`) => ({ seq, text });

describe('desk state: mergeBySeq', () => {
  it('merges live, catch-up and older pages into one ascending run without duplicates', () => {
    let messages = mergeBySeq([], [m(5), m(6)]);
    messages = mergeBySeq(messages, [m(7)]); // live
    messages = mergeBySeq(messages, [m(6), m(7), m(8)]); // catch-up overlapping the live one
    messages = mergeBySeq(messages, [m(2), m(3), m(4)]); // older page
    assert.deepEqual(messages.map((x) => x.seq), [2, 3, 4, 5, 6, 7, 8]);
  });

  it('keeps the message it already holds for a repeated seq', () => {
    const held = m(3, 'held');
    assert.equal(mergeBySeq([held], [m(3, 'again')])[0], held);
  });

  it('returns the same array when nothing comes in (no re-render)', () => {
    const current = [m(1)];
    assert.equal(mergeBySeq(current, []), current);
  });

  it('whatever the arrival order and repetition, the result is sorted and unique', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 20 }), { maxLength: 8 }), (batches) => {
        let messages: Array<{ seq: number; text: string }> = [];
        for (const batch of batches) messages = mergeBySeq(messages, batch.map((s) => m(s)));
        const seqs = messages.map((x) => x.seq);
        assert.deepEqual(seqs, [...new Set(batches.flat())].sort((a, b) => a - b));
      }),
    );
  });

  it('names the gaps and whether older history exists', () => {
    assert.deepEqual(gapsIn([m(1), m(2), m(5), m(7)]), [3, 4, 6]);
    assert.deepEqual(gapsIn([]), []);
    assert.equal(hasOlder([m(1), m(2)]), false);
    assert.equal(hasOlder([m(4)]), true);
    assert.equal(hasOlder([]), false);
  });
});

describe('desk state: private notes in the merge', () => {
  const n = (afterSeq: number, noteSeq: number) => ({ after_seq: afterSeq, note_seq: noteSeq, text: `n${noteSeq}` });
  const label = (e: { seq?: number; note_seq?: number }) => ('note_seq' in e ? `n${e.note_seq}` : `m${e.seq}`);

  it('places each note right after the message it follows, notes at one place by number, once each', () => {
    let timeline: Array<ReturnType<typeof m> | ReturnType<typeof n>> = mergeBySeq([], [m(2), n(2, 2), m(3)]);
    timeline = mergeBySeq(timeline, [n(2, 1)]); // a late note at the same place
    timeline = mergeBySeq(timeline, [m(1), n(2, 2), n(3, 3)]); // an older page and a repeated note
    assert.deepEqual(timeline.map(label), ['m1', 'm2', 'n1', 'n2', 'm3', 'n3']);
  });

  it('counts no gap for notes, and knows older entries exist before a note placed after message 1 or later', () => {
    assert.deepEqual(gapsIn([m(1), n(1, 1), m(2), n(2, 2), m(4)]), [3]);
    assert.equal(hasOlder([n(0, 1), m(1)]), false);
    assert.equal(hasOlder([m(1), n(1, 1)]), false);
    assert.equal(hasOlder([n(1, 1), m(2)]), true);
    assert.equal(hasOlder([n(3, 2)]), true);
  });
});
