/**
 * The processes a bench run starts: kefu nodes exactly as the Procfile runs them (built
 * dist/server/main.js), the bare floor, and tsx child scripts that speak one JSON line back. Every
 * child is tracked so that a failed or interrupted run leaves nothing behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The admin token every bench node is started with (seeding goes through the admin API). */
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789';

const children = new Set<ChildProcess>();

/** Kills every child still running (SIGKILL: nothing they hold is worth keeping). */
export function killAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}

/**
 * Runs a bench entry point: children are killed on Ctrl-C, SIGTERM, a failure or the end, and a
 * failure is one line on stderr (named by `name`) with exit code 1.
 */
export async function runMain(name: string, main: () => Promise<unknown>): Promise<void> {
  const stop = () => {
    killAll();
    process.exit(130);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await main();
  } catch (error) {
    process.stderr.write(`${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    killAll();
  }
}

/** A port nobody listens on right now. */
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

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/** Runs `npm run build` when dist/server/main.js is missing or older than a source file. */
export function ensureBuilt(log: (line: string) => void): void {
  const main = path.join(ROOT, 'dist/server/main.js');
  const sources = Math.max(newestMtime(path.join(ROOT, 'server')), newestMtime(path.join(ROOT, 'shared')));
  if (existsSync(main) && statSync(main).mtimeMs >= sources) return;
  log('dist/ is missing or older than server/ or shared/: running npm run build');
  const built = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed');
}

/** A server child process that announced its port. */
export interface ServerProcess {
  url: string;
  pid: number;
  /** SIGTERM, then SIGKILL after 5 s; resolves once it exited. */
  stop(): Promise<void>;
}

function started(child: ChildProcess, pattern: RegExp, what: string): Promise<ServerProcess> {
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${what} did not start in 30 s:\n${output}`)), 30_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const early = (code: number | null) => fail(new Error(`${what} exited (${code}):\n${output}`));
    child.once('exit', early);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', early);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      // Later stderr is kept short: a node that dies mid-run is reported by the failing scenario.
      child.stderr!.removeAllListeners('data');
      child.stderr!.resume();
      resolve({
        url: `http://127.0.0.1:${match[1]}`,
        pid: child.pid!,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const force = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(force);
          children.delete(child);
        },
      });
    });
  });
}

/**
 * A kefu node: `node dist/server/main.js` with the Procfile's malloc settings, RATE_LIMITS=off;
 * `nodeArgs` go before the script (profile.ts passes `--cpu-prof`).
 */
export async function spawnKefu(env: Record<string, string>, nodeArgs: string[] = []): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, 'dist/server/main.js'], {
    cwd: ROOT,
    env: {
      ...process.env,
      MALLOC_ARENA_MAX: '2',
      MALLOC_MMAP_THRESHOLD_: '131072',
      PORT: String(port),
      ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
      RATE_LIMITS: 'off',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      NODE_ENV: 'production',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return started(child, /"port":(\d+).*kefu listening/, 'kefu');
}

/** The bare Express 5 + Socket.IO floor (scripts/bench/floor.ts), same malloc settings. */
export async function spawnFloor(): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench/floor.ts'], {
    cwd: ROOT,
    env: { ...process.env, MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072', NODE_ENV: 'production', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return started(child, /floor listening on (\d+)/, 'floor');
}

/** A running tsx child script; `result` is the JSON line it prints after "RESULT ". */
export interface ChildScript<T> {
  pid: number;
  /** Resolves with the first line the script prints after "READY " (scripts that wait to be told). */
  ready: Promise<string>;
  result: Promise<T>;
  /** Writes a line to the script's stdin. */
  tell(line: string): void;
  kill(): void;
}

let inputCount = 0;

/**
 * Starts `scripts/bench/<script>` under tsx; its input goes through a JSON file named by its one
 * argument (a send_image body is too large for argv), read back with readInput().
 */
export function runScript<T>(script: string, input: unknown): ChildScript<T> {
  const dir = path.join(ROOT, '.tmp/bench/input');
  mkdirSync(dir, { recursive: true });
  const inputFile = path.join(dir, `${process.pid}-${++inputCount}.json`);
  writeFileSync(inputFile, JSON.stringify(input));
  const child = spawn(process.execPath, ['--import', 'tsx', `scripts/bench/${script}`, inputFile], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  let onReady: (line: string) => void = () => {};
  const ready = new Promise<string>((resolve) => (onReady = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    const match = /^READY (.*)$/m.exec(stdout);
    if (match) onReady(match[1]!);
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const result = new Promise<T>((resolve, reject) => {
    child.once('exit', (code) => {
      children.delete(child);
      rmSync(inputFile, { force: true });
      const line = /^RESULT (.*)$/m.exec(stdout);
      if (code === 0 && line) resolve(JSON.parse(line[1]!) as T);
      else reject(new Error(`${script} exited (${code}):\n${stderr.slice(-2000)}${stdout.slice(-500)}`));
    });
  });
  // The ready promise must not hang a caller when the script dies first.
  result.catch((error) => onReady(Promise.reject(error) as unknown as string));
  return {
    pid: child.pid!,
    ready,
    result,
    tell: (line) => child.stdin!.write(`${line}\n`),
    kill: () => child.kill('SIGKILL'),
  };
}

/** Resident memory of a process in KiB (VmRSS from /proc/<pid>/status). */
export function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
}

const CLOCK_TICKS_PER_S = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name: state is the first, utime the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
}

/** Whether an executable is on PATH. */
export const installed = (command: string, versionFlag = '--version'): boolean => {
  const probe = spawnSync(command, [versionFlag], { stdio: 'ignore' });
  return probe.error === undefined;
};

/** In a child started by runScript: its input. */
export const readInput = <T>(): T => JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as T;
