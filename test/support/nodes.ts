/**
 * Several kefu nodes on one DATA_DIR and one Redis: in-process ones (startTestServer) and, for
 * crash tests, a real child process (`node --import tsx server/main.ts`) that can be SIGKILLed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, startTestServer, tempDataDir, type TestServer } from './server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Cluster {
  dataDir: string;
  nodes: TestServer[];
  stop(): Promise<void>;
}

/** `count` in-process nodes sharing a fresh DATA_DIR and the given Redis. */
export async function startCluster(redisUrl: string, count = 2, env: Record<string, string> = {}): Promise<Cluster> {
  const dataDir = tempDataDir();
  const nodes: TestServer[] = [];
  for (let i = 0; i < count; i++) nodes.push(await startTestServer({ DATA_DIR: dataDir, REDIS_URL: redisUrl, ...env }));
  return {
    dataDir,
    nodes,
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ChildNode {
  url: string;
  port: number;
  process: ChildProcess;
  /** Kills the process with `signal` and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A node in its own process; resolves once it logs that it listens. */
export function spawnNode(env: Record<string, string>): Promise<ChildNode> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', ADMIN_TOKEN, RATE_LIMITS: 'off', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`node did not start:\n${output}`)), 20_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const early = (code: number | null) => fail(new Error(`node exited (${code}):\n${output}`));
    child.once('exit', early);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"port":(\d+).*kefu listening/.exec(output) ?? /kefu listening on http:\/\/localhost:(\d+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', early);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      child.stderr!.resume();
      const port = Number(match[1]);
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        process: child,
        async kill(signal = 'SIGKILL') {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      });
    });
  });
}
