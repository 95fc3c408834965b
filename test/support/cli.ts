/** The provisioning CLI (`scripts/kefu.ts`) run in its own process, as an operator runs it beside a node. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs the CLI on `dataDir` (SQLite, no Redis, silent logs); resolves with its stdout. */
export function runCli(dataDir: string, ...args: string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
  delete env.MONGODB_URI;
  delete env.REDIS_URL;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'scripts/kefu.ts', ...args], { cwd: root, env, timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`kefu ${args[0]} failed: ${stderr}`)) : resolve(stdout),
    );
  });
}
