/**
 * Opening the MongoDB connection: one dedicated Mongoose connection (never the global default), its
 * safety settings in one place, the collections and indexes, and whether the deployment runs
 * transactions.
 */
import mongoose, { type ConnectOptions, type Connection, type Model } from 'mongoose';
import { allModels, createModels, type Models } from './models.js';

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

/** An index as declared by a schema or reported by listIndexes: only what decides its behaviour. */
export interface IndexDefinition {
  name: string;
  key: Record<string, unknown>;
  unique?: boolean;
  partialFilterExpression?: Record<string, unknown>;
}

const shape = (index: IndexDefinition) =>
  JSON.stringify([index.key, index.unique === true, index.partialFilterExpression ?? null]);

/**
 * The existing indexes to drop before creating the declared ones: those whose name a schema declares
 * with another key, uniqueness or partial filter (createIndexes refuses to redefine an index in
 * place). Indexes no schema names are left alone.
 */
export function changedIndexes(declared: IndexDefinition[], existing: IndexDefinition[]): string[] {
  const wanted = new Map(declared.map((index) => [index.name, shape(index)]));
  return existing.filter((index) => wanted.has(index.name) && wanted.get(index.name) !== shape(index)).map((index) => index.name);
}

/** The indexes a model's schema declares, by name. */
export function declaredIndexes(model: Pick<Model<any>, 'schema'>): IndexDefinition[] {
  return model.schema.indexes().map(([key, options]) => ({
    name: String(options.name),
    key: key as Record<string, unknown>,
    unique: options.unique === true,
    partialFilterExpression: options.partialFilterExpression as Record<string, unknown> | undefined,
  }));
}

/**
 * Creates every collection and every index the schemas declare. Of the existing indexes it drops only
 * those whose definition changed (then creates them anew), never one that is merely unknown, so a
 * node running older code during a rolling deploy keeps the other indexes it uses. Creating the
 * collections up front means no transaction ever has to create one implicitly.
 */
export async function ensureIndexes(models: Models): Promise<{ created: string[]; dropped: string[] }> {
  const created: string[] = [];
  const dropped: string[] = [];
  for (const model of allModels(models)) {
    await model.createCollection();
    const declared = declaredIndexes(model);
    if (declared.length === 0) continue;
    const existing = (await model.collection.listIndexes().toArray()) as IndexDefinition[];
    for (const name of changedIndexes(declared, existing)) {
      // Two nodes starting at once may both drop it: "index not found" (27) is success.
      await model.collection.dropIndex(name).catch((error: { code?: number }) => {
        if (error.code !== 27) throw error;
      });
      dropped.push(`${model.modelName}.${name}`);
    }
    await model.createIndexes();
    created.push(model.modelName);
  }
  return { created, dropped };
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
