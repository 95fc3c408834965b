/**
 * `npm run bench [-- --quick] [--duration <s>] [--concurrency <n>] [--client fetch|http]`: a kefu node in this process on
 * port 0 (temp DATA_DIR, SQLite, RATE_LIMITS=off), loaded over loopback by parallel fetch loops
 * (Node's fetch is undici, which keeps connections alive), one scenario after another, each bounded
 * in time. GET /healthz runs first as the baseline: the same server and client with no store work,
 * so the table shows what the store and the domain cost on top of HTTP on this machine.
 *
 * Client and server share one event loop and the machine's cores, so absolute numbers are a lower
 * bound for a dedicated server; compare rows within one run, and runs on the same machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../server/config.js';
import {
  agentUpserter,
  appCreator,
  sessionCreator,
  userUpserter,
} from '../server/domain/commands/provisioning.js';
import { servBinder } from '../server/domain/commands/servBinder.js';
import { createLogger } from '../server/logger.js';
import { startServer, type RunningServer } from '../server/server.js';
import { sessionDigest } from '../server/domain/sessionTokens.js';

export interface BenchOptions {
  durationS: number;
  concurrency: number;
  /** Messages each worker's question holds before the read scenario. */
  history: number;
  client: 'fetch' | 'http';
}

export interface Row {
  name: string;
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
}

/** One request of a scenario; `i` counts the worker's requests. Resolves to the HTTP status. */
type Shot = (worker: number, i: number) => Promise<number>;

const APP = 'com.example.bench';

export function parseBenchArgs(argv: string[]): BenchOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i]!.replace(/^--/, '').split('=', 2) as [string, string | undefined];
    if (!['quick', 'duration', 'concurrency', 'client'].includes(name)) throw new Error(`unknown flag ${argv[i]}`);
    flags.set(name, name === 'quick' ? '' : (inline ?? argv[++i] ?? ''));
  }
  const quick = flags.has('quick');
  const positive = (name: string, fallback: number, max: number) => {
    if (!flags.has(name)) return fallback;
    const n = Number(flags.get(name));
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return Math.min(n, max);
  };
  const client = flags.get('client') ?? 'http';
  if (client !== 'fetch' && client !== 'http') throw new Error('--client must be fetch or http');
  return {
    durationS: positive('duration', quick ? 0.5 : 3, 30),
    concurrency: Math.floor(positive('concurrency', quick ? 4 : 16, 256)),
    history: quick ? 5 : 40,
    client,
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Runs `shot` from `concurrency` loops until the time is up (or a shot returns -1: nothing left).
 * The first tenth of the time warms up (JIT, connections) and is not counted.
 */
async function measure(name: string, options: BenchOptions, shot: Shot): Promise<Row> {
  const warmupEnd = performance.now() + options.durationS * 100;
  const end = warmupEnd + options.durationS * 1000;
  const latencies: number[] = [];
  let errors = 0;
  let lastDone = warmupEnd;
  const loop = async (worker: number) => {
    for (let i = 0; performance.now() < end; i++) {
      const started = performance.now();
      // A failed connection counts as an error, not as the end of the run.
      const status = await shot(worker, i).catch(() => 0);
      if (status === -1) return;
      const done = performance.now();
      if (started < warmupEnd) continue;
      latencies.push(done - started);
      if (status !== 200) errors++;
      lastDone = Math.max(lastDone, done);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, w) => loop(w)));
  latencies.sort((a, b) => a - b);
  const elapsedS = Math.max(lastDone - warmupEnd, 1) / 1000;
  return {
    name,
    requests: latencies.length,
    errors,
    rps: latencies.length / elapsedS,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

type Send = (method: 'GET' | 'POST', url: string, headers?: Record<string, string>, body?: string) => Promise<number>;

/** Node's fetch (undici underneath, connections kept alive): what most Node clients use. */
const fetchClient: Send = async (method, url, headers, body) => {
  const response = await fetch(url, { method, headers, body });
  await response.arrayBuffer();
  return response.status;
};

/** node:http with a keep-alive agent: less client work per request, so more of the CPU is the server's. */
function httpClient(concurrency: number): Send {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  return (method, url, headers = {}, body) =>
    new Promise((resolve, reject) => {
      const request = http.request(url, { method, headers, agent }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      });
      request.on('error', reject);
      request.end(body);
    });
}

let send: Send = fetchClient;
const call = (url: string, headers?: Record<string, string>) => send('GET', url, headers);
const post = (url: string, body: Record<string, unknown>) =>
  send('POST', url, { 'content-type': 'application/json' }, JSON.stringify(body));

/**
 * Pending questions for the queue and serve scenarios, written straight to the store. Each serve
 * consumes one, and a serve costs about what a send does, so the send rate sizes the pool: enough
 * for the whole scenario without seeding for longer than it runs.
 */
async function seedPool(server: RunningServer, users: Array<{ userId: string }>, size: number): Promise<string[]> {
  const deps = server.deps;
  const pool: string[] = [];
  for (let i = 0; i < size; i++) {
    const asker = users[i % users.length]!;
    const q = await deps.store.conversations.createQuestion({ identify: APP, userId: asker.userId, title: `pool ${i}`, labels: [], now: deps.now() });
    pool.push(q.id);
  }
  return pool;
}

/** Seeds one app, one bound agent, and one user with one question (and its history) per worker. */
async function seed(server: RunningServer, options: BenchOptions) {
  const deps = server.deps;
  await appCreator(deps, { identify: APP, name: 'Bench' });
  await agentUpserter(deps, { serv_id: 'bench-agent', password: 'bench-pw', identifies: [APP] });
  await userUpserter(deps, { user_id: 'bench-desk', name: 'Agent desk' });
  const agentSession = await sessionCreator(deps, { user_id: 'bench-desk', identify: APP });
  await servBinder(deps, { session: (await deps.store.accounts.getSession(sessionDigest(agentSession)))!, servId: 'bench-agent', password: 'bench-pw' });

  const users: Array<{ userId: string; session: string; questionId: string }> = [];
  for (let w = 0; w < options.concurrency; w++) {
    const userId = `bench-u${w}`;
    await userUpserter(deps, { user_id: userId, name: `User ${w}` });
    const session = await sessionCreator(deps, { user_id: userId, identify: APP });
    const question = await deps.store.conversations.createQuestion({ identify: APP, userId, title: 'bench', labels: [], now: deps.now() });
    users.push({ userId, session, questionId: question.id });
    for (let m = 0; m < options.history; m++) {
      await post(`${server.url}/v1/question/${question.id}/message/send_text`, {
        session,
        sender: userId,
        sender_type: 1,
        text: `history ${m}`,
      });
    }
  }
  return { agentSession, users };
}

export async function runBench(options: BenchOptions, log: (line: string) => void = console.log): Promise<Row[]> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-bench-'));
  const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, RATE_LIMITS: 'off', LOG_LEVEL: 'silent' });
  const server = await startServer(config, { logger: createLogger('silent') });
  send = options.client === 'http' ? httpClient(options.concurrency) : fetchClient;
  // Ctrl-C mid-run still leaves no temporary data behind.
  const interrupted = () => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  try {
    log(
      `kefu bench: ${options.durationS} s per scenario, ${options.concurrency} concurrent keep-alive loops (${options.client}), ` +
        `SQLite in ${dataDir}, Node ${process.version}, ${os.cpus().length} CPUs`,
    );
    const started = performance.now();
    const { agentSession, users } = await seed(server, options);
    log(`seeded ${users.length} questions × ${options.history} messages in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const v1 = `${server.url}/v1`;
    const agentHeaders = { 'x-session': agentSession };
    let next = 0;
    let pool: string[] = [];

    const scenarios: Array<[string, Shot]> = [
      ['GET /healthz (baseline)', () => call(`${server.url}/healthz`)],
      [
        'POST …/message/send_text',
        (w, i) => {
          const u = users[w]!;
          return post(`${v1}/question/${u.questionId}/message/send_text`, { session: u.session, sender: u.userId, sender_type: 1, text: `bench ${i}` });
        },
      ],
      [
        'GET /question/<id>/message',
        (w) => call(`${v1}/question/${users[w]!.questionId}/message`, { 'x-session': users[w]!.session }),
      ],
      ['GET /question/list', () => call(`${v1}/question/list`, agentHeaders)],
      [
        'POST /question/<id>/serve',
        async () => {
          const id = pool[next++];
          if (id === undefined) return -1;
          return post(`${v1}/question/${id}/serve`, { session: agentSession, serv_id: 'bench-agent' });
        },
      ],
    ];
    const rows: Row[] = [];
    for (const [name, shot] of scenarios) {
      if (name === 'GET /question/list') {
        const sendRate = rows.find((r) => r.name.includes('send_text'))!.rps;
        const size = Math.min(20_000, Math.max(200, Math.ceil(sendRate * options.durationS * 1.5)));
        const seeding = performance.now();
        pool = await seedPool(server, users, size);
        log(`queued ${size} pending questions in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
      }
      rows.push(await measure(name, options, shot));
    }
    if (next >= pool.length) log(`(serve ran out of its ${pool.length} pending questions before the time was up)`);
    log(formatTable(rows));
    return rows;
  } finally {
    process.off('SIGINT', interrupted);
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function formatTable(rows: Row[]): string {
  const base = rows[0]!;
  const header = ['scenario', 'requests', 'errors', 'req/s', 'p50 ms', 'p99 ms', 'req/s vs baseline'];
  const cells = rows.map((r) => [
    r.name,
    String(r.requests),
    String(r.errors),
    r.rps.toFixed(0),
    r.p50.toFixed(2),
    r.p99.toFixed(2),
    `${((r.rps / base.rps) * 100).toFixed(0)}%`,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)));
  const line = (row: string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  try {
    await runBench(parseBenchArgs(process.argv.slice(2)));
  } catch (error) {
    process.stderr.write(`kefu bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
