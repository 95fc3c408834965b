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
 * Writes go through `write(fn)`, which group-commits them (groupCommit.ts): writes that arrive
 * together share one transaction and one fsync, each in its own savepoint, and each caller is
 * answered once the shared COMMIT is on disk. Reads run at once on the connection.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { sessionDigest } from '../../domain/sessionTokens.js';
import type { ClockOffset, KeyPage, Page } from '../types.js';
import { GroupCommit, type SqliteWriteStats } from './groupCommit.js';
import { MIGRATIONS } from './schema.js';

export { MAX_BATCH_MS, MAX_BATCH_WRITES, type SqliteWriteStats } from './groupCommit.js';

type Params = Record<string, unknown> | unknown[];

/** A cached statement; one that returns rows runs in raw mode and builds its rows in JS (rowBuilder). */
interface Prepared {
  statement: Database.Statement;
  row?: (values: unknown[]) => unknown;
}

/**
 * Rows as plain objects from better-sqlite3's raw arrays. Its own row objects internalise every
 * column name again for every row and come out in dictionary mode, so reading them is slow too:
 * in CPU profiles of the list and history routes that was most of the time spent in `all`. Objects
 * filled in one fixed key order share one hidden class, and a duplicated name keeps the last
 * column, as better-sqlite3 does.
 */
function rowBuilder(names: string[]): (values: unknown[]) => Record<string, unknown> {
  return (values) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) row[names[i]!] = values[i];
    return row;
  };
}

export interface SqliteStoreOptions {
  dataDir: string;
  /** Milliseconds a writer waits for another process's lock before failing. */
  busyTimeoutMs?: number;
  /**
   * Writes that arrive together share one transaction and one fsync (groupCommit.ts). Off, each write
   * commits alone before `write` returns, as a benchmark's baseline.
   * @default true
   */
  groupCommit?: boolean;
  /** Tests only: shifts the clock the outbox reads (ClockOffset). */
  clockOffset?: ClockOffset;
}

/** The open database and the statement helpers the subject objects use; owned by SqliteStore. */
export class SqliteDb {
  readonly mediaDir: string;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Prepared>();
  private readonly groupCommit: boolean;
  private readonly commits: GroupCommit;

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
    this.commits = new GroupCommit(this.db);
  }

  /** Live counters of the write path (SqliteStore.stats hands out copies). */
  get stats(): SqliteWriteStats {
    return this.commits.stats;
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

  private stmt(sql: string): Prepared {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      const statement = this.db.prepare(sql);
      prepared = statement.reader ? { statement: statement.raw(true), row: rowBuilder(statement.columns().map((c) => c.name)) } : { statement };
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  get<T>(sql: string, params: Params = []): T | undefined {
    const { statement, row } = this.stmt(sql);
    const values = statement.get(params) as unknown[] | undefined;
    return values === undefined ? undefined : (row!(values) as T);
  }

  all<T>(sql: string, params: Params = []): T[] {
    const { statement, row } = this.stmt(sql);
    const rows = statement.all(params) as unknown[][];
    const out = new Array<T>(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = row!(rows[i]!) as T;
    return out;
  }

  /** Registers an aggregate function on the connection (better-sqlite3's `aggregate`), for the statements of a subject. */
  defineAggregate(name: string, options: Database.AggregateOptions): void {
    this.db.aggregate(name, options);
  }

  /** A statement that changes rows; only inside a write, where it shares that write's commit. */
  run(sql: string, params: Params = []): Database.RunResult {
    // Outside a transaction it would autocommit: one more fsync, and one the commit counter misses.
    if (!this.db.inTransaction) throw new Error('run must be called inside a write');
    return this.stmt(sql).statement.run(params);
  }

  /**
   * Runs fn, synchronously and whole, as one write of a group commit (groupCommit.ts);
   * resolves to fn's result once the transaction that holds it is on disk. fn composes across
   * subjects by calling their in-transaction helpers (recordEvent, removeAppTemplates, …); calling
   * `write` from inside fn throws, since its promise could not be awaited before the commit.
   */
  write<T>(fn: () => T): Promise<T> {
    if (this.db.inTransaction) return Promise.reject(new Error('write called inside a write: call the in-transaction helper instead'));
    if (!this.db.open) return Promise.reject(new Error('the store is closed'));
    return this.groupCommit ? this.commits.enqueue(fn) : this.commits.commitAlone(fn);
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
    this.commits.drain();
    if (this.db.open) this.db.close();
  }
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

/** One page of a table's rows in primary-key order, after a cursor (table and key are ours, never input). */
export function keyPage<Row>(db: SqliteDb, table: string, key: string, page: KeyPage): Row[] {
  const where: string[] = [];
  const params: unknown[] = [];
  const { clause, limit } = pageClause(key, { num: page.num, offset: 0, sort: 1, after: page.after }, where, params);
  return db.all<Row>(`SELECT * FROM ${table} ${clause}`, [...params, ...limit]);
}

/** The value without its undefined properties (records never carry explicit undefined). */
export function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** `IN (SELECT value FROM json_each(?))` takes a list as one parameter: one cached statement for any length. */
export const IN_LIST = 'IN (SELECT value FROM json_each(?))';
