/**
 * startServer when the port is taken: it rejects with the listen error (main.ts turns it into one
 * line) after releasing what it opened, so an embedding process is not left holding the store.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { loadConfig } from '../server/config.js';
import { createLogger } from '../server/logger.js';
import { startServer } from '../server/server.js';
import { tempDataDir } from './support/server.js';

describe('startServer on a busy port', () => {
  it('rejects with EADDRINUSE and closes the store it opened', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, resolve));
    const port = (holder.address() as net.AddressInfo).port;
    const dataDir = tempDataDir();
    try {
      const config = loadConfig({ PORT: String(port), DATA_DIR: dataDir, RATE_LIMITS: 'off' });
      await assert.rejects(startServer(config, { logger: createLogger('silent') }), { code: 'EADDRINUSE' });
      assert.ok(existsSync(path.join(dataDir, 'kefu.sqlite3')), 'the store was opened');
      // SQLite removes the write-ahead log when its last connection closes.
      assert.ok(!existsSync(path.join(dataDir, 'kefu.sqlite3-wal')), 'and closed again');
    } finally {
      await new Promise((resolve) => holder.close(resolve));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
