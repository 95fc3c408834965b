/**
 * Socket.IO clients in a process of their own, so the load never runs in a server's process.
 * Input: FanOutInput or IdleInput (readInput); output: "RESULT <JSON>".
 *
 * fanout: every subscriber socket (on `subscribeUrl`, or half of them on `remoteUrl`) sends question:subscribe; a sender socket (on
 * `sendUrl`, the serving agent's session) sends message:send_text. Latency is taken from the emit
 * to each subscriber's message:new, one send at a time; throughput keeps `inFlight` sends
 * outstanding and counts deliveries per second until every subscriber has every message.
 * idle: connects every socket, prints "READY <n>", and holds them until stdin says "stop".
 */
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import { readInput } from './processes.js';

export interface FanOutInput {
  mode: 'fanout';
  subscribeUrl: string;
  /** When set, every second subscriber connects here instead (cross-node: the other node). */
  remoteUrl?: string;
  sendUrl: string;
  sessions: string[];
  senderSession: string;
  questionId: string;
  latencySends: number;
  throughputSends: number;
  inFlight: number;
}

export interface FanOutResult {
  subscribers: number;
  latency: { sends: number; deliveries: number; missing: number; p50Ms: number; p99Ms: number; maxMs: number } | null;
  /**
   * With remoteUrl: the same sends seen by both halves. `local`/`remote` are each half's latency;
   * `addedMs` is, per send, the remote half's median arrival minus the local half's.
   */
  split: { local: { p50Ms: number; p99Ms: number }; remote: { p50Ms: number; p99Ms: number }; addedMs: { p50Ms: number; p99Ms: number } } | null;
  throughput: { sends: number; deliveries: number; missing: number; deliveriesPerS: number } | null;
}

export interface IdleInput {
  mode: 'idle';
  url: string;
  sessions: string[];
}

const WAIT_MS = 15_000;

function connect(url: string, session: string): Promise<Socket> {
  const socket = io(url, { auth: { session }, transports: ['websocket'], forceNew: true, reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => reject(new Error(`connect ${url}: ${error.message}`)));
  });
}

/** Connects `sessions.length` sockets, `batch` handshakes at a time. */
async function connectAll(url: string, sessions: string[], batch = 50): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < sessions.length; i += batch) sockets.push(...(await Promise.all(sessions.slice(i, i + batch).map((s) => connect(url, s)))));
  return sockets;
}

const ack = <T>(socket: Socket, event: string, payload: unknown) =>
  socket.timeout(WAIT_MS).emitWithAck(event, payload) as Promise<T>;

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN);

async function fanOut(input: FanOutInput): Promise<FanOutResult> {
  const remoteSessions = input.remoteUrl ? input.sessions.filter((_, i) => i % 2 === 1) : [];
  const localSessions = input.remoteUrl ? input.sessions.filter((_, i) => i % 2 === 0) : input.sessions;
  const locals = await connectAll(input.subscribeUrl, localSessions);
  const remotes = input.remoteUrl ? await connectAll(input.remoteUrl, remoteSessions) : [];
  const subscribers = [...locals, ...remotes];
  await Promise.all(
    subscribers.map(async (s) => {
      const reply = await ack<{ status: number }>(s, 'question:subscribe', { question_id: input.questionId });
      if (reply.status !== 200) throw new Error(`question:subscribe: ${JSON.stringify(reply)}`);
    }),
  );
  const sender = await connect(input.sendUrl, input.senderSession);
  // Arrivals by message text ("<phase> <i>"), counted and timed at every subscriber.
  const arrivals = new Map<string, number>();
  let onArrival: (key: string, at: number, remote: boolean) => void = () => {};
  subscribers.forEach((s, i) => {
    const remote = i >= locals.length;
    s.on('message:new', (payload: { message: { text?: string } }) => {
      const key = payload.message.text;
      if (key === undefined) return;
      const at = performance.now();
      arrivals.set(key, (arrivals.get(key) ?? 0) + 1);
      onArrival(key, at, remote);
    });
  });
  const n = subscribers.length;
  const send = async (key: string) => {
    const reply = await ack<{ status: number }>(sender, 'message:send_text', { question_id: input.questionId, text: key });
    if (reply.status !== 200) throw new Error(`message:send_text: ${JSON.stringify(reply)}`);
  };

  let latency: FanOutResult['latency'] = null;
  let split: FanOutResult['split'] = null;
  if (input.latencySends > 0) {
    const samples: number[] = [];
    const halves = { local: [] as number[], remote: [] as number[] };
    const added: number[] = [];
    let missing = 0;
    for (let i = 0; i < input.latencySends; i++) {
      const key = `latency ${i}`;
      const sentAt = performance.now();
      const thisSend = { local: [] as number[], remote: [] as number[] };
      const all = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, WAIT_MS);
        onArrival = (got, at, remote) => {
          if (got !== key) return;
          samples.push(at - sentAt);
          thisSend[remote ? 'remote' : 'local'].push(at - sentAt);
          if (arrivals.get(key) === n) {
            clearTimeout(timer);
            resolve();
          }
        };
      });
      await send(key);
      await all;
      missing += n - (arrivals.get(key) ?? 0);
      if (thisSend.local.length && thisSend.remote.length) {
        for (const side of ['local', 'remote'] as const) thisSend[side].sort((a, b) => a - b);
        added.push(percentile(thisSend.remote, 0.5) - percentile(thisSend.local, 0.5));
      }
      halves.local.push(...thisSend.local);
      halves.remote.push(...thisSend.remote);
    }
    samples.sort((a, b) => a - b);
    if (input.remoteUrl) {
      const of = (values: number[]) => {
        values.sort((a, b) => a - b);
        return { p50Ms: percentile(values, 0.5), p99Ms: percentile(values, 0.99) };
      };
      split = { local: of(halves.local), remote: of(halves.remote), addedMs: of(added) };
    }
    latency = { sends: input.latencySends, deliveries: samples.length, missing, p50Ms: percentile(samples, 0.5), p99Ms: percentile(samples, 0.99), maxMs: samples.at(-1) ?? NaN };
  }

  let throughput: FanOutResult['throughput'] = null;
  if (input.throughputSends > 0) {
    const expected = input.throughputSends * n;
    let delivered = 0;
    let lastAt = 0;
    const startedAt = performance.now();
    const all = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, WAIT_MS * 2);
      onArrival = (key, at) => {
        if (!key.startsWith('burst ')) return;
        delivered++;
        lastAt = at;
        if (delivered === expected) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    let next = 0;
    const window = async () => {
      while (next < input.throughputSends) await send(`burst ${next++}`);
    };
    await Promise.all(Array.from({ length: input.inFlight }, window));
    await all;
    throughput = { sends: input.throughputSends, deliveries: delivered, missing: expected - delivered, deliveriesPerS: delivered / ((lastAt - startedAt) / 1000) };
  }
  sender.close();
  for (const s of subscribers) s.close();
  return { subscribers: n, latency, split, throughput };
}

async function idle(input: IdleInput): Promise<{ connected: number }> {
  const sockets = await connectAll(input.url, input.sessions);
  process.stdout.write(`READY ${sockets.length}\n`);
  await new Promise<void>((resolve) => process.stdin.on('data', (chunk: Buffer) => chunk.toString().includes('stop') && resolve()));
  const connected = sockets.filter((s) => s.connected).length;
  for (const s of sockets) s.close();
  return { connected };
}

const input = readInput<FanOutInput | IdleInput>();
const result = input.mode === 'fanout' ? await fanOut(input) : await idle(input);
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
process.exit(0);
