/**
 * `npm run migrate`: prepares the configured store. With MONGODB_URI it brings the MongoDB database
 * up to this version (server/stores/mongo/migrations.ts: collections, indexes whose definition
 * changed dropped and recreated, missing ones created, sessions moved under their digests). Every
 * node does the same on start; running it by hand first makes a failure visible before a deploy.
 * Without MONGODB_URI it opens the embedded SQLite store under DATA_DIR, which applies its own
 * migrations on open, and says so.
 */
import { loadConfig } from '../server/config.js';
import { openConnection, supportsTransactions } from '../server/stores/mongo/connection.js';
import { migrate } from '../server/stores/mongo/migrations.js';
import { drainPending } from '../server/stores/mongo/writes.js';
import { SqliteStore } from '../server/stores/sqlite/sqliteStore.js';

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.mongodbUri) {
    const { connection, models } = await openConnection(config.mongodbUri);
    try {
      const report = await migrate(models);
      console.log(`MongoDB: collections and indexes ensured for ${report.indexesCreated.join(', ')} (GridFS creates its own on first upload).`);
      if (report.indexesDropped.length) console.log(`MongoDB: recreated changed indexes ${report.indexesDropped.join(', ')}.`);
      console.log(
        `MongoDB: ${report.sessions} session(s) moved under their digest, ${report.messageTokens} message session(s) and ` +
          `${report.payloads} delivery payload(s) rewritten.`,
      );
      const transactions = await supportsTransactions(connection);
      const drained = await drainPending({ connection, models, transactions });
      console.log(`MongoDB: ${drained} question(s) with messages left pending by a standalone-mode writer settled.`);
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
