/**
 * A task that runs on a timer and whenever it is woken, never twice at once: a wake during a run
 * makes it run once more right after, so nothing recorded meanwhile waits for the next tick. The
 * outbox relay and the change feed are such loops.
 */
export interface PollingWorker {
  /** Runs the task now (or again right after the run in flight). */
  wake(): void;
  /** Resolves once a run that started after this call has finished: what was there before is handled. */
  settled(): Promise<void>;
  /** No new runs; resolves when the run in flight has finished. */
  stop(): Promise<void>;
}

export function startPollingWorker(task: () => Promise<void>, options: { intervalMs: number; onError: (error: unknown) => void }): PollingWorker {
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  function run(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await task();
        } catch (error) {
          options.onError(error);
        }
      } while (again && !stopped);
    })().finally(() => (running = undefined));
    return running;
  }

  const timer = setInterval(() => void run(), options.intervalMs);
  timer.unref();

  return {
    wake: () => void (stopped || run()),
    async settled() {
      await running;
      if (!stopped) await run();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
