/**
 * A private redis-server for one test file: a free port, no persistence, stopped (and restartable
 * on the same port) by the test. Suites call `requireRedis(this)` first: it skips loudly when the
 * binary is not installed, never silently.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export interface TestRedis {
  url: string;
  port: number;
  /** Stops the server (SIGTERM, or SIGKILL when `hard`) and waits for it to exit. */
  stop(options?: { hard?: boolean }): Promise<void>;
  /** Starts it again on the same port (empty: there is no persistence). */
  restart(): Promise<void>;
}

export const redisInstalled = (): boolean => spawnSync('redis-server', ['--version']).status === 0;

/** In a mocha `before`: skips the suite with a clear reason when redis-server is absent. */
export function requireRedis(context: Mocha.Context): void {
  if (!redisInstalled()) {
    console.warn('    SKIPPED: redis-server is not installed (apt-get install redis-server); Redis tests did not run');
    context.skip();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function launch(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => fail(new Error(`redis-server did not start:\n${output}`)), 10_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`redis-server exited (${code}):\n${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve(child);
      }
    });
  });
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | null = await launch(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop(options = {}) {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill(options.hard ? 'SIGKILL' : 'SIGTERM');
      });
    },
    async restart() {
      if (child) throw new Error('redis-server is still running');
      child = await launch(port);
    },
  };
}
