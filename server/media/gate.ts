/**
 * A counting semaphore for work that must not all run at once. Decoding one 25 MP image holds
 * ~100 MB; libuv would happily run four of them side by side, which is more than a small dyno has.
 */
export interface Gate {
  /** Runs `task` once fewer than `limit` tasks are running; callers wait in arrival order. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running now and tasks waiting (for tests and metrics). */
  readonly stats: { running: number; waiting: number };
}

export function createGate(limit: number): Gate {
  let running = 0;
  const waiting: Array<() => void> = [];

  const release = () => {
    const next = waiting.shift();
    // Hand the slot straight to the next waiter, so a newcomer cannot overtake it.
    if (next) next();
    else running -= 1;
  };

  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (running < limit) running += 1;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
    get stats() {
      return { running, waiting: waiting.length };
    },
  };
}
