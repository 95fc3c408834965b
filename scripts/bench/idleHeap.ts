/**
 * `npx tsx scripts/bench/idleHeap.ts [--sockets n] [--floor]`: what one idle socket holds on the
 * JS heap, by object kind. Starts kefu (built, as the Procfile runs it; or the bare Socket.IO floor)
 * with `--heapsnapshot-signal`, takes a heap snapshot, opens `n` idle sockets (default 2,000) as the
 * idle-sockets scenario does, takes another, and prints the difference per socket: the kinds of
 * objects (by V8 type and constructor) that grew, biggest first. A snapshot collects garbage first,
 * so what it lists is live. For reading, like the bench: nothing asserts on it (docs/performance.md).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureBuilt, killAll, ROOT, runScript, spawnFloor, spawnKefu, type ServerProcess } from './processes.js';
import { seedApp, sessionsOf } from './seed.js';
import type { IdleInput } from './socketClient.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Self sizes and counts by "type name" (strings and code lumped together). */
function tally(file: string): Map<string, { count: number; bytes: number }> {
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const [type, name, size] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field)) as [number, number, number];
  const kinds = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    const kind = types[snapshot.nodes[i + type]!]!;
    const label = kind.includes('string') ? '(strings)' : kind === 'code' ? '(compiled code)' : snapshot.strings[snapshot.nodes[i + name]!]!.slice(0, 60);
    const key = `${kind} ${label}`;
    const entry = kinds.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += snapshot.nodes[i + size]!;
    kinds.set(key, entry);
  }
  return kinds;
}

/** Signals the server and waits until its new snapshot file is complete; returns its path. */
async function snapshot(server: ServerProcess): Promise<string> {
  const before = new Set(readdirSync(ROOT));
  process.kill(server.pid, 'SIGUSR2');
  for (;;) {
    await sleep(1000);
    const file = readdirSync(ROOT).find((name) => name.endsWith('.heapsnapshot') && !before.has(name));
    if (!file) continue;
    const full = path.join(ROOT, file);
    let size = -1;
    // Written in pieces: done when the size holds and the JSON is closed.
    while (statSync(full).size !== size || !readFileSync(full).subarray(-8).toString().includes('}')) {
      size = statSync(full).size;
      await sleep(1500);
    }
    return full;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sockets = Number(args[args.indexOf('--sockets') + 1] ?? 2000) || 2000;
  const floor = args.includes('--floor');
  ensureBuilt(console.log);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-idle-heap-'));
  const seeder = await spawnKefu({ DATA_DIR: dataDir });
  const sessions = await sessionsOf(seeder.url, await seedApp(seeder.url, 'idle-heap'), sockets).finally(() => seeder.stop());
  // Both servers (and the idle clients, harmlessly) inherit it.
  process.env.NODE_OPTIONS = '--heapsnapshot-signal=SIGUSR2';
  const server = floor ? await spawnFloor() : await spawnKefu({ DATA_DIR: dataDir });
  const files: string[] = [];
  try {
    await sleep(2000);
    files.push(await snapshot(server));
    const half = Math.ceil(sessions.length / 2);
    const clients = [sessions.slice(0, half), sessions.slice(half)].map((part) =>
      runScript<{ connected: number }>('socketClient.ts', { mode: 'idle', url: server.url, sessions: part } satisfies IdleInput),
    );
    await Promise.all(clients.map((client) => client.ready));
    await sleep(3000);
    files.push(await snapshot(server));
    for (const client of clients) client.tell('stop');
    await Promise.all(clients.map((client) => client.result));
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const [before, after] = files.map(tally) as [ReturnType<typeof tally>, ReturnType<typeof tally>];
  const grown = [...after].map(([key, { count, bytes }]) => ({ key, count: (count - (before.get(key)?.count ?? 0)) / sockets, bytes: (bytes - (before.get(key)?.bytes ?? 0)) / sockets }));
  grown.sort((a, b) => b.bytes - a.bytes);
  const total = grown.reduce((sum, row) => sum + row.bytes, 0);
  console.log(`\n${floor ? 'bare Socket.IO' : 'kefu'}: JS heap per idle socket at ${sockets} sockets: ${total.toFixed(0)} bytes`);
  console.log('| bytes | objects | kind |\n| ---: | ---: | --- |');
  for (const row of grown.slice(0, 30)) console.log(`| ${row.bytes.toFixed(0)} | ${row.count.toFixed(2)} | ${row.key} |`);
  for (const file of files) rmSync(file, { force: true });
}

main().catch((error) => {
  console.error(error);
  killAll();
  process.exit(1);
});
