import assert from 'node:assert/strict';
import { createGate } from '../../server/media/gate.js';

/** A promise the test settles by hand. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('media: createGate', () => {
  it('runs at most `limit` tasks and starts the waiting ones in arrival order', async () => {
    const gate = createGate(2);
    const started: number[] = [];
    const holds = [0, 1, 2, 3, 4].map(() => deferred<number>());
    const runs = holds.map((hold, i) =>
      gate.run(async () => {
        started.push(i);
        return hold.promise;
      }),
    );
    await tick();
    assert.deepEqual(started, [0, 1]);
    assert.deepEqual(gate.stats, { running: 2, waiting: 3 });

    holds[1]!.resolve(1);
    await tick();
    assert.deepEqual(started, [0, 1, 2]);
    holds[0]!.resolve(0);
    holds[2]!.resolve(2);
    await tick();
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    holds[3]!.resolve(3);
    holds[4]!.resolve(4);
    assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3, 4]);
    assert.deepEqual(gate.stats, { running: 0, waiting: 0 });
  });

  it('passes a failure to its caller and frees the slot', async () => {
    const gate = createGate(1);
    const failing = gate.run(async () => {
      throw new Error('boom');
    });
    const next = gate.run(async () => 'ran');
    await assert.rejects(failing, /boom/);
    assert.equal(await next, 'ran');
    assert.deepEqual(gate.stats, { running: 0, waiting: 0 });
  });

  it('lets a newcomer not overtake a waiter when a slot frees', async () => {
    const gate = createGate(1);
    const order: string[] = [];
    const first = deferred();
    const a = gate.run(async () => {
      order.push('a');
      await first.promise;
    });
    const b = gate.run(async () => void order.push('b'));
    first.resolve();
    const c = gate.run(async () => void order.push('c'));
    await Promise.all([a, b, c]);
    assert.deepEqual(order, ['a', 'b', 'c']);
  });
});
