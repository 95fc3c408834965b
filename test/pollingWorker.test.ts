import assert from 'node:assert/strict';
import { startPollingWorker } from '../server/pollingWorker.js';

describe('polling worker (the loop behind the outbox relay and the change feed)', () => {
  it('never runs twice at once; wakes during a run cause exactly one more run', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    let release: (() => void) | undefined;
    const worker = startPollingWorker(
      async () => {
        runs++;
        maxActive = Math.max(maxActive, ++active);
        if (runs === 1) await new Promise<void>((resolve) => (release = resolve));
        active--;
      },
      { intervalMs: 60_000, onError: (error) => assert.fail(String(error)) },
    );
    worker.wake();
    await new Promise((resolve) => setImmediate(resolve));
    worker.wake();
    worker.wake();
    worker.wake();
    release!();
    await worker.settled();
    // The first run, one coalesced re-run for the three wakes, and settled()'s own run.
    assert.equal(runs, 3);
    assert.equal(maxActive, 1);
    await worker.stop();
  });

  it('reports a failing run and keeps working; stop() ends the timer and waits for the run in flight', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const worker = startPollingWorker(
      async () => {
        runs++;
        if (runs === 1) throw new Error('first run fails');
      },
      { intervalMs: 10, onError: (error) => errors.push(error) },
    );
    await worker.settled();
    await worker.settled();
    assert.equal(errors.length, 1);
    assert.ok(runs >= 2);
    await worker.stop();
    const after = runs;
    await new Promise((resolve) => setTimeout(resolve, 50));
    worker.wake();
    assert.equal(runs, after, 'no run after stop');
  });
});
