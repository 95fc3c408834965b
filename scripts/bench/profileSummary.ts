/**
 * `tsx scripts/bench/profileSummary.ts <file.cpuprofile> [--top n]`: where a V8 CPU profile
 * (`node --cpu-prof`) spent its time, as shares of the sampled time, by self time and by inclusive
 * time, per module and per function. Shares, not milliseconds, are what compare between runs on a
 * shared machine.
 *
 * A module is a kefu source file (`server/http/session`), an npm package (`express`), a Node core
 * file (`node:_http_server`) or one of V8's pseudo-frames: `(garbage collector)`, `(program)` (V8
 * and native work outside any JS frame), `(idle)`. A native function called from JS (better-sqlite3's
 * `all`, `JSON.stringify`, a regex) has no URL of its own and counts as `native ← <caller's module>`,
 * so SQLite work shows up under the store file that ran the statement.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

/** The JSON that `--cpu-prof` writes. */
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** One line of a summary: a name and its share of the sampled time (0..1). */
export interface Share {
  name: string;
  share: number;
}

export interface ProfileSummary {
  sampledMs: number;
  /** Time outside `(idle)`: what the shares of `busy*` are relative to. */
  busyMs: number;
  selfByModule: Share[];
  inclusiveByModule: Share[];
  selfByFunction: Share[];
  inclusiveByFunction: Share[];
}

const PSEUDO = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

/** The module a frame belongs to, before natives are attributed to their caller. */
function moduleOfUrl(url: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first, second] = url.slice(modules + '/node_modules/'.length).split('/');
    return first!.startsWith('@') ? `${first}/${second}` : first!;
  }
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:');
  const dist = /\/dist\/(.*?)(\.js)?$/.exec(url);
  if (dist) return dist[1]!;
  return url.replace(/^file:\/\//, '');
}

/** Summarises a profile: shares of the busy (non-idle) time. */
export function summarize(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const moduleOf = new Map<number, string>();
  const functionOf = new Map<number, string>();
  const resolve = (id: number): string => {
    const known = moduleOf.get(id);
    if (known !== undefined) return known;
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    let module: string;
    let fn: string;
    if (PSEUDO.has(functionName) && !url) {
      module = functionName;
      fn = functionName;
    } else if (!url) {
      const up = parent.get(id);
      const caller = up === undefined ? '(root)' : resolve(up);
      module = `native ← ${caller.replace(/^native ← /, '')}`;
      fn = `${functionName || '(anonymous)'} [native ← ${caller.replace(/^native ← /, '')}]`;
    } else {
      module = moduleOfUrl(url);
      fn = `${functionName || '(anonymous)'} ${module}:${lineNumber + 1}`;
    }
    moduleOf.set(id, module);
    functionOf.set(id, fn);
    return module;
  };

  const self = { module: new Map<string, number>(), fn: new Map<string, number>() };
  const inclusive = { module: new Map<string, number>(), fn: new Map<string, number>() };
  const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
  let sampledUs = 0;
  let idleUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i] is the time since the previous sample; the next delta is this sample's span.
    const us = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0;
    const leaf = profile.samples[i]!;
    sampledUs += us;
    const leafModule = resolve(leaf);
    if (leafModule === '(idle)') {
      idleUs += us;
      continue;
    }
    add(self.module, leafModule, us);
    add(self.fn, functionOf.get(leaf)!, us);
    const modules = new Set<string>();
    const fns = new Set<string>();
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const module = resolve(id);
      if (module === '(root)') continue;
      modules.add(module);
      fns.add(functionOf.get(id)!);
    }
    for (const module of modules) add(inclusive.module, module, us);
    for (const fn of fns) add(inclusive.fn, fn, us);
  }
  const busyUs = sampledUs - idleUs;
  const ranked = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, share: busyUs > 0 ? us / busyUs : 0 }));
  return {
    sampledMs: sampledUs / 1000,
    busyMs: busyUs / 1000,
    selfByModule: ranked(self.module),
    inclusiveByModule: ranked(inclusive.module),
    selfByFunction: ranked(self.fn),
    inclusiveByFunction: ranked(inclusive.fn),
  };
}

/** The summary as Markdown tables (percent of busy time). */
export function formatSummary(summary: ProfileSummary, title: string): string {
  const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
  const table = (heading: string, rows: Share[]) =>
    [`| ${heading} | share of busy time |`, '| --- | --- |', ...rows.map((r) => `| \`${r.name.replace(/\|/g, '\\|')}\` | ${pct(r.share)} |`)].join('\n');
  return [
    `### ${title}`,
    '',
    `Sampled ${(summary.sampledMs / 1000).toFixed(1)} s, busy (not idle) ${(summary.busyMs / 1000).toFixed(1)} s.`,
    '',
    table('module, self time', summary.selfByModule),
    '',
    table('module, inclusive time', summary.inclusiveByModule),
    '',
    table('function, self time', summary.selfByFunction),
    '',
    table('function, inclusive time', summary.inclusiveByFunction),
    '',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 25;
  if (args.length !== 1 || !Number.isFinite(top)) {
    process.stderr.write('usage: tsx scripts/bench/profileSummary.ts <file.cpuprofile> [--top n]\n');
    process.exit(2);
  }
  const file = args[0]!;
  process.stdout.write(formatSummary(summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top), path.basename(file)));
}
