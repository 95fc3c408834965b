/**
 * Joins this node's Socket.IO server to the others through Redis (REDIS_URL). Two connections:
 * one publishes, one only subscribes (a subscribed connection can do nothing else). Losing Redis
 * never stops the node: publishes fail fast and are dropped (the node still emits to its own
 * sockets), /readyz reports `redis: down`, and both connections retry with capped, jittered
 * backoff until Redis is back.
 */
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { ReadinessCheck } from '../readiness.js';

/** Which @socket.io/redis-adapter to use; see docs/realtime.md for the measurements. */
export type AdapterKind = 'classic' | 'sharded';

export interface RedisLink {
  adapter: ReturnType<typeof createAdapter>;
  /**
   * The command (publishing) connection, for other plain commands of this node (shared rate
   * limits). It fails fast while Redis is away; never SUBSCRIBE or block on it.
   */
  client: Redis;
  readiness: ReadinessCheck;
  /** Whether both connections are ready now (the metrics gauge). */
  connected(): boolean;
  /** Called each time both connections become ready after being down (also the first time). */
  onRecovered(listener: () => void): void;
  close(): Promise<void>;
}

export interface RedisLinkOptions {
  /** @default 'classic' */
  kind?: AdapterKind;
  /** Channel prefix shared by every node of one deployment. @default 'kefu' */
  prefix?: string;
  /** How long a cross-node request (fetchSockets) waits for the other nodes. @default 3000 */
  requestsTimeoutMs?: number;
  /**
   * Verify the server certificate on rediss:// URLs. Some hosted Redis plans present a
   * self-signed certificate; REDIS_TLS_VERIFY=off accepts it (the link stays encrypted).
   * @default true
   */
  tlsVerify?: boolean;
}

/** 100 ms, 200 ms, … capped at 5 s, ±25 % so a fleet does not reconnect in lockstep. */
export function reconnectDelay(attempt: number): number {
  const base = Math.min(100 * 2 ** Math.min(attempt - 1, 6), 5000);
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

function clientOptions(url: string, role: 'pub' | 'sub', tlsVerify = true): RedisOptions {
  const tls = new URL(url).protocol === 'rediss:';
  return {
    connectionName: `kefu-${role}`,
    // rediss:// → TLS with certificate verification (ioredis reads the URL; this states it).
    ...(tls ? { tls: tlsVerify ? {} : { rejectUnauthorized: false } } : {}),
    retryStrategy: reconnectDelay,
    connectTimeout: 5000,
    // The publisher fails fast while disconnected instead of queueing without bound; the
    // subscriber's few (re)subscribe commands wait for the connection (ioredis resubscribes).
    enableOfflineQueue: role === 'sub',
    maxRetriesPerRequest: role === 'pub' ? 1 : null,
    // Dead-peer detection on idle connections (a subscriber mostly just listens).
    keepAlive: 10_000,
  };
}

export async function connectRedis(url: string, logger: Logger, options: RedisLinkOptions = {}): Promise<RedisLink> {
  const kind = options.kind ?? 'classic';
  const prefix = options.prefix ?? 'kefu';
  const pub = new Redis(url, clientOptions(url, 'pub', options.tlsVerify));
  const sub = new Redis(url, clientOptions(url, 'sub', options.tlsVerify));
  const recovered: Array<() => void> = [];
  // Down until first connected: sockets accepted before Redis ever answered missed the other nodes too.
  let down = true;
  let everReady = false;
  let closing = false;

  for (const [role, client] of [['pub', pub], ['sub', sub]] as const) {
    client.on('error', (error: Error) => {
      if (!down) logger.warn({ err: error, role }, 'redis connection error');
    });
    client.on('close', () => {
      if (!down && !closing) logger.warn({ role }, 'redis connection lost; serving this node only until it returns');
      down = true;
    });
    client.on('ready', () => {
      if (pub.status !== 'ready' || sub.status !== 'ready' || !down) return;
      down = false;
      if (everReady) logger.info('redis connection back');
      everReady = true;
      for (const listener of recovered) listener();
    });
  }

  // A publish that fails while Redis is away must not become an unhandled rejection: the adapter
  // does not await it. The local part of every emit has already happened.
  const publish = pub.publish.bind(pub);
  pub.publish = ((channel: string, message: string | Buffer) =>
    publish(channel, message).catch(() => 0)) as typeof pub.publish;
  const spublish = pub.spublish.bind(pub);
  pub.spublish = ((channel: string, message: string | Buffer) =>
    spublish(channel, message).catch(() => 0)) as typeof pub.spublish;

  await waitReady([pub, sub], 10_000).catch(() =>
    logger.warn('redis not reachable at start; serving this node only until it is'),
  );

  const adapter =
    kind === 'sharded'
      ? createShardedAdapter(pub, sub, { channelPrefix: prefix, subscriptionMode: 'dynamic' })
      : createAdapter(pub, sub, { key: prefix, requestsTimeout: options.requestsTimeoutMs ?? 3000 });

  return {
    adapter: adapter as ReturnType<typeof createAdapter>,
    client: pub,
    readiness: {
      name: 'redis',
      check: async () => {
        if (sub.status !== 'ready') throw new Error('redis subscriber not ready');
        await pub.ping();
      },
    },
    connected: () => pub.status === 'ready' && sub.status === 'ready',
    onRecovered: (listener) => recovered.push(listener),
    async close() {
      closing = true;
      // QUIT politely when connected; a link that is down is just dropped.
      const quits = [pub, sub].filter((c) => c.status === 'ready').map((c) => c.quit());
      await Promise.race([Promise.allSettled(quits), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      pub.disconnect();
      sub.disconnect();
    },
  };
}

function waitReady(clients: Redis[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
    const check = () => {
      if (clients.every((c) => c.status === 'ready')) {
        clearTimeout(timer);
        for (const c of clients) c.off('ready', check);
        resolve();
      }
    };
    for (const c of clients) c.on('ready', check);
    check();
  });
}
