/**
 * Several kefu nodes on one DATA_DIR and one Redis: in-process ones (startTestServer) and, for
 * crash tests, a real child process (`node --import tsx server/main.ts`) that can be SIGKILLed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { factories, type Factories } from './factories.js';
import { requireRedis, startRedis, type TestRedis } from './redis.js';
import { ADMIN_TOKEN, startTestServer, tempDataDir, type TestServer } from './server.js';
import { recordedSocket, type Recorded } from './sockets.js';

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

/** What `useTwoNodes` hands a describe block; read its fields inside hooks and tests only. */
export interface TwoNodes {
  readonly redis: TestRedis;
  readonly cluster: Cluster;
  /** Factories on node A and on node B. */
  readonly fa: Factories;
  readonly fb: Factories;
  /** A recorded socket of `session` on node 0 (A) or 1 (B), closed after the test. */
  on(node: 0 | 1, session: string): Promise<Recorded>;
  /** Anything else to close after the test. */
  open: Array<{ close(): void }>;
}

/**
 * Two in-process nodes on one DATA_DIR and a private Redis for the describe block it is called in:
 * started before its first test (skipped without redis-server), stopped after its last.
 */
export function useTwoNodes(): TwoNodes {
  let redis: TestRedis | undefined;
  let cluster: Cluster | undefined;
  let fa: Factories | undefined;
  let fb: Factories | undefined;
  const open: Array<{ close(): void }> = [];
  before(async function () {
    requireRedis(this);
    redis = await startRedis();
    cluster = await startCluster(redis.url);
    [fa, fb] = cluster.nodes.map((n) => factories(n)) as [Factories, Factories];
  });
  afterEach(() => open.splice(0).forEach((s) => s.close()));
  after(async () => {
    await cluster?.stop();
    await redis?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useTwoNodes: read its nodes inside hooks and tests, after its before hook');
    return value;
  };
  return {
    get redis() {
      return started(redis);
    },
    get cluster() {
      return started(cluster);
    },
    get fa() {
      return started(fa);
    },
    get fb() {
      return started(fb);
    },
    async on(node, session) {
      const socket = await recordedSocket(started(cluster).nodes[node]!.url, session);
      open.push(socket);
      return socket;
    },
    open,
  };
}

/**
 * A third node of the pair in its own process (spawnNode on the pair's DATA_DIR and Redis), for
 * kill drills: started before the describe block it is called in, killed after it.
 */
export function useChildNode(pair: TwoNodes): () => ChildNode {
  let child: ChildNode | undefined;
  before(async function () {
    this.timeout(30_000);
    child = await spawnNode({ DATA_DIR: pair.cluster.dataDir, REDIS_URL: pair.redis.url });
  });
  after(() => child?.kill());
  return () => {
    if (!child) throw new Error('useChildNode: read the child inside hooks and tests, after its before hook');
    return child;
  };
}
