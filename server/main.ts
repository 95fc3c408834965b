/**
 * Process entry: read the configuration, start the node, stop gracefully on SIGTERM / SIGINT.
 * A bad configuration value stops the start with one line naming it.
 */
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`kefu: invalid configuration: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger(config.logLevel);
// KEFU_TEST_HOLD_AFTER_COMMIT exists for the crash drills of the test suite only (see DomainEvents).
const server = await startServer(config, { logger, holdAfterCommit: process.env.KEFU_TEST_HOLD_AFTER_COMMIT });
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
