/**
 * The MongoDB store (production): one object per subject over one connection, the same layout and
 * guarantees as the SQLite store. Queries are built by the pure functions of queries.ts; how a write
 * lands with its message, outbox event or change-feed entries (transaction, or retry-safe order) is
 * explained in writes.ts.
 */
import type { Connection } from 'mongoose';
import type { ClockOffset, Store } from '../types.js';
import { MongoAccounts } from './accounts.js';
import { openConnection, supportsTransactions } from './connection.js';
import { MongoConversations } from './conversations.js';
import { MongoCycles } from './cycles.js';
import { MongoMedia } from './media.js';
import { MongoNotes } from './notes.js';
import { migrate } from './migrations.js';
import type { Models } from './models.js';
import { MongoOutbox } from './outbox.js';
import { MongoTemplates } from './templates.js';
import { MongoWebhooks } from './webhooks.js';
import { drainPending } from './writes.js';

export interface MongoConnectOptions {
  /** Force the write mode; by default transactions are used whenever the deployment has them. */
  transactions?: boolean;
  /** The database to use instead of the one named in the URI (tests use one per run). */
  dbName?: string;
  /** Tests only: shifts the server clock the outbox reads (ClockOffset). */
  clockOffset?: ClockOffset;
}

export class MongoStore implements Store {
  readonly kind = 'mongo' as const;
  readonly accounts: MongoAccounts;
  readonly conversations: MongoConversations;
  readonly notes: MongoNotes;
  readonly cycles: MongoCycles;
  readonly templates: MongoTemplates;
  readonly media: MongoMedia;
  readonly outbox: MongoOutbox;
  readonly webhooks: MongoWebhooks;

  private constructor(
    private readonly connection: Connection,
    models: Models,
    /** Whether related writes share a transaction (see writes.ts). */
    readonly transactions: boolean,
    clockOffset: ClockOffset | undefined,
  ) {
    const ctx = { connection, models, transactions };
    this.accounts = new MongoAccounts(ctx);
    this.cycles = new MongoCycles(ctx);
    this.conversations = new MongoConversations(ctx, this.cycles);
    this.notes = new MongoNotes(models);
    this.templates = new MongoTemplates(models);
    this.media = new MongoMedia(connection);
    this.outbox = new MongoOutbox(ctx, clockOffset);
    this.webhooks = new MongoWebhooks(models, clockOffset);
  }

  /**
 * Connects, migrates (collections, changed and missing indexes, data; see migrations.ts), picks the
 * write mode and settles whatever a retry-safe writer left pending (writes.ts, drainPending).
 */
  static async connect(uri: string, options: MongoConnectOptions = {}): Promise<MongoStore> {
    const { connection, models } = await openConnection(uri, options.dbName);
    try {
      await migrate(models);
      const transactions = options.transactions ?? (await supportsTransactions(connection));
      await drainPending({ connection, models, transactions });
      return new MongoStore(connection, models, transactions, options.clockOffset);
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
  }

  async ping(): Promise<void> {
    const db = this.connection.db;
    if (!db || this.connection.readyState !== 1) throw new Error('MongoDB is not connected');
    await db.admin().ping();
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
