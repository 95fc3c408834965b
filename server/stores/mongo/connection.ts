/**
 * Opening the MongoDB connection: one dedicated Mongoose connection (never the global default), its
 * safety settings in one place, the indexes, and whether the deployment runs transactions.
 */
import mongoose, { type ConnectOptions, type Connection } from 'mongoose';
import { createModels, indexedModels, type Models } from './models.js';

/**
 * The connection settings, each chosen for a reason:
 * - bufferCommands false: with no server a query fails now, instead of waiting in a buffer while the
 *   HTTP request hangs; /readyz then reports 503 through ping().
 * - serverSelectionTimeoutMS 5000: the driver gives up on an unreachable server in 5 s, not 30.
 * - sanitizeFilter: any `$` object that reaches a filter without being marked trusted() by our query
 *   builders is wrapped in `$eq`, so request data can never act as an operator.
 * - majority write concern: an acknowledged write survives the loss of the primary.
 * - autoIndex/autoCreate false: indexes are created once, explicitly, by ensureIndexes() on start and
 *   by `npm run migrate`, so a failure surfaces as a start-up error rather than a log line.
 */
export function connectionOptions(): ConnectOptions {
  return {
    bufferCommands: false,
    autoIndex: false,
    autoCreate: false,
    sanitizeFilter: true,
    serverSelectionTimeoutMS: 5000,
    writeConcern: { w: 'majority' },
    retryWrites: true,
  };
}

export interface OpenedConnection {
  connection: Connection;
  models: Models;
}

/** Connects and compiles the models; rejects (and closes) when no server answers in time. */
export async function openConnection(uri: string, dbName?: string): Promise<OpenedConnection> {
  const options = connectionOptions();
  if (dbName !== undefined) options.dbName = dbName;
  const connection = mongoose.createConnection(uri, options);
  try {
    await connection.asPromise();
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
  return { connection, models: createModels(connection) };
}

/**
 * Creates every index the schemas declare that does not exist yet. It never drops one (unlike
 * syncIndexes), so a node running older code during a rolling deploy keeps the indexes it uses.
 */
export async function ensureIndexes(models: Models): Promise<string[]> {
  const created: string[] = [];
  for (const model of indexedModels(models)) {
    await model.createIndexes();
    created.push(model.modelName);
  }
  return created;
}

/**
 * Multi-document transactions need a replica set or a sharded cluster (mongos answers "isdbgrid");
 * a standalone mongod has none, and the store then uses its retry-safe order of writes.
 */
export async function supportsTransactions(connection: Connection): Promise<boolean> {
  const db = connection.db;
  if (!db) return false;
  const hello = await db.admin().command({ hello: 1 });
  return Boolean(hello.setName) || hello.msg === 'isdbgrid';
}
