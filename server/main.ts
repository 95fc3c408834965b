/**
 * Process entry: read the configuration (and `--dotenv=<path>` when given), start the node, stop
 * gracefully on SIGTERM / SIGINT. What the operator must fix (a bad configuration value, a busy
 * port, an unwritable DATA_DIR) stops the start with one line on stderr and exit code 1.
 */
import { ConfigError, loadConfig, type Config } from './config.js';
import { loadEnvFileArgument } from './envFile.js';
import { createStdoutLogger } from './logger.js';
import { startServer, type RunningServer } from './server.js';
import { describeListenError, ensureWritableDataDir, StartupError } from './startupErrors.js';

function exitWith(line: string): never {
  process.stderr.write(`kefu: ${line}\n`);
  process.exit(1);
}

let config: Config;
try {
  loadEnvFileArgument();
  config = loadConfig();
  if (!config.mongodbUri) ensureWritableDataDir(config.dataDir);
} catch (error) {
  if (error instanceof ConfigError) exitWith(`invalid configuration: ${error.message}`);
  if (error instanceof StartupError) exitWith(error.message);
  throw error;
}

const logger = createStdoutLogger(config);
let server: RunningServer;
try {
  // KEFU_TEST_HOLD_AFTER_COMMIT exists for the crash drills of the test suite only (see DomainEvents).
  server = await startServer(config, { logger, holdAfterCommit: process.env.KEFU_TEST_HOLD_AFTER_COMMIT });
} catch (error) {
  const line = describeListenError(error, config.port);
  if (line) exitWith(line);
  throw error;
}
logger.info(
  { port: server.port, store: server.deps.store.kind, dataDir: config.mongodbUri ? undefined : config.dataDir },
  `kefu listening on http://localhost:${server.port}`,
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const deadline = setTimeout(() => {
    logger.error('shutdown took too long; exiting');
    process.exit(1);
  }, 25_000);
  deadline.unref();
  try {
    await server.close();
    logger.info('stopped');
    process.exit(0);
  } catch (error) {
    logger.error({ err: error }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('unhandledRejection', (error) => logger.error({ err: error }, 'unhandled rejection'));
