/** The store contract against the embedded SQLite store, each test in a fresh data directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../../server/stores/sqlite/sqliteStore.js';
import { storeContract } from './contract.js';

storeContract('SQLite', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-store-'));
  const store = new SqliteStore({ dataDir });
  return {
    store,
    async destroy() {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});
