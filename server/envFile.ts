/**
 * `--dotenv=<path>` on main.ts's command line (the `start` and `dev` scripts pass `.env`): loads
 * that file into process.env when it exists. Variables already in the environment win, as with
 * Node's own --env-file; a missing file is no error, so platforms that set real variables need none.
 */
import { existsSync } from 'node:fs';
import { StartupError } from './startupErrors.js';

// Not `--env-file=`: Node 20 takes that flag even after the script's name, and fails on a missing file.
const FLAG = '--dotenv=';

/** Loads the file named by `--dotenv=` in `argv`, if any and if it exists; returns its path when loaded. */
export function loadEnvFileArgument(argv: readonly string[] = process.argv.slice(2)): string | undefined {
  const file = argv.find((arg) => arg.startsWith(FLAG))?.slice(FLAG.length);
  if (!file || !existsSync(file)) return undefined;
  try {
    process.loadEnvFile(file);
  } catch (error) {
    throw new StartupError(`cannot read the env file ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return file;
}
