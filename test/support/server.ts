/**
 * A real kefu node on port 0 with its own temporary DATA_DIR, for one test file or one test.
 * Rate limits are off unless a test turns them on; logs are silent unless KEFU_TEST_LOGS is set.
 * Most describe blocks call useTestServer(), which registers the hooks that start and stop it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { loadConfig, type Config } from '../../server/config.js';
import { startServer, type RunningServer, type StartOptions } from '../../server/server.js';
import { factories, type Factories } from './factories.js';
import type { Client } from './http.js';

/** The admin token every test server accepts (Authorization: Bearer …). */
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** A node started for a test: the running server, its data directory and its config. */
export interface TestServer extends RunningServer {
  dataDir: string;
  config: Config;
  /** Closes the node and removes its data directory (unless keepData). */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** A fresh empty directory under the OS temp dir, for a DATA_DIR the test owns. */
export function tempDataDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'kefu-test-'));
}

/**
 * Starts a node with the test defaults overridden by `env`. Prefer useTestServer in a describe
 * block; call this directly for nodes a test starts and stops itself (restarts, several nodes).
 */
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

/** What useTestServer starts: env on top of the test defaults, plus startServer's options. */
export interface UseTestServerOptions extends StartOptions {
  /**
   * Env on top of the test defaults. A function is called in the hook, for values only known
   * then, such as a free port.
   * @default {}
   */
  env?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /**
   * A fresh server for every test (beforeEach/afterEach) instead of one for the describe block.
   * @default false
   */
  perTest?: boolean;
}

/** The server of a describe block and what tests reach it with; usable once its hook has run. */
export interface TestServerHandle {
  /** The running node. */
  readonly server: TestServer;
  /** Factories bound to the node. */
  readonly f: Factories;
  /** An HTTP client on the node's URL (the factories' own). */
  readonly api: Client;
}

/**
 * Registers the hooks that start a test server (and its factories) before the describe block's
 * tests and stop it after them (Outline's getTestServer). Call it in the describe body, before the
 * block's own hooks, so theirs can use the server:
 *
 *     const { server, f } = useTestServer({ env: { RATE_LIMITS: 'on' } });
 *     it('…', async () => { const user = await f.user(); … server.url … });
 *
 * `server`, `f` and `api` stand for the running node's objects, so they can be destructured at
 * once; reading through them while no node runs (in the describe body, after the block) throws.
 */
export function useTestServer(options: UseTestServerOptions = {}): TestServerHandle {
  const { env = {}, perTest = false, ...start } = options;
  let running: { server: TestServer; f: Factories } | undefined;
  let state: 'not started' | 'stopped' = 'not started';
  const current = () => {
    if (running) return running;
    throw new Error(
      state === 'stopped'
        ? 'useTestServer: the test server has stopped; it lives only for the tests of its describe block'
        : `useTestServer: the test server is not running yet; it starts in a ${perTest ? 'beforeEach' : 'before'} hook, so read it in hooks and tests, not in the describe body`,
    );
  };
  (perTest ? beforeEach : before)(async () => {
    const server = await startTestServer(typeof env === 'function' ? await env() : env, start);
    running = { server, f: factories(server) };
  });
  (perTest ? afterEach : after)(async () => {
    const stopping = running?.server;
    running = undefined;
    state = 'stopped';
    await stopping?.stop();
  });
  return {
    server: lateBound(() => current().server),
    f: lateBound(() => current().f),
    api: lateBound(() => current().f.api),
  };
}

/** An object that forwards every read to what `resolve` returns at the time of the read. */
function lateBound<T extends object>(resolve: () => T): T {
  return new Proxy({} as T, {
    get(_, key) {
      const target = resolve();
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set: (_, key, value) => Reflect.set(resolve(), key, value),
    has: (_, key) => Reflect.has(resolve(), key),
    ownKeys: () => Reflect.ownKeys(resolve()),
    getOwnPropertyDescriptor(_, key) {
      const descriptor = Reflect.getOwnPropertyDescriptor(resolve(), key);
      // A proxy may only report configurable properties its own (empty) target does not have.
      return descriptor && { ...descriptor, configurable: true };
    },
  });
}
