/**
 * Start failures an operator fixes by hand (the port is taken, DATA_DIR cannot be written), turned
 * into one line for stderr, like a bad configuration value, instead of a stack trace.
 */
import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A start failure whose message is the whole explanation. */
export class StartupError extends Error {}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EEXIST: 'a file of that name is in the way',
  ENOSPC: 'no space left on the device',
};

function codeOf(error: unknown): string | undefined {
  return error && typeof error === 'object' && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/**
 * Creates DATA_DIR if needed and proves this process may write there by creating and removing a
 * file (permission bits alone miss read-only mounts and immutable directories); the database file,
 * when present, must be writable too.
 */
export function ensureWritableDataDir(dir: string): void {
  const database = path.join(dir, 'kefu.sqlite3'); // the file SqliteStore opens
  try {
    mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.write-check-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
    try {
      accessSync(database, constants.W_OK);
    } catch (error) {
      if (codeOf(error) !== 'ENOENT') throw error;
    }
  } catch (error) {
    const code = codeOf(error);
    if (!code) throw error;
    throw new StartupError(
      `DATA_DIR ${dir} cannot be written (${code}: ${REASONS[code] ?? 'cannot create a file there'}); ` +
        'make it writable for this user or set DATA_DIR to another directory',
    );
  }
}

/** One line for a failed listen on `port`, or undefined when the failure is not about the port. */
export function describeListenError(error: unknown, port: number): string | undefined {
  switch (codeOf(error)) {
    case 'EADDRINUSE':
      return `port ${port} is already in use (another kefu still running?); stop that process or set PORT to a free port`;
    case 'EACCES':
      return `not permitted to listen on port ${port} (EACCES); use a port above 1023 or set PORT`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on port ${port}: address not available (EADDRNOTAVAIL)`;
    default:
      return undefined;
  }
}
