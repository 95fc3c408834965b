/**
 * A real kefu node on port 0 with its own temporary DATA_DIR, for one test file or one test.
 * Rate limits are off unless a test turns them on; logs are silent unless KEFU_TEST_LOGS is set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { loadConfig, type Config } from '../../server/config.js';
import { startServer, type RunningServer, type StartOptions } from '../../server/server.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestServer extends RunningServer {
  dataDir: string;
  config: Config;
  /** Closes the node and removes its data directory (unless keepData). */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export function tempDataDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'kefu-test-'));
}

export async function startTestServer(
  env: Record<string, string> = {},
  options: StartOptions & { logger?: Logger } = {},
): Promise<TestServer> {
  const dataDir = env.DATA_DIR ?? tempDataDir();
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    ADMIN_TOKEN,
    RATE_LIMITS: 'off',
    LOG_LEVEL: process.env.KEFU_TEST_LOGS ? 'debug' : 'silent',
    ...env,
  });
  const server = await startServer(config, options);
  return {
    ...server,
    dataDir,
    config,
    async stop(stopOptions = {}) {
      await server.close();
      if (!stopOptions.keepData && !env.DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
