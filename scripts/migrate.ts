/**
 * `npm run migrate`: prepares the configured store. With MONGODB_URI it creates every index the
 * MongoDB schemas declare (missing ones only; none is dropped). Without it, it opens the embedded
 * SQLite store under DATA_DIR, which applies its own migrations on open, and says so.
 */
import { loadConfig } from '../server/config.js';
import { ensureIndexes, openConnection } from '../server/stores/mongo/connection.js';
import { SqliteStore } from '../server/stores/sqlite/sqliteStore.js';

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.mongodbUri) {
    const { connection, models } = await openConnection(config.mongodbUri);
    try {
      const done = await ensureIndexes(models);
      console.log(`MongoDB: indexes ensured for ${done.join(', ')} (GridFS creates its own on first upload).`);
    } finally {
      await connection.close();
    }
    return;
  }
  const store = new SqliteStore({ dataDir: config.dataDir });
  await store.close();
  console.log(`MONGODB_URI is not set: the embedded SQLite store in ${config.dataDir} migrated itself on open; nothing else to do.`);
}

main().catch((error: unknown) => {
  console.error(`migrate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
