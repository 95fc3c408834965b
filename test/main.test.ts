/**
 * server/main.ts as a real process: what the operator must fix stops it with one line and exit
 * code 1; `--dotenv=` loads a file under the real environment; LOG_FORMAT picks JSON or
 * pino-pretty lines; and `npm start` dies as a whole when its own pid gets SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createLogger, prettyLogs, prettyStream } from '../server/logger.js';
import { eventually } from './support/eventually.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = ['--import', 'tsx', 'server/main.ts'];

/** The variables main.ts reads are cleared so the test runner's own environment cannot leak in. */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const key of Object.keys(base)) {
    if (/^(PORT|DATA_DIR|MONGODB_URI|REDIS_URL|ADMIN_TOKEN|LOG_FORMAT|LOG_LEVEL|PUSH_WEBHOOK_\w+)$/.test(key)) delete base[key];
  }
  return { ...base, RATE_LIMITS: 'off', ...env };
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs main.ts until it exits by itself (at most 20 s). */
function runToExit(env: Record<string, string>): Promise<Finished> {
  const child = spawn(process.execPath, MAIN, { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`main.ts did not exit:\n${stdout}${stderr}`));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface Listening {
  child: ChildProcess;
  port: number;
  /** Everything printed on stdout so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Spawns `command` and resolves once its output says on which port kefu listens. */
function startListening(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Listening> {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no "kefu listening" line:\n${stdout}${stderr}`));
    }, 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      const before = stdout;
      stdout += chunk.toString();
      const match = /kefu listening on http:\/\/localhost:(\d+)/.exec(stdout);
      if (!match || /kefu listening on http:\/\/localhost:\d+/.test(before)) return;
      clearTimeout(timer);
      resolve({
        child,
        port: Number(match[1]),
        output: () => stdout,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, () => probe.close(() => resolve(true)));
  });
}

/** Pids of every live descendant of `pid`, from /proc (Linux). */
function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command name (which may hold spaces), in parentheses: state, ppid, …
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z') parents.set(Number(entry), Number(ppid));
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function assertOneLine(stderr: string, ...mentions: string[]): void {
  const lines = stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `exactly one line on stderr, got:\n${stderr}`);
  assert.match(lines[0]!, /^kefu: /);
  for (const mention of mentions) assert.ok(lines[0]!.includes(mention), `"${mention}" in: ${lines[0]}`);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

describe('server/main.ts as a process', function () {
  this.timeout(40_000);
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-main-'))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  // A bad configuration value: test/config.test.ts.
  describe('start failures the operator fixes: one line on stderr, exit code 1', () => {
    it('a busy port names the port', async () => {
      const holder = net.createServer();
      await new Promise<void>((resolve) => holder.listen(0, resolve));
      const port = (holder.address() as net.AddressInfo).port;
      try {
        const run = await runToExit({ PORT: String(port), DATA_DIR: dataDir });
        assert.equal(run.code, 1, run.stdout + run.stderr);
        assertOneLine(run.stderr, `port ${port}`, 'already in use', 'PORT');
      } finally {
        await new Promise((resolve) => holder.close(resolve));
      }
    });

    it('a DATA_DIR under a file names the directory', async () => {
      const file = path.join(dataDir, 'not-a-directory');
      writeFileSync(file, '');
      const wanted = path.join(file, 'data');
      const run = await runToExit({ PORT: '0', DATA_DIR: wanted });
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assertOneLine(run.stderr, `DATA_DIR ${wanted}`, 'ENOTDIR');
    });

    it('a DATA_DIR that cannot be written names the directory', async function () {
      const locked = path.join(dataDir, 'locked');
      mkdirSync(locked);
      // Root ignores permission bits, so as root the directory is made immutable instead.
      const asRoot = process.getuid?.() === 0;
      if (asRoot) {
        const made = spawnSync('chattr', ['+i', locked]);
        if (made.status !== 0) this.skip();
      } else {
        chmodSync(locked, 0o500);
      }
      try {
        const run = await runToExit({ PORT: '0', DATA_DIR: locked });
        assert.equal(run.code, 1, run.stdout + run.stderr);
        assertOneLine(run.stderr, `DATA_DIR ${locked}`, 'cannot be written');
      } finally {
        if (asRoot) spawnSync('chattr', ['-i', locked]);
        else chmodSync(locked, 0o700);
      }
    });
  });

  describe('--dotenv=', () => {
    it('loads the file, under the variables already in the environment', async () => {
      const envFile = path.join(dataDir, 'test.env');
      const fromFile = path.join(dataDir, 'from-file');
      const fromEnv = path.join(dataDir, 'from-env');
      writeFileSync(envFile, `# a comment\nPORT=0\nLOG_FORMAT=json\nDATA_DIR=${fromFile}\nADMIN_TOKEN=${'f'.repeat(20)}\n`);
      const node = await startListening(process.execPath, [...MAIN, `--dotenv=${envFile}`], cleanEnv({ DATA_DIR: fromEnv }));
      try {
        const first = JSON.parse(node.output().split('\n')[0]!);
        assert.equal(first.dataDir, fromEnv, 'the environment wins over the file');
        assert.ok(existsSync(path.join(fromEnv, 'kefu.sqlite3')));
        assert.ok(!existsSync(fromFile));
        const reply = await fetch(`http://127.0.0.1:${node.port}/v1/admin/apps`, {
          method: 'POST',
          headers: { authorization: `Bearer ${'f'.repeat(20)}`, 'content-type': 'application/json' },
          body: JSON.stringify({ identify: 'com.envfile.test', name: 'Env file' }),
        });
        assert.equal(reply.status, 200, 'ADMIN_TOKEN came from the file');
      } finally {
        await node.stop();
      }
    });
  });

  describe('LOG_FORMAT', () => {
    it('pretty writes pino-pretty lines, uncolored on a pipe', async () => {
      const node = await startListening(process.execPath, MAIN, cleanEnv({ PORT: '0', DATA_DIR: dataDir, LOG_FORMAT: 'pretty' }));
      await node.stop();
      const first = node.output().split('\n')[0]!;
      assert.match(first, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: kefu listening on http:\/\/localhost:\d+$/);
      assert.doesNotMatch(node.output(), /\x1b\[/);
      assert.throws(() => JSON.parse(first));
    });

    it('auto writes colored pino-pretty lines on a terminal', async function () {
      // util-linux `script` runs the command on a pseudo-terminal.
      if (spawnSync('script', ['--version']).status !== 0) this.skip();
      const command = `exec ${process.execPath} ${MAIN.join(' ')}`;
      const node = await startListening('script', ['-qec', command, '/dev/null'], cleanEnv({ PORT: '0', DATA_DIR: dataDir }));
      try {
        const first = node.output().split('\n')[0]!;
        assert.match(first, /\x1b\[\d+mINFO\x1b\[\d+m/, JSON.stringify(first));
        assert.doesNotMatch(first, /"level"/);
      } finally {
        await node.stop();
      }
      assert.ok(await portIsFree(node.port));
    });

    it('pretty output is redacted like JSON output', () => {
      let written = '';
      const capture = new Writable({
        write(chunk: Buffer, _encoding, done) {
          written += chunk.toString();
          done();
        },
      });
      const logger = createLogger('info', prettyStream({ colorize: false, destination: capture }));
      logger.info({ token: 'tok-secret-1', url: 'redis://user:pw-secret-2@cache:6379' }, 'connecting');
      assert.match(written, /INFO: connecting/);
      assert.ok(!written.includes('tok-secret-1') && !written.includes('pw-secret-2'), written);
      assert.match(written, /\[redacted\]/);
    });

    it('auto means pretty on a terminal only; json and pretty are fixed', () => {
      assert.equal(prettyLogs('auto', true), true);
      assert.equal(prettyLogs('auto', false), false);
      assert.equal(prettyLogs('json', true), false);
      assert.equal(prettyLogs('pretty', false), true);
    });
  });

  describe('npm start', () => {
    // Also covers a missing .env (the scripts pass --dotenv=.env; none is in the repository) and
    // LOG_FORMAT=auto on a pipe (the default): JSON lines.
    it('stops with its whole process tree when its own pid gets SIGTERM', async function () {
      if (process.platform !== 'linux') this.skip();
      const npm = await startListening('npm', ['start', '--silent'], cleanEnv({ PORT: '0', DATA_DIR: dataDir }));
      const tree = descendantsOf(npm.child.pid!);
      assert.ok(tree.length >= 1, 'npm start runs kefu in a child process');
      assert.equal(await portIsFree(npm.port), false, 'kefu holds its port');
      try {
        await npm.stop();
        await eventually(() => tree.every((pid) => !isAlive(pid)), `the end of every process of the tree (${tree.join(', ')})`);
      } finally {
        for (const pid of tree.filter(isAlive)) process.kill(pid, 'SIGKILL');
      }
      assert.ok(await portIsFree(npm.port), 'the port is free again');
      const lines = npm.output().split('\n').filter(Boolean);
      for (const line of lines) assert.equal(typeof JSON.parse(line).level, 'number', line);
      assert.equal(JSON.parse(lines.at(-1)!).msg, 'stopped', 'kefu stopped gracefully, not killed');
    });
  });
});
