/**
 * HTTP load from a process of its own: wrk (C, one thread) with a Lua script that cycles through
 * the scenario's requests, or, when wrk is not installed, autocannon run in a tsx child
 * (autocannonChild.ts) with the same cycling. Either way the server under test shares the machine
 * but not its event loop with the load.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { installed, ROOT, runScript } from './processes.js';

/** One request of a scenario; the load cycles through the list, one request after another. */
export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  /** Server origin, e.g. http://127.0.0.1:4000. */
  url: string;
  requests: LoadRequest[];
  connections: number;
  durationS: number;
}

export interface LoadResult {
  requests: number;
  /** Non-2xx replies plus connection, read, write and timeout errors. */
  errors: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

export type LoadTool = 'wrk' | 'autocannon';

/** wrk when it is on PATH, else autocannon. */
export const defaultLoadTool = (): LoadTool => (installed('wrk', '-v') ? 'wrk' : 'autocannon');

/** A Lua long string that cannot be closed by its content. */
function luaString(text: string): string {
  let level = '';
  while (text.includes(`]${level}]`)) level += '=';
  return `[${level}[${text}]${level}]`;
}

function luaScript(requests: LoadRequest[]): string {
  const entries = requests.map((r) => {
    const headers = Object.entries(r.headers ?? {}).map(([k, v]) => `[ ${luaString(k)} ] = ${luaString(v)}`);
    return `{ ${luaString(r.method)}, ${luaString(r.path)}, { ${headers.join(', ')} }, ${r.body === undefined ? 'nil' : luaString(r.body)} }`;
  });
  return `local requests = {\n${entries.join(',\n')}\n}
local n = 0
request = function()
  n = n + 1
  local r = requests[(n - 1) % #requests + 1]
  return wrk.format(r[1], r[2], r[3], r[4])
end
done = function(summary, latency, _)
  local e = summary.errors
  io.write(string.format('RESULT {"requests":%d,"durationUs":%d,"errors":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;
}

let scriptCount = 0;

function runWrk(options: LoadOptions): Promise<LoadResult> {
  const dir = path.join(ROOT, '.tmp/bench/lua');
  mkdirSync(dir, { recursive: true });
  const script = path.join(dir, `load-${process.pid}-${++scriptCount}.lua`);
  writeFileSync(script, luaScript(options.requests));
  const args = ['-t1', `-c${options.connections}`, `-d${options.durationS}s`, '--timeout', '10s', '-s', script, options.url];
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      rmSync(script, { force: true });
      const line = /^RESULT (.*)$/m.exec(out);
      if (code !== 0 || !line) return reject(new Error(`wrk exited (${code}):\n${out}`));
      const r = JSON.parse(line[1]!) as { requests: number; durationUs: number; errors: number; p50Us: number; p99Us: number };
      resolve({ requests: r.requests, errors: r.errors, rps: r.requests / (r.durationUs / 1e6), p50Ms: r.p50Us / 1000, p99Ms: r.p99Us / 1000 });
    });
  });
}

/** Runs one round of load and waits for it to finish. */
export async function runLoad(tool: LoadTool, options: LoadOptions): Promise<LoadResult> {
  if (tool === 'wrk') return runWrk(options);
  return runScript<LoadResult>('autocannonChild.ts', options).result;
}
