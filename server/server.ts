/**
 * Assembles one kefu node: store, domain events, the Express app and the HTTP server on one port.
 * main.ts runs it for real; tests run as many as they like on port 0.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import type { Config } from './config.js';
import { systemClock, type Deps } from './deps.js';
import { ActorCache, type ActorCacheOptions } from './domain/actorCache.js';
import { DomainEvents } from './domain/events.js';
import { LocalRateCounter } from './rateLimits/index.js';
import { RedisRateCounter } from './rateLimits/redisCounter.js';
import type { ReadinessCheck } from './readiness.js';
import { startJobs, type Jobs, type JobsOptions } from './jobs/index.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics/index.js';
import { withOperationTimings } from './metrics/storeTimings.js';
import { localPresence } from './realtime/agentPresence.js';
import { attachRealtime, type Realtime, type RealtimeOptions } from './realtime/index.js';
import { connectRedis } from './realtime/redis.js';
import { redisPresence } from './realtime/redisPresence.js';
import { openStore } from './stores/index.js';
import type { Store } from './stores/types.js';

export interface StartOptions {
  logger?: Logger;
  now?: () => number;
  /** Use this store instead of opening one from the config (store contract tests). */
  store?: Store;
  /** Job knobs for tests (see JobsOptions.deliver). */
  jobs?: Pick<JobsOptions, 'deliver' | 'autoAssignSweepMs' | 'webhookBackoffBaseS'>;
  /** Test-only crash drills: block the process right after a write whose event has this type commits (see DomainEvents). */
  holdAfterCommit?: string;
  /** Real-time knobs (adapter kind, socket flood limit) for tests and benchmarks. */
  realtime?: Omit<RealtimeOptions, 'rateCounter' | 'metrics' | 'redis' | 'presence'>;
  /** Where the built web pages are (tests point it at a missing folder). @default dist/web */
  webRoot?: string;
  /** Actor cache knobs (tests that must see the change feed, not expiry, empty it). */
  actorCache?: ActorCacheOptions;
}

export interface RunningServer {
  url: string;
  port: number;
  deps: Deps;
  httpServer: http.Server;
  /** Timeout sweeper and push delivery of this node. */
  jobs: Jobs;
  /** Socket.IO server, presence and Redis link of this node. */
  realtime: Realtime;
  /**
   * Graceful stop (SIGTERM): stops listening (new connections are refused), closes socket
   * transports so clients reconnect to another node, lets requests in flight finish with their
   * reply (at most 15 s), finishes the push delivery round in flight (undelivered entries
   * stay in the outbox), then leaves Redis and closes the store.
   */
  close(): Promise<void>;
}

/** Longest wait for requests in flight at shutdown; the rest of the stop fits in Heroku's 30 s. */
const DRAIN_MS = 15_000;

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  // One registry per node (never a global one), and only with METRICS_TOKEN: off costs nothing.
  const metrics = config.metricsToken ? createMetrics() : undefined;
  const opened = options.store ?? (await openStore(config));
  const store = metrics ? withOperationTimings(opened, metrics) : opened;
  const events = new DomainEvents({ holdAfterCommit: options.holdAfterCommit });
  events.onListenerError((error) => logger.error({ err: error }, 'domain event listener failed'));
  const actors = new ActorCache(options.actorCache);
  // Changes made on this node empty the cache before their command answers; the change feed
  // (realtime/changeFeed.ts) does the same for changes made elsewhere.
  events.subscribe((event) => {
    if (event.type === 'accounts.changed') actors.forget(event.changes);
  });
  // Redis first: presence lives there when it is set, and commands ask presence through deps.
  const redis = config.redisUrl
    ? await connectRedis(config.redisUrl, logger, { kind: options.realtime?.adapter, tlsVerify: config.redisTlsVerify })
    : undefined;
  const presence = redis ? redisPresence(redis.client, { nodeId: randomUUID() }) : localPresence();
  const deps: Deps = { config, store, events, logger, actors, now: options.now ?? systemClock, presence };
  metrics?.follow(events);

  // With REDIS_URL the limits are shared through Redis (in memory while it is away), else in memory.
  const redisCounter = config.rateLimits && config.redisUrl ? new RedisRateCounter({ logger }) : null;
  const rateCounter = redisCounter ?? (config.rateLimits ? new LocalRateCounter() : null);
  // Filled once real time is attached (Redis joins /readyz); read at each request.
  const readinessChecks: ReadinessCheck[] = [];
  const app = createApp(deps, { rateCounter, readinessChecks, webRoot: options.webRoot, metrics });
  const httpServer = http.createServer(app);
  const realtime = await attachRealtime(httpServer, deps, { ...options.realtime, rateCounter, metrics, redis, presence });
  metrics?.readFrom({ store, socketsConnected: () => realtime.io.of('/').sockets.size, redisConnected: realtime.redisConnected });
  readinessChecks.push(...realtime.readinessChecks);
  if (realtime.redisClient) redisCounter?.attach(realtime.redisClient);
  // Longer than common load balancer idle timeouts, so the balancer closes idle connections first.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  httpServer.requestTimeout = 120_000;

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // A busy port: release what was opened (Redis, a store of our own) before reporting it.
    await realtime.close();
    if (!options.store) await store.close();
    throw error;
  }
  const port = (httpServer.address() as AddressInfo).port;
  const jobs = startJobs(deps, { ...options.jobs, presence: realtime.presence, metrics });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const drained = drain(httpServer, DRAIN_MS);
      realtime.handOff();
      await drained;
      await jobs.stop();
      await realtime.close();
      await store.close();
    })());

  return { url: `http://127.0.0.1:${port}`, port, deps, httpServer, jobs, realtime, close };
}

/**
 * Stops listening and resolves once every connection has ended. Requests already accepted get
 * their normal reply, with `Connection: close` so keep-alive clients go elsewhere next time; idle
 * connections are closed as they appear; after `graceMs` the rest are cut.
 */
function drain(httpServer: http.Server, graceMs: number): Promise<void> {
  httpServer.prependListener('request', (_req, res) => res.setHeader('connection', 'close'));
  return new Promise<void>((resolve) => {
    const sweep = setInterval(() => httpServer.closeIdleConnections(), 100);
    // A socket whose peer never answers the close is not waited for either.
    const cut = setTimeout(() => {
      clearInterval(sweep);
      httpServer.closeAllConnections();
      resolve();
    }, graceMs);
    httpServer.close(() => {
      clearInterval(sweep);
      clearTimeout(cut);
      resolve();
    });
    httpServer.closeIdleConnections();
  });
}
