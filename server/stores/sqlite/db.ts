/**
 * The embedded store's connection: one SQLite database under DATA_DIR (better-sqlite3), its
 * pragmas and migrations, the prepared-statement cache and the write path that every subject
 * object of the store shares (so one transaction can span subjects).
 *
 * Two processes may open the same directory (multi-node tests do): WAL lets readers run beside the
 * writer, every write transaction starts with BEGIN IMMEDIATE so it takes the write lock up front
 * (no deadlocking lock upgrades), and busy_timeout makes the other process wait instead of failing.
 * Each conditional write runs whole inside one transaction, so of N racing writers exactly one wins.
 *
 * Group commit. With synchronous=FULL every COMMIT is an fsync of the WAL, and that fsync, not the
 * SQL, is what a write costs. So `write(fn)` does not commit on its own: it queues fn and answers a
 * promise. The first queued write schedules a flush with setImmediate, which runs after the event
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
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sessionDigest } from '../../domain/sessionTokens.js';
import type { Page } from '../types.js';
import { MIGRATIONS } from './schema.js';

type Params = Record<string, unknown> | unknown[];

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

export interface SqliteStoreOptions {
  dataDir: string;
  /** Milliseconds a writer waits for another process's lock before failing. */
  busyTimeoutMs?: number;
  /**
   * Writes that arrive together share one transaction and one fsync (see db.ts). Off, each write
   * commits alone before `write` returns, as a benchmark's baseline.
   * @default true
   */
  groupCommit?: boolean;
}

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

/** The open database and the statement helpers the subject objects use; owned by SqliteStore. */
export class SqliteDb {
  readonly mediaDir: string;
  /** Live counters (SqliteStore.stats hands out copies). */
  readonly stats: SqliteWriteStats = { commits: 0, writes: 0, rolledBack: 0 };
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly groupCommit: boolean;
  private queue: QueuedWrite[] = [];
  private flushScheduled = false;

  constructor(options: SqliteStoreOptions) {
    mkdirSync(options.dataDir, { recursive: true });
    this.mediaDir = path.join(options.dataDir, 'media');
    for (const kind of ['image', 'audio']) mkdirSync(path.join(this.mediaDir, kind), { recursive: true });
    this.groupCommit = options.groupCommit ?? true;
    this.db = new Database(path.join(options.dataDir, 'kefu.sqlite3'));
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    this.db.pragma('journal_mode = WAL');
    // FULL: every acknowledged write is on disk before the reply, even across a power cut. NORMAL
    // would already survive a killed process (the WAL is in the OS cache), but not a lost machine.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = OFF');
    // Migrations that key rows by session digest hash the stored tokens with the same function.
    this.db.function('sha256', { deterministic: true }, (text: unknown) =>
      typeof text === 'string' ? sessionDigest(text) : null,
    );
    this.migrate();
  }

  /** One step per transaction: of two processes opening one directory, each step runs once. */
  private migrate(): void {
    const step = this.db.transaction(() => {
      const version = this.db.pragma('user_version', { simple: true }) as number;
      if (version >= MIGRATIONS.length) return false;
      this.db.exec(MIGRATIONS[version]!);
      this.db.pragma(`user_version = ${version + 1}`);
      return true;
    });
    while (step.immediate()) {
      /* apply the next migration */
    }
  }

  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  get<T>(sql: string, params: Params = []): T | undefined {
    return this.stmt(sql).get(params) as T | undefined;
  }

  all<T>(sql: string, params: Params = []): T[] {
    return this.stmt(sql).all(params) as T[];
  }

  /** A statement that changes rows; only inside a write, where it shares that write's commit. */
  run(sql: string, params: Params = []): Database.RunResult {
    // Outside a transaction it would autocommit: one more fsync, and one the commit counter misses.
    if (!this.db.inTransaction) throw new Error('run must be called inside a write');
    return this.stmt(sql).run(params);
  }

  /**
   * Runs fn, synchronously and whole, as one write of a group commit (see the file comment);
   * resolves to fn's result once the transaction that holds it is on disk. fn composes across
   * subjects by calling their in-transaction helpers (recordEvent, removeAppTemplates, …); calling
   * `write` from inside fn throws, since its promise could not be awaited before the commit.
   */
  write<T>(fn: () => T): Promise<T> {
    if (this.db.inTransaction) return Promise.reject(new Error('write called inside a write: call the in-transaction helper instead'));
    if (!this.db.open) return Promise.reject(new Error('the store is closed'));
    if (!this.groupCommit) return this.commitAlone(fn);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      this.scheduleFlush();
    });
  }

  /** Whether a write transaction is open: the in-transaction helpers refuse to run outside one. */
  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  ping(): void {
    this.get('SELECT 1');
  }

  /** Commits the writes still queued, then closes the database. */
  close(): void {
    while (this.queue.length > 0 && this.db.open) this.flush();
    if (this.db.open) this.db.close();
  }

  /** groupCommit off: the write is its own transaction, committed before this returns. */
  private commitAlone<T>(fn: () => T): Promise<T> {
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

/** ORDER BY / cursor / LIMIT for id-ordered paging; `where` and `params` are extended in place. */
export function pageClause(column: string, page: Page, where: string[], params: unknown[]) {
  if (page.after !== undefined) {
    where.push(page.sort === 1 ? `${column} > ?` : `${column} < ?`);
    params.push(page.after);
  }
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const order = page.sort === 1 ? 'ASC' : 'DESC';
  return {
    clause: `${whereSql} ORDER BY ${column} ${order} LIMIT ? OFFSET ?`,
    limit: [page.num, page.after !== undefined ? 0 : page.offset],
  };
}

/** The value without its undefined properties (records never carry explicit undefined). */
export function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** `IN (SELECT value FROM json_each(?))` takes a list as one parameter: one cached statement for any length. */
export const IN_LIST = 'IN (SELECT value FROM json_each(?))';
