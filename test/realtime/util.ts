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

/** Resolves once the typed client's socket is connected; fails after `ms`. */
export function connected(client: { socket: { connected: boolean; once(event: 'connect', listener: () => void): unknown } }, ms = 10_000): Promise<void> {
  if (client.socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not connected within ${ms} ms`)), ms);
    client.socket.once('connect', () => (clearTimeout(timer), resolve()));
  });
}
