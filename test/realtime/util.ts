/** Small helpers for the real-time tests. */
import assert from 'node:assert/strict';

/** Polls `condition` until true; fails after `ms`. For state that no event announces. */
export async function eventually(condition: () => Promise<boolean> | boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`${what} not reached within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const seqRange = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
