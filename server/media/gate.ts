/**
 * A counting semaphore for work that must not all run at once. Decoding one 25 MP image holds
 * ~100 MB; libuv would happily run four of them side by side, which is more than a small dyno has.
 * The queue is p-limit's: callers wait in arrival order, and a freed slot goes to the next waiter
 * before any newcomer can take it.
 */
import pLimit from 'p-limit';

export interface Gate {
  /** Runs `task` once fewer than `limit` tasks are running; callers wait in arrival order. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running now and tasks waiting (for tests and metrics). */
  readonly stats: { running: number; waiting: number };
}

export function createGate(limit: number): Gate {
  const limiter = pLimit(limit);
  return {
    run: (task) => limiter(task),
    get stats() {
      return { running: limiter.activeCount, waiting: limiter.pendingCount };
    },
  };
}
