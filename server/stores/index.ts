/**
 * Picks the store: MongoDB when MONGODB_URI is set, else the embedded SQLite store in DATA_DIR;
 * either way behind the same record rules (recordRules.ts).
 */
import type { Config } from '../config.js';
import { SqliteStore } from './sqlite/sqliteStore.js';
import { withRecordRules } from './recordRules.js';
import type { Store } from './types.js';

export async function openStore(config: Config): Promise<Store> {
  if (config.mongodbUri) {
    const { MongoStore } = await import('./mongo/mongoStore.js');
    return withRecordRules(await MongoStore.connect(config.mongodbUri));
  }
  return withRecordRules(new SqliteStore({ dataDir: config.dataDir }));
}
