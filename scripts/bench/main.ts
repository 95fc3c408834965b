/**
 * `npm run bench [-- --quick] [--rounds n] [--duration s] [--connections n] [--load wrk|autocannon]
 * [--only http,fanout,cluster,idle,store,report | send_text,list,history,serve,send_image] [--out dir]`: kefu
 * side by side with a bare floor. `--only` takes parts, or HTTP scenarios (which run the http part
 * with those scenarios alone), or a mix of both.
 *
 * kefu runs as the Procfile runs it (built dist/server/main.js, malloc settings, a fresh DATA_DIR,
 * RATE_LIMITS=off, seeded through its admin API); the floor (floor.ts) is a bare Express 5 +
 * Socket.IO process answering the same routes; load comes from a third process (wrk, or autocannon
 * in a child). Rounds alternate kefu and floor (which goes first alternates too) and each figure
 * is the median over rounds. Prints a Markdown table and writes results.json and results.md under
 * .tmp/bench/ (or --out). Nothing here asserts speed: the numbers are for reading.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { startRedis, redisInstalled } from '../../test/support/redis.js';
import { defaultLoadTool, runLoad, type LoadOptions, type LoadRequest, type LoadResult, type LoadTool } from './load.js';
import { megapixelPhoto } from './photo.js';
import { BENCH_ADMIN_TOKEN, cpuMs, ensureBuilt, ROOT, rssKb, runMain, runScript, spawnFloor, spawnKefu, type ServerProcess } from './processes.js';
import { ask, BENCH_WORLD, inParallel, seedApp, seedFanOutQuestion, seedWorld, serveBody, sessionsOf, type World } from './seed.js';
import type { FanOutInput, FanOutResult, IdleInput } from './socketClient.js';

const PARTS = ['http', 'fanout', 'cluster', 'idle', 'store', 'report'] as const;
type Part = (typeof PARTS)[number];

/** The HTTP scenarios, by the key `--only` names them with, in the order they run. */
export const HTTP_SCENARIOS = ['send_text', 'list', 'history', 'serve', 'send_image'] as const;
export type HttpScenarioKey = (typeof HTTP_SCENARIOS)[number];

export interface BenchOptions {
  quick: boolean;
  rounds: number;
  durationS: number;
  connections: number;
  load: LoadTool;
  parts: Part[];
  /** The HTTP scenarios the http part runs (all unless `--only` named some). */
  scenarios: HttpScenarioKey[];
  outDir: string;
  /** Subscriber counts of the fan-out scenario (latency at the first, deliveries/s at each). */
  fanOut: number[];
  latencySends: number;
  throughputSends: number;
  clusterSubscribers: number;
  idleSockets: number;
  storeDurationS: number;
  /** Questions the report part seeds (issue 13: the report must answer in under 200 ms at 100,000). */
  reportQuestions: number;
}

/** Parses the command line; unknown flags are an error. */
export function parseArgs(argv: string[]): BenchOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i]!.replace(/^--/, '').split('=', 2) as [string, string | undefined];
    if (!['quick', 'rounds', 'duration', 'connections', 'load', 'only', 'out'].includes(name)) throw new Error(`unknown flag ${argv[i]}`);
    flags.set(name, name === 'quick' ? '' : (inline ?? argv[++i] ?? ''));
  }
  const quick = flags.has('quick');
  const number = (name: string, fallback: number) => {
    if (!flags.has(name)) return fallback;
    const n = Number(flags.get(name));
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  const load = (flags.get('load') ?? defaultLoadTool()) as LoadTool;
  if (load !== 'wrk' && load !== 'autocannon') throw new Error('--load must be wrk or autocannon');
  const only = flags.get('only')?.split(',') ?? [...PARTS];
  for (const name of only) {
    if (!PARTS.includes(name as Part) && !HTTP_SCENARIOS.includes(name as HttpScenarioKey)) {
      throw new Error(`--only takes ${PARTS.join(',')} or ${HTTP_SCENARIOS.join(',')}`);
    }
  }
  const named = HTTP_SCENARIOS.filter((key) => only.includes(key));
  const parts = PARTS.filter((part) => only.includes(part) || (part === 'http' && named.length > 0));
  return {
    quick,
    rounds: Math.floor(number('rounds', quick ? 1 : 3)),
    durationS: Math.max(1, Math.round(number('duration', quick ? 1 : 5))),
    connections: Math.floor(number('connections', quick ? 10 : 50)),
    load,
    parts,
    scenarios: named.length && !only.includes('http') ? named : [...HTTP_SCENARIOS],
    outDir: path.resolve(flags.get('out') ?? path.join(ROOT, '.tmp/bench')),
    fanOut: quick ? [50] : [100, 1000],
    latencySends: quick ? 10 : 100,
    throughputSends: quick ? 10 : 100,
    clusterSubscribers: quick ? 20 : 100,
    idleSockets: quick ? 200 : 5000,
    storeDurationS: quick ? 0.5 : 3,
    reportQuestions: quick ? 10_000 : 100_000,
  };
}

const median = (values: number[]) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** One HTTP scenario's medians, kefu against the floor. */
export interface HttpRow {
  scenario: string;
  kefu: { rps: number; p50Ms: number; p99Ms: number; errors: number; cpuUsPerRequest: number; rounds: HttpRound[] };
  floor: { rps: number; p50Ms: number; p99Ms: number; errors: number; cpuUsPerRequest: number; rounds: HttpRound[] };
  ratio: number;
  /**
   * The floor's server CPU time per request over kefu's: what the throughput ratio would be if both
   * were bound by their own CPU alone. It moves far less than req/s when neighbours load the machine.
   */
  cpuRatio: number;
}

/** One load round, with the CPU time the server process spent during it per request answered. */
export type HttpRound = LoadResult & { cpuUsPerRequest: number };

function summarize(rounds: HttpRound[]) {
  return {
    rps: median(rounds.map((r) => r.rps)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
    cpuUsPerRequest: median(rounds.map((r) => r.cpuUsPerRequest)),
    rounds,
  };
}

/** One round of load on a server, with the server's CPU time (user + system) per request. */
async function measuredLoad(tool: LoadTool, server: ServerProcess, options: Omit<LoadOptions, 'url'>): Promise<HttpRound> {
  const before = cpuMs(server.pid);
  const result = await runLoad(tool, { ...options, url: server.url });
  const spentMs = cpuMs(server.pid) - before;
  return { ...result, cpuUsPerRequest: result.requests > 0 ? (spentMs * 1000) / result.requests : NaN };
}

export interface Scenario {
  key: HttpScenarioKey;
  name: string;
  requests(target: 'kefu' | 'floor'): Promise<LoadRequest[]>;
  /** Told every round's result (the serve pool sizes itself from the last kefu round). */
  observe?(target: 'kefu' | 'floor', result: LoadResult, durationS: number): void;
}

const json = { 'content-type': 'application/json' };

/** The HTTP scenarios against a seeded world; serve's pool is sized from `sendRate` and what it served. */
export function httpScenarios(world: World, kefuUrl: string, photo: Buffer, options: Pick<BenchOptions, 'durationS'>, sendRate: () => number): Scenario[] {
  const fixed = (requests: LoadRequest[]) => async () => requests;
  const sendText = world.senders.map((u, i) => ({
    method: 'POST' as const,
    path: `/v1/question/${u.questionId}/message/send_text`,
    headers: json,
    body: JSON.stringify({ session: u.session, sender: u.userId, sender_type: 1, text: `Hello, my order ${1000 + i} has not arrived yet` }),
  }));
  const image = photo.toString('base64');
  const sendImage = world.senders.map((u) => ({
    method: 'POST' as const,
    path: `/v1/question/${u.questionId}/message/send_image`,
    headers: json,
    body: JSON.stringify({ session: u.session, sender: u.userId, sender_type: 1, image }),
  }));
  return [
    { key: 'send_text', name: 'POST send_text', requests: fixed(sendText) },
    { key: 'list', name: 'GET /question/list (20 summaries)', requests: fixed([{ method: 'GET', path: '/v1/question/list?num=20', headers: { 'x-session': world.agentSession } }]) },
    {
      key: 'history',
      name: 'GET /question/<id>/message (20 messages)',
      requests: fixed([{ method: 'GET', path: `/v1/question/${world.history.questionId}/message?num=20`, headers: { 'x-session': world.history.session } }]),
    },
    (() => {
      // Each serve takes one pending question: before every kefu round a pool of three times what
      // the last kefu round served (at first, the send rate) is asked for, untimed, so a round does
      // not run dry and count 409s (the errors column would show it).
      let served = 0;
      return {
        key: 'serve' as const,
        name: 'POST /question/<id>/serve',
        async requests(target: 'kefu' | 'floor') {
          const size = Math.min(30_000, Math.max(200, Math.ceil(Math.max(sendRate(), served) * options.durationS * 3)));
          const ids = target === 'kefu'
            ? await inParallel(size, 8, (i) => ask(kefuUrl, world.askers[i % world.askers.length]!, `Pool question ${i}`))
            : Array.from({ length: size }, (_, i) => i.toString(16).padStart(24, '0'));
          return ids.map((id) => ({ method: 'POST' as const, path: `/v1/question/${id}/serve`, headers: json, body: serveBody(world.agentSession) }));
        },
        observe(target: 'kefu' | 'floor', result: LoadResult, durationS: number) {
          if (target === 'kefu') served = Math.max(served, (result.requests - result.errors) / durationS);
        },
      };
    })(),
    { key: 'send_image', name: 'POST send_image (1 MP JPEG)', requests: fixed(sendImage) },
  ];
}

/** Runs `run(target, round)` for kefu and the floor, alternating which goes first. */
async function alternate<T>(rounds: number, run: (target: 'kefu' | 'floor', round: number) => Promise<T>) {
  const results = { kefu: [] as T[], floor: [] as T[] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['kefu', 'floor'] as const) : (['floor', 'kefu'] as const);
    for (const target of order) results[target].push(await run(target, round));
  }
  return results;
}

async function benchHttp(options: BenchOptions, kefu: ServerProcess, floor: ServerProcess, world: World, log: (line: string) => void): Promise<HttpRow[]> {
  const photo = await megapixelPhoto();
  const rows: HttpRow[] = [];
  const sendRate = () => rows.find((r) => r.scenario === 'POST send_text')?.kefu.rps ?? 500;
  const chosen = httpScenarios(world, kefu.url, photo, options, sendRate).filter((s) => options.scenarios.includes(s.key));
  for (const scenario of chosen) {
    const server = { kefu, floor };
    if (!options.quick) {
      // Warm-up (JIT, connection set-up), not counted.
      for (const target of ['kefu', 'floor'] as const) {
        const result = await runLoad(options.load, { url: server[target].url, requests: await scenario.requests(target), connections: options.connections, durationS: 1 });
        scenario.observe?.(target, result, 1);
      }
    }
    const results = await alternate(options.rounds, async (target) => {
      const result = await measuredLoad(options.load, server[target], { requests: await scenario.requests(target), connections: options.connections, durationS: options.durationS });
      scenario.observe?.(target, result, options.durationS);
      return result;
    });
    const row = { scenario: scenario.name, kefu: summarize(results.kefu), floor: summarize(results.floor), ratio: 0, cpuRatio: 0 };
    row.ratio = row.kefu.rps / row.floor.rps;
    row.cpuRatio = row.floor.cpuUsPerRequest / row.kefu.cpuUsPerRequest;
    log(
      `  ${scenario.name}: kefu ${row.kefu.rps.toFixed(0)} req/s, floor ${row.floor.rps.toFixed(0)} req/s (${row.ratio.toFixed(2)}); ` +
        `CPU µs/request kefu ${row.kefu.cpuUsPerRequest.toFixed(0)}, floor ${row.floor.cpuUsPerRequest.toFixed(0)} (${row.cpuRatio.toFixed(2)})` +
        `${row.kefu.errors ? `, ${row.kefu.errors} kefu errors` : ''}`,
    );
    rows.push(row);
  }
  return rows;
}

/** Fan-out at one subscriber count: kefu and the bare Socket.IO floor, medians over rounds. */
export interface FanOutRow {
  subscribers: number;
  kefu: { p50Ms: number; p99Ms: number; deliveriesPerS: number; missing: number; rounds: FanOutResult[] };
  floor: { p50Ms: number; p99Ms: number; deliveriesPerS: number; missing: number; rounds: FanOutResult[] };
  deliveriesRatio: number;
}

function summarizeFanOut(rounds: FanOutResult[]) {
  return {
    p50Ms: median(rounds.map((r) => r.latency?.p50Ms ?? NaN)),
    p99Ms: median(rounds.map((r) => r.latency?.p99Ms ?? NaN)),
    deliveriesPerS: median(rounds.map((r) => r.throughput?.deliveriesPerS ?? NaN)),
    missing: rounds.reduce((sum, r) => sum + (r.latency?.missing ?? 0) + (r.throughput?.missing ?? 0), 0),
    rounds,
  };
}

async function benchFanOut(options: BenchOptions, kefu: ServerProcess, floor: ServerProcess, world: World, log: (line: string) => void): Promise<FanOutRow[]> {
  const question = await seedFanOutQuestion(kefu.url, world.agentSession, 'bench-fan');
  const most = Math.max(...options.fanOut);
  const sessions = await sessionsOf(kefu.url, question.userId, most);
  const rows: FanOutRow[] = [];
  for (const subscribers of options.fanOut) {
    const results = await alternate(options.rounds, (target) => {
      const url = target === 'kefu' ? kefu.url : floor.url;
      const input: FanOutInput = {
        mode: 'fanout',
        subscribeUrl: url,
        sendUrl: url,
        sessions: sessions.slice(0, subscribers),
        senderSession: world.agentSession,
        questionId: question.questionId,
        // Latency at 1,000 costs 1,000 deliveries a send: fewer sends keep the round short.
        latencySends: subscribers > 200 ? Math.ceil(options.latencySends / 5) : options.latencySends,
        throughputSends: options.throughputSends,
        inFlight: 10,
      };
      return runScript<FanOutResult>('socketClient.ts', input).result;
    });
    const row = { subscribers, kefu: summarizeFanOut(results.kefu), floor: summarizeFanOut(results.floor), deliveriesRatio: 0 };
    row.deliveriesRatio = row.kefu.deliveriesPerS / row.floor.deliveriesPerS;
    log(`  ${subscribers} subscribers: kefu p99 ${row.kefu.p99Ms.toFixed(1)} ms, ${row.kefu.deliveriesPerS.toFixed(0)} deliveries/s; floor p99 ${row.floor.p99Ms.toFixed(1)} ms, ${row.floor.deliveriesPerS.toFixed(0)}/s`);
    rows.push(row);
  }
  return rows;
}

/**
 * Sender on node A; half the subscribers on A (one node), half on B (through Redis), all on the same
 * sends, so store and machine jitter fall on both halves alike.
 */
export interface ClusterResult {
  subscribers: number;
  oneNode: { p50Ms: number; p99Ms: number };
  twoNodes: { p50Ms: number; p99Ms: number };
  /** Two-node minus one-node percentile, over the same sends. */
  addedP50Ms: number;
  addedP99Ms: number;
  /** Per send: B's median arrival minus A's; its p50 and p99 over the sends. */
  pairedAddedMs: { p50Ms: number; p99Ms: number };
  rounds: FanOutResult[];
}

async function benchCluster(options: BenchOptions, log: (line: string) => void): Promise<ClusterResult | { skipped: string }> {
  if (!redisInstalled()) return { skipped: 'redis-server is not installed' };
  const redis = await startRedis();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-bench-cluster-'));
  const nodes: ServerProcess[] = [];
  try {
    const env = { DATA_DIR: dataDir, REDIS_URL: redis.url };
    nodes.push(await spawnKefu(env), await spawnKefu(env));
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    const world = await seedWorld(a.url, { senders: 0, historySize: 1, queue: 0 });
    const question = await seedFanOutQuestion(a.url, world.agentSession, 'bench-cluster');
    const sessions = await sessionsOf(a.url, question.userId, options.clusterSubscribers);
    const rounds: FanOutResult[] = [];
    for (let round = 0; round < options.rounds; round++) {
      const input: FanOutInput = {
        mode: 'fanout',
        subscribeUrl: a.url,
        remoteUrl: b.url,
        sendUrl: a.url,
        sessions,
        senderSession: world.agentSession,
        questionId: question.questionId,
        latencySends: options.latencySends,
        throughputSends: 0,
        inFlight: 1,
      };
      rounds.push(await runScript<FanOutResult>('socketClient.ts', input).result);
    }
    const of = (pick: (r: FanOutResult) => { p50Ms: number; p99Ms: number }) => ({
      p50Ms: median(rounds.map((r) => pick(r).p50Ms)),
      p99Ms: median(rounds.map((r) => pick(r).p99Ms)),
    });
    const oneNode = of((r) => r.split!.local);
    const twoNodes = of((r) => r.split!.remote);
    const result = {
      subscribers: options.clusterSubscribers,
      oneNode,
      twoNodes,
      addedP50Ms: twoNodes.p50Ms - oneNode.p50Ms,
      addedP99Ms: twoNodes.p99Ms - oneNode.p99Ms,
      pairedAddedMs: of((r) => r.split!.addedMs),
      rounds,
    };
    log(`  one node p99 ${result.oneNode.p99Ms.toFixed(1)} ms, two nodes p99 ${result.twoNodes.p99Ms.toFixed(1)} ms (added ${result.addedP99Ms.toFixed(1)} ms; per send p99 ${result.pairedAddedMs.p99Ms.toFixed(1)} ms)`);
    return result;
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Server RSS before and after `sockets` idle connections. */
export interface IdleResult {
  sockets: number;
  kefu: { beforeKb: number; afterKb: number; perSocketKb: number };
  floor: { beforeKb: number; afterKb: number; perSocketKb: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function idleRss(server: ServerProcess, sessions: string[], settleMs: number) {
  await sleep(settleMs);
  const beforeKb = rssKb(server.pid);
  // Two client processes: one process's event loop handshaking 5,000 sockets is slow.
  const halves = [sessions.slice(0, Math.ceil(sessions.length / 2)), sessions.slice(Math.ceil(sessions.length / 2))];
  const clients = halves.map((part) => runScript<{ connected: number }>('socketClient.ts', { mode: 'idle', url: server.url, sessions: part } satisfies IdleInput));
  await Promise.all(clients.map((c) => c.ready));
  await sleep(settleMs);
  const afterKb = rssKb(server.pid);
  for (const c of clients) c.tell('stop');
  const connected = (await Promise.all(clients.map((c) => c.result))).reduce((sum, r) => sum + r.connected, 0);
  if (connected !== sessions.length) throw new Error(`only ${connected} of ${sessions.length} idle sockets stayed connected`);
  return { beforeKb, afterKb, perSocketKb: (afterKb - beforeKb) / sessions.length };
}

async function benchIdle(options: BenchOptions, log: (line: string) => void): Promise<IdleResult> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-bench-idle-'));
  const seeder = await spawnKefu({ DATA_DIR: dataDir });
  const userId = await seedApp(seeder.url, 'bench-idle');
  const sessions = await sessionsOf(seeder.url, userId, options.idleSockets).finally(() => seeder.stop());
  // A fresh node on the seeded DATA_DIR: its baseline RSS holds no garbage from the seeding.
  const kefu = await spawnKefu({ DATA_DIR: dataDir });
  const floor = await spawnFloor();
  try {
    const settleMs = options.quick ? 500 : 3000;
    const kefuRss = await idleRss(kefu, sessions, settleMs);
    const floorRss = await idleRss(floor, sessions, settleMs);
    log(`  ${options.idleSockets} idle sockets: kefu ${kefuRss.perSocketKb.toFixed(1)} KB each, floor ${floorRss.perSocketKb.toFixed(1)} KB each`);
    return { sockets: options.idleSockets, kefu: kefuRss, floor: floorRss };
  } finally {
    await kefu.stop();
    await floor.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** appendMessage/s on the raw SqliteStore, with group commit off and at the store's default. */
export interface StoreResult {
  inFlight: number;
  groupCommitOff: { perS: number; rounds: number[] };
  defaultStore: { perS: number; rounds: number[] };
  /** Whether SqliteStoreOptions has groupCommit yet; without it both columns measure the same store. */
  groupCommitOption: boolean;
}

async function benchStore(options: BenchOptions, log: (line: string) => void): Promise<StoreResult> {
  const inFlight = 50;
  const results = await alternate(options.rounds, async (target) => {
    const input = { durationS: options.storeDurationS, inFlight, ...(target === 'kefu' ? { groupCommit: false } : {}) };
    return (await runScript<{ perS: number }>('storeBench.ts', input).result).perS;
  });
  const groupCommitOption = readFileSync(path.join(ROOT, 'server/stores/sqlite/db.ts'), 'utf8').includes('groupCommit');
  const result = {
    inFlight,
    groupCommitOff: { perS: median(results.kefu), rounds: results.kefu },
    defaultStore: { perS: median(results.floor), rounds: results.floor },
    groupCommitOption,
  };
  log(`  appendMessage/s: groupCommit false ${result.groupCommitOff.perS.toFixed(0)}, default ${result.defaultStore.perS.toFixed(0)}${groupCommitOption ? '' : ' (no groupCommit option yet: same store)'}`);
  return result;
}

/** GET /v1/reports/summary latency on a store seeded with `questions` questions (one app, 30 days, 50 agents). */
export interface ReportResult {
  questions: number;
  cycles: number;
  seedS: number;
  /** Median and slowest of the requests, per group_by ('none': the total only), in ms. */
  rows: Array<{ groupBy: string; medianMs: number; maxMs: number; requests: number }>;
}

async function benchReport(options: BenchOptions, log: (line: string) => void): Promise<ReportResult> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-bench-report-'));
  const identify = 'com.example.reports';
  const from = Date.UTC(2026, 0, 1) / 1000;
  try {
    const seeded = (await runScript<{ questions: number; cycles: number; seedS: number }>('reportSeed.ts', { dataDir, questions: options.reportQuestions, identify, from }).result);
    log(`  seeded ${seeded.questions} questions (${seeded.cycles} cycles) in ${seeded.seedS.toFixed(1)} s`);
    const kefu = await spawnKefu({ DATA_DIR: dataDir });
    const rows: ReportResult['rows'] = [];
    try {
      for (const groupBy of ['none', 'day', 'agent', 'label']) {
        const query = new URLSearchParams({ identify, from: '2026-01-01', to: '2026-01-31', ...(groupBy === 'none' ? {} : { group_by: groupBy }) });
        const times: number[] = [];
        const requests = options.quick ? 5 : 20;
        for (let i = 0; i < requests + 1; i++) {
          const started = performance.now();
          const reply = await fetch(`${kefu.url}/v1/reports/summary?${query}`, { headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` } });
          const body = (await reply.json()) as { status: number; total?: { asked: number; reopened: number } };
          if (body.status !== 200 || body.total!.asked + body.total!.reopened !== seeded.cycles) throw new Error(`report ${groupBy}: ${JSON.stringify(body).slice(0, 200)}`);
          // The first request warms the statement cache and the page cache; it is not counted.
          if (i > 0) times.push(performance.now() - started);
        }
        const row = { groupBy, medianMs: median(times), maxMs: Math.max(...times), requests };
        log(`  group_by ${groupBy}: median ${row.medianMs.toFixed(1)} ms, slowest ${row.maxMs.toFixed(1)} ms`);
        rows.push(row);
      }
    } finally {
      await kefu.stop();
    }
    return { ...seeded, rows };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** What the table header says about where it ran. */
export interface Machine {
  nproc: number;
  cpu: string;
  memory: string;
  node: string;
  load: LoadTool;
  loadAverage: number[];
}

function machine(load: LoadTool): Machine {
  const cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const free = spawnSync('free', ['-h'], { encoding: 'utf8' }).stdout?.split('\n')[1]?.trim().split(/\s+/)[1];
  return { nproc: os.availableParallelism(), cpu, memory: free ?? `${Math.round(os.totalmem() / 2 ** 30)}Gi`, node: process.version, load, loadAverage: os.loadavg().map((n) => +n.toFixed(2)) };
}

export interface BenchResults {
  startedAt: string;
  command: string;
  machine: Machine;
  options: Omit<BenchOptions, 'outDir'>;
  http?: HttpRow[];
  fanOut?: FanOutRow[];
  cluster?: ClusterResult | { skipped: string };
  idle?: IdleResult;
  store?: StoreResult;
  report?: ReportResult;
}

const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '–');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');

/** The Markdown tables of one run. */
export function formatTables(results: BenchResults): string {
  const m = results.machine;
  const o = results.options;
  const lines = [
    `kefu bench: ${results.command}`,
    `machine: ${m.nproc} CPUs (${m.cpu}), ${m.memory} RAM, Node ${m.node}, load ${m.load}, load average at start ${m.loadAverage.join(' ')}`,
    `${o.rounds} alternating round(s) of ${o.durationS} s, ${o.connections} connections; figures are medians`,
    '',
  ];
  if (results.http) {
    lines.push(
      '| scenario | kefu req/s | floor req/s | ratio | kefu p50 / p99 ms | floor p50 / p99 ms | kefu errors | CPU µs/request kefu / floor | CPU ratio |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const r of results.http) {
      lines.push(`| ${r.scenario} | ${f0(r.kefu.rps)} | ${f0(r.floor.rps)} | ${f2(r.ratio)} | ${f1(r.kefu.p50Ms)} / ${f1(r.kefu.p99Ms)} | ${f1(r.floor.p50Ms)} / ${f1(r.floor.p99Ms)} | ${r.kefu.errors} | ${f0(r.kefu.cpuUsPerRequest)} / ${f0(r.floor.cpuUsPerRequest)} | ${f2(r.cpuRatio)} |`);
    }
    lines.push('');
  }
  if (results.fanOut) {
    lines.push('| fan-out, one question | kefu p50 / p99 ms | floor p50 / p99 ms | kefu deliveries/s | floor deliveries/s | ratio | missing (kefu/floor) |', '| --- | --- | --- | --- | --- | --- | --- |');
    for (const r of results.fanOut) {
      lines.push(`| ${r.subscribers} subscribers | ${f1(r.kefu.p50Ms)} / ${f1(r.kefu.p99Ms)} | ${f1(r.floor.p50Ms)} / ${f1(r.floor.p99Ms)} | ${f0(r.kefu.deliveriesPerS)} | ${f0(r.floor.deliveriesPerS)} | ${f2(r.deliveriesRatio)} | ${r.kefu.missing}/${r.floor.missing} |`);
    }
    lines.push('');
  }
  if (results.cluster) {
    const c = results.cluster;
    if ('skipped' in c) lines.push(`cross-node: skipped (${c.skipped})`, '');
    else {
      lines.push(`| cross-node, sender on A, ${c.subscribers} subscribers on the same sends | p50 ms | p99 ms |`, '| --- | --- | --- |');
      lines.push(`| half on A (one node) | ${f1(c.oneNode.p50Ms)} | ${f1(c.oneNode.p99Ms)} |`);
      lines.push(`| half on B (through Redis) | ${f1(c.twoNodes.p50Ms)} | ${f1(c.twoNodes.p99Ms)} |`);
      lines.push(`| added (B minus A) | ${f1(c.addedP50Ms)} | ${f1(c.addedP99Ms)} |`);
      lines.push(`| added per send (B's median minus A's) | ${f1(c.pairedAddedMs.p50Ms)} | ${f1(c.pairedAddedMs.p99Ms)} |`, '');
    }
  }
  if (results.idle) {
    const i = results.idle;
    lines.push(`| ${i.sockets} idle sockets | RSS before | RSS after | per socket |`, '| --- | --- | --- | --- |');
    lines.push(`| kefu | ${f0(i.kefu.beforeKb / 1024)} MiB | ${f0(i.kefu.afterKb / 1024)} MiB | ${f1(i.kefu.perSocketKb)} KB |`);
    lines.push(`| bare Socket.IO | ${f0(i.floor.beforeKb / 1024)} MiB | ${f0(i.floor.afterKb / 1024)} MiB | ${f1(i.floor.perSocketKb)} KB |`, '');
  }
  if (results.store) {
    const s = results.store;
    lines.push(`| raw store, ${s.inFlight} appends in flight | appendMessage/s |`, '| --- | --- |');
    lines.push(`| SqliteStore groupCommit: false | ${f0(s.groupCommitOff.perS)} |`);
    lines.push(`| SqliteStore default${s.groupCommitOption ? '' : ' (no groupCommit option yet: same store)'} | ${f0(s.defaultStore.perS)} |`, '');
  }
  if (results.report) {
    const r = results.report;
    lines.push(`| GET /v1/reports/summary, ${r.questions} questions (${r.cycles} cycles) | median | slowest |`, '| --- | --- | --- |');
    for (const row of r.rows) lines.push(`| group_by ${row.groupBy} | ${f1(row.medianMs)} ms | ${f1(row.maxMs)} ms |`);
    lines.push('');
  }
  return lines.join('\n');
}

/** One whole run; returns what it wrote to `options.outDir`. */
export async function runBench(options: BenchOptions, command: string, log: (line: string) => void = console.log): Promise<BenchResults> {
  ensureBuilt(log);
  const { outDir, ...shown } = options;
  const results: BenchResults = { startedAt: new Date().toISOString(), command, machine: machine(options.load), options: shown };
  const has = (part: Part) => options.parts.includes(part);
  if (has('http') || has('fanout')) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-bench-'));
    const kefu = await spawnKefu({ DATA_DIR: dataDir });
    const floor = await spawnFloor();
    try {
      const world = await seedWorld(kefu.url, BENCH_WORLD);
      if (has('http')) {
        log('HTTP scenarios');
        results.http = await benchHttp(options, kefu, floor, world, log);
      }
      if (has('fanout')) {
        log('socket fan-out');
        results.fanOut = await benchFanOut(options, kefu, floor, world, log);
      }
    } finally {
      await kefu.stop();
      await floor.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  if (has('cluster')) {
    log('cross-node through Redis');
    results.cluster = await benchCluster(options, log);
  }
  if (has('idle')) {
    log('idle sockets');
    results.idle = await benchIdle(options, log);
  }
  if (has('store')) {
    log('raw store');
    results.store = await benchStore(options, log);
  }
  if (has('report')) {
    log('reports');
    results.report = await benchReport(options, log);
  }
  const table = formatTables(results);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(path.join(outDir, 'results.md'), table + '\n');
  log('');
  log(table);
  log(`results: ${path.relative(process.cwd(), path.join(outDir, 'results.json'))} and results.md`);
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  await runMain('kefu bench', () => runBench(parseArgs(argv), ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' ')));
}
