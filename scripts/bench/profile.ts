/**
 * `npm run bench:profile -- --scenario list|history|send_text|serve|send_image [--duration s]
 * [--connections n] [--load wrk|autocannon] [--out dir]`: a CPU profile of kefu under one HTTP
 * scenario of the bench, summarised by profileSummary.ts.
 *
 * A first node seeds the bench's world (and, for serve, its pool of pending questions) and stops;
 * a second node on the same DATA_DIR runs under `node --cpu-prof`, takes the load for --duration
 * seconds (default 10) and is stopped with SIGTERM, so it exits through the graceful shutdown and
 * V8 writes the profile. Samples before the load started (module loading, start-up) are left out
 * of the summary. The .cpuprofile (open it in Chrome DevTools) and its summary (.md) are written
 * under --out (default .tmp/prof/).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultLoadTool, runLoad, type LoadTool } from './load.js';
import { HTTP_SCENARIOS, httpScenarios, type HttpScenarioKey } from './main.js';
import { megapixelPhoto } from './photo.js';
import { cpuMs, ensureBuilt, ROOT, runMain, spawnKefu } from './processes.js';
import { formatSummary, summarize, type CpuProfile } from './profileSummary.js';
import { BENCH_WORLD, seedWorld } from './seed.js';

interface ProfileOptions {
  scenario: HttpScenarioKey;
  durationS: number;
  connections: number;
  load: LoadTool;
  outDir: string;
}

function parseArgs(argv: string[]): ProfileOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i]!.replace(/^--/, '').split('=', 2) as [string, string | undefined];
    if (!['scenario', 'duration', 'connections', 'load', 'out'].includes(name)) throw new Error(`unknown flag ${argv[i]}`);
    flags.set(name, inline ?? argv[++i] ?? '');
  }
  const scenario = flags.get('scenario') as HttpScenarioKey;
  if (!HTTP_SCENARIOS.includes(scenario)) throw new Error(`--scenario takes ${HTTP_SCENARIOS.join(', ')}`);
  const load = (flags.get('load') ?? defaultLoadTool()) as LoadTool;
  if (load !== 'wrk' && load !== 'autocannon') throw new Error('--load must be wrk or autocannon');
  return {
    scenario,
    durationS: Number(flags.get('duration') ?? 10),
    connections: Number(flags.get('connections') ?? 50),
    load,
    outDir: path.resolve(flags.get('out') ?? path.join(ROOT, '.tmp/prof')),
  };
}

async function profile(options: ProfileOptions): Promise<void> {
  ensureBuilt(console.log);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-prof-'));
  const profDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-prof-out-'));
  try {
    const seeder = await spawnKefu({ DATA_DIR: dataDir });
    const scenario = await (async () => {
      try {
        const world = await seedWorld(seeder.url, BENCH_WORLD);
        const photo = await megapixelPhoto();
        // The serve pool is sized as the bench sizes it, from an assumed 400 serves/s.
        const chosen = httpScenarios(world, seeder.url, photo, options, () => 400).find((s) => s.key === options.scenario)!;
        return { name: chosen.name, requests: await chosen.requests('kefu') };
      } finally {
        await seeder.stop();
      }
    })();
    const spawnedAt = Date.now();
    const kefu = await spawnKefu({ DATA_DIR: dataDir }, ['--cpu-prof', '--cpu-prof-dir', profDir]);
    const skipMs = Date.now() - spawnedAt;
    const cpuBefore = cpuMs(kefu.pid);
    const result = await runLoad(options.load, { url: kefu.url, requests: scenario.requests, connections: options.connections, durationS: options.durationS });
    const cpuUs = ((cpuMs(kefu.pid) - cpuBefore) * 1000) / result.requests;
    await kefu.stop();
    console.log(`${scenario.name}: ${result.rps.toFixed(0)} req/s under the profiler (${result.errors} errors), p50 ${result.p50Ms.toFixed(1)} ms, ${cpuUs.toFixed(0)} CPU µs/request`);

    const written = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
    if (written.length !== 1) throw new Error(`expected one .cpuprofile in ${profDir}, found ${written.length}`);
    mkdirSync(options.outDir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const base = path.join(options.outDir, `${options.scenario}-${stamp}`);
    const text = readFileSync(path.join(profDir, written[0]!), 'utf8');
    writeFileSync(`${base}.cpuprofile`, text);
    const summary = summarize(trimStart(JSON.parse(text) as CpuProfile, skipMs));
    const markdown = formatSummary(summary, `${scenario.name}, ${result.rps.toFixed(0)} req/s under --cpu-prof`);
    writeFileSync(`${base}.md`, markdown);
    console.log(markdown);
    console.log(`profile: ${path.relative(process.cwd(), `${base}.cpuprofile`)} (${(statSync(`${base}.cpuprofile`).size / 1e6).toFixed(1)} MB), summary ${path.relative(process.cwd(), `${base}.md`)}`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(profDir, { recursive: true, force: true });
  }
}

/** The profile without its first `skipMs` of samples (the node starting up). */
function trimStart(profile: CpuProfile, skipMs: number): CpuProfile {
  let elapsedUs = 0;
  let first = 0;
  while (first < profile.timeDeltas.length && elapsedUs + profile.timeDeltas[first]! < skipMs * 1000) elapsedUs += profile.timeDeltas[first++]!;
  return { ...profile, samples: profile.samples.slice(first), timeDeltas: profile.timeDeltas.slice(first) };
}

await runMain('kefu bench:profile', () => profile(parseArgs(process.argv.slice(2))));
