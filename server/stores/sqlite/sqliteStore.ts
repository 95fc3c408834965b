/**
 * The embedded store: SQLite through better-sqlite3, one file under DATA_DIR, media files beside it.
 * Composed of one object per subject over one shared connection (db.ts: pragmas, migrations, the
 * write path, group-committed by groupCommit.ts), so a write of one subject can record the outbox
 * event or change-feed entry of another in its own transaction.
 */
import type { Store } from '../types.js';
import { SqliteAccounts } from './accounts.js';
import { SqliteConversations } from './conversations.js';
import { SqliteCycles } from './cycles.js';
import { SqliteDb, type SqliteStoreOptions, type SqliteWriteStats } from './db.js';
import { SqliteMedia } from './media.js';
import { SqliteNotes } from './notes.js';
import { SqliteOutbox } from './outbox.js';
import { SqliteTemplates } from './templates.js';
import { SqliteWebhooks } from './webhooks.js';

export type { SqliteStoreOptions, SqliteWriteStats } from './db.js';

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly accounts: SqliteAccounts;
  readonly conversations: SqliteConversations;
  readonly notes: SqliteNotes;
  readonly cycles: SqliteCycles;
  readonly templates: SqliteTemplates;
  readonly media: SqliteMedia;
  readonly outbox: SqliteOutbox;
  readonly webhooks: SqliteWebhooks;
  private readonly db: SqliteDb;

  constructor(options: SqliteStoreOptions) {
    this.db = new SqliteDb(options);
    this.outbox = new SqliteOutbox(this.db, options.clockOffset);
    this.templates = new SqliteTemplates(this.db);
    this.media = new SqliteMedia(this.db);
    this.accounts = new SqliteAccounts(this.db, this.outbox, this.templates);
    this.cycles = new SqliteCycles(this.db, this.outbox);
    this.conversations = new SqliteConversations(this.db, this.outbox, this.cycles);
    this.notes = new SqliteNotes(this.db);
    this.webhooks = new SqliteWebhooks(this.db, options.clockOffset);
  }

  /**
   * The write path's counters so far (a copy): `commits` is the number of write transactions, that
   * is fsyncs under synchronous=FULL, so tests and metrics can see how many writes each one carried.
   */
  get stats(): SqliteWriteStats {
    return { ...this.db.stats };
  }

  async ping(): Promise<void> {
    this.db.ping();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
