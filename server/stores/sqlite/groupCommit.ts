/**
 * Group commit for the embedded store's write path (SqliteDb.write).
 *
 * With synchronous=FULL every COMMIT is an fsync of the WAL, and that fsync, not the SQL, is what
 * a write costs. So `write(fn)` does not commit on its own: it queues fn and answers a promise. The first queued write schedules a flush with setImmediate, which runs after the event
 * loop has handled every I/O callback that was ready, so the requests that arrived together (and
 * those that arrived while the previous flush was fsyncing) are in the queue by then. A microtask
 * runs after the first request's callback alone and batches nothing (measured: 100 concurrent
 * send_text over HTTP took 301 commits for 301 writes that way, 5 for 204 with setImmediate). When
 * idle the flush runs in the same loop turn, so a lone write waits for no timer. The flush is
 *
 *     BEGIN IMMEDIATE
 *       SAVEPOINT w; fn₁; RELEASE w        (or ROLLBACK TO w on fn₁'s error: only fn₁ is undone)
 *       SAVEPOINT w; fn₂; RELEASE w …
 *     COMMIT                               (one fsync for all of them)
 *
 * and only after COMMIT returns are the promises settled: a caller is answered when its write is
 * on disk, and anything it reads afterwards on this connection sees it. A failed op rejects with its
 * own error; if COMMIT fails or SQLite abandons the transaction (I/O error, disk full), every op
 * that ran in it rejects and nothing of it is stored (ops it had not reached run in the next
 * flush); if BEGIN fails (another process held the lock past busy_timeout) the batch rejects, as a
 * lone write would have. Each fn runs alone and whole between its savepoint and its release, so a
 * conditional write still has exactly one winner. Reads do not queue: they run at once. Batches
 * are bounded (MAX_BATCH_WRITES, MAX_BATCH_MS below). `groupCommit: false` restores one
 * transaction per write, committed before `write` returns, as a benchmark's baseline; `stats`
 * counts commits either way.
 *
 * Another process on the same file queues in its own memory and takes the same write lock with
 * BEGIN IMMEDIATE, so processes take turns batch by batch, exactly as they took turns write by write.
 */
import type Database from 'better-sqlite3';
import { performance } from 'node:perf_hooks';

/**
 * Most writes one commit carries. Bounds how many callers one failed COMMIT fails and the work
 * behind one fsync (an appendMessage is tens of microseconds, so 200 are a few milliseconds);
 * beyond it more writes per fsync save little, since the fsync is already shared 200 ways.
 */
export const MAX_BATCH_WRITES = 200;
/**
 * Milliseconds of write work after which a flush takes no further write and commits; the rest go
 * first in the next flush, after the event loop has served I/O. The loop is held at most this
 * long plus one write and one fsync, which keeps reads and socket traffic flowing under a burst.
 */
export const MAX_BATCH_MS = 20;

/** Counters of the write path since the store opened, for tests and metrics. */
export interface SqliteWriteStats {
  /** Write transactions committed: one WAL fsync each under synchronous=FULL. */
  commits: number;
  /** Writes committed; writes / commits is the mean batch size. */
  writes: number;
  /** Writes that failed and were rolled back on their own (their batch's other writes committed). */
  rolledBack: number;
}

interface QueuedWrite {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** The write queue of one connection and the flush that commits it; owned by SqliteDb. */
export class GroupCommit {
  /** Live counters since the store opened. */
  readonly stats: SqliteWriteStats = { commits: 0, writes: 0, rolledBack: 0 };
  private queue: QueuedWrite[] = [];
  private flushScheduled = false;

  constructor(private readonly db: Database.Database) {}

  /** Queues fn for the next flush; resolves to its result once the flush's COMMIT returned. */
  enqueue<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      this.scheduleFlush();
    });
  }

  /** Commits every queued write now (before the connection closes). */
  drain(): void {
    while (this.queue.length > 0 && this.db.open) this.flush();
  }

  /** groupCommit off: the write is its own transaction, committed before this returns. */
  commitAlone<T>(fn: () => T): Promise<T> {
    try {
      const value = this.db.transaction(fn).immediate();
      this.stats.commits += 1;
      this.stats.writes += 1;
      return Promise.resolve(value);
    } catch (error) {
      this.stats.rolledBack += 1;
      return Promise.reject(error);
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Runs one batch from the head of the queue as one transaction; schedules the next if some remain. */
  private flush(): void {
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, MAX_BATCH_WRITES);
    if (!this.db.open) return rejectAll(batch, new Error('the store is closed'));
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      // Another process held the lock past busy_timeout: these writes fail, as a lone one would.
      this.scheduleNextFlush();
      return rejectAll(batch, error);
    }
    const done: Array<{ write: QueuedWrite; value: unknown }> = [];
    const failed: Array<{ write: QueuedWrite; error: unknown }> = [];
    const started = performance.now();
    let taken = 0;
    let committing = false;
    try {
      for (; taken < batch.length; taken++) {
        if (taken > 0 && performance.now() - started > MAX_BATCH_MS) break;
        const write = batch[taken]!;
        const outcome = this.runInSavepoint(write);
        if ('error' in outcome) failed.push({ write, error: outcome.error });
        else done.push({ write, value: outcome.value });
      }
      committing = true;
      this.db.exec('COMMIT');
    } catch (error) {
      // COMMIT failed or SQLite abandoned the transaction (I/O error, disk full, …): nothing of it
      // stands, so every write it ran fails; those it had not reached yet run in the next flush.
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      // The write in progress when the transaction went is one of those that ran.
      const ran = batch.slice(0, done.length + failed.length + (committing ? 0 : 1));
      this.queue.unshift(...batch.slice(ran.length));
      this.scheduleNextFlush();
      this.stats.rolledBack += ran.length;
      for (const write of ran) write.reject(failed.find((f) => f.write === write)?.error ?? error);
      return;
    }
    // Writes past the time budget go first in the next flush, ahead of anything queued since.
    this.queue.unshift(...batch.slice(taken));
    this.stats.commits += 1;
    this.stats.writes += done.length;
    this.stats.rolledBack += failed.length;
    this.scheduleNextFlush();
    for (const { write, value } of done) write.resolve(value);
    for (const { write, error } of failed) write.reject(error);
  }

  /**
   * One write in its own savepoint: its error undoes it alone and is its outcome. Throws when the
   * transaction itself is gone, which fails the whole batch.
   */
  private runInSavepoint(write: QueuedWrite): { value: unknown } | { error: unknown } {
    this.db.exec('SAVEPOINT kefu_write');
    try {
      const value = write.fn();
      if (value instanceof Promise) throw new Error('a write fn must be synchronous: its work would land after the commit');
      this.db.exec('RELEASE kefu_write');
      return { value };
    } catch (error) {
      if (!this.db.inTransaction) throw error;
      this.db.exec('ROLLBACK TO kefu_write');
      this.db.exec('RELEASE kefu_write');
      return { error };
    }
  }

  private scheduleNextFlush(): void {
    if (this.queue.length > 0) this.scheduleFlush();
  }
}

/** Rejects every write of a batch that never ran. */
function rejectAll(batch: QueuedWrite[], error: unknown): void {
  for (const write of batch) write.reject(error);
}
