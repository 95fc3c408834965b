/** Picks the store: MongoDB when MONGODB_URI is set, else the embedded SQLite store in DATA_DIR. */
import type { Config } from '../config.js';
import { SqliteStore } from './sqlite/sqliteStore.js';
import type { Store } from './types.js';

export async function openStore(config: Config): Promise<Store> {
  if (config.mongodbUri) {
    const { MongoStore } = await import('./mongo/mongoStore.js');
    return MongoStore.connect(config.mongodbUri);
  }
  return new SqliteStore({ dataDir: config.dataDir });
}
