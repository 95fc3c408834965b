/** Small helpers for the real-time tests. */

export const seqRange = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Resolves once the typed client's socket is connected; fails after `ms`. */
export function connected(client: { socket: { connected: boolean; once(event: 'connect', listener: () => void): unknown } }, ms = 10_000): Promise<void> {
  if (client.socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not connected within ${ms} ms`)), ms);
    client.socket.once('connect', () => (clearTimeout(timer), resolve()));
  });
}
