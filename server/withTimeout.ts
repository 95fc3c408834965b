/**
 * Rejects when `promise` has not settled within `ms`. A late settlement is dropped (never an
 * unhandled rejection), so callers may give up on slow dependencies (readiness probes, Redis).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what = 'operation'): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error) => (clearTimeout(timer), reject(error)),
    );
  });
}
