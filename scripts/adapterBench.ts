/**
 * `npx tsx scripts/adapterBench.ts [--clients 300] [--emits 5000]`: compares the classic and the
 * sharded @socket.io/redis-adapter on a Redis 7 started here (or REDIS_URL), through the same
 * connectRedis() kefu uses. Two bare Socket.IO nodes; every client sits on node B in its own room
 * (like kefu's user/device rooms); node A emits. Measures cross-node throughput (room emits per
 * second until all arrived), one-by-one latency (p50/p99), cross-node fetchSockets() latency, and
 * how many Pub/Sub channels each holds. Numbers are for comparing rows on one machine.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { Redis } from 'ioredis';
import { createLogger } from '../server/logger.js';
import { connectRedis, type AdapterKind } from '../server/realtime/redis.js';
import { startRedis } from '../test/support/redis.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CLIENTS = arg('clients', 300);
const EMITS = arg('emits', 5000);
const LATENCY_SAMPLES = 300;

const logger = createLogger('silent');
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function node(url: string, kind: AdapterKind) {
  const httpServer = http.createServer();
  const io = new Server(httpServer);
  const link = await connectRedis(url, logger, { kind, prefix: `bench-${kind}` });
  io.adapter(link.adapter);
  io.on('connection', (socket) => void socket.join(`user:${socket.handshake.auth.n}`));
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const port = (httpServer.address() as AddressInfo).port;
  return {
    io,
    url: `http://127.0.0.1:${port}`,
    async close() {
      io.local.disconnectSockets(true);
      await io.of('/').adapter.close();
      io.engine.close();
      await link.close();
      httpServer.close();
    },
  };
}

async function run(url: string, kind: AdapterKind) {
  const a = await node(url, kind);
  const b = await node(url, kind);
  const clients: Socket[] = [];
  // Each emit carries [phase, i]; only the current phase counts, so stragglers of a phase never do.
  let phase = 0;
  let received = 0;
  let onReceive: ((i: number) => void) | null = null;
  for (let n = 0; n < CLIENTS; n++) {
    const c = connect(b.url, { auth: { n }, transports: ['websocket'], forceNew: true });
    c.on('m', ([p, i]: [number, number]) => {
      if (p !== phase) return;
      received++;
      onReceive?.(i);
    });
    clients.push(c);
  }
  await Promise.all(clients.map((c) => new Promise<void>((r) => (c.connected ? r() : c.once('connect', () => r())))));
  // Let dynamic subscriptions (one channel per room, sharded) settle: wait until one emit per room arrives.
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      if (received >= CLIENTS) {
        clearInterval(tick);
        return resolve();
      }
      phase++;
      received = 0;
      for (let n = 0; n < CLIENTS; n++) a.io.to(`user:${n}`).emit('m', [phase, n]);
    }, 300);
  });

  // Throughput: EMITS room emits from A, to rooms on B, until all arrived.
  phase++;
  received = 0;
  const start = performance.now();
  const done = new Promise<void>((resolve) => (onReceive = () => received >= EMITS && resolve()));
  for (let i = 0; i < EMITS; i++) a.io.to(`user:${i % CLIENTS}`).emit('m', [phase, i]);
  await done;
  const throughput = Math.round(EMITS / ((performance.now() - start) / 1000));

  // Latency: one emit at a time.
  const samples: number[] = [];
  phase++;
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const t = performance.now();
    await new Promise<void>((resolve) => {
      onReceive = (got) => got === i && resolve();
      a.io.to(`user:${i % CLIENTS}`).emit('m', [phase, i]);
    });
    samples.push(performance.now() - t);
  }
  samples.sort((x, y) => x - y);

  // fetchSockets() for one room, asked on A, the socket on B (kefu's presence check).
  const fetches: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    const found = await a.io.in(`user:${i % CLIENTS}`).fetchSockets();
    if (found.length !== 1) throw new Error(`fetchSockets found ${found.length}`);
    fetches.push(performance.now() - t);
  }
  fetches.sort((x, y) => x - y);

  const probe = new Redis(url);
  const channels = kind === 'sharded' ? await probe.call('PUBSUB', 'SHARDCHANNELS', `bench-${kind}*`) : await probe.call('PUBSUB', 'CHANNELS', `bench-${kind}*`);
  const patterns = await probe.call('PUBSUB', 'NUMPAT');
  probe.disconnect();

  for (const c of clients) c.close();
  await a.close();
  await b.close();
  return {
    adapter: kind,
    'emits/s': throughput,
    'latency p50 ms': +pct(samples, 0.5).toFixed(2),
    'latency p99 ms': +pct(samples, 0.99).toFixed(2),
    'fetchSockets p50 ms': +pct(fetches, 0.5).toFixed(2),
    'fetchSockets p99 ms': +pct(fetches, 0.99).toFixed(2),
    channels: (channels as unknown[]).length,
    patterns: Number(patterns),
  };
}

const own = process.env.REDIS_URL ? null : await startRedis();
const url = process.env.REDIS_URL ?? own!.url;
const rows = [];
for (const kind of ['classic', 'sharded', 'classic', 'sharded', 'classic', 'sharded'] as const) rows.push(await run(url, kind));
console.log(`${CLIENTS} clients on node B, one room each; ${EMITS} emits from node A`);
console.table(rows);
await own?.stop();
process.exit(0);
