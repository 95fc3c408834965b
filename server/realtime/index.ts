/**
 * attachRealtime(httpServer, deps): the Socket.IO server on the HTTP server's port, contract in
 * the "Real time" section of docs/api.md. Handshake auth by device session; every socket joins
 * its user and device rooms, a bound agent's also its agent room and one queue room per app.
 * With REDIS_URL the node joins the others through the Redis adapter.
 */
import type { EventEmitter } from 'node:events';
import { ServerResponse, type Server as HttpServer } from 'node:http';
import type { Redis } from 'ioredis';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { Server } from 'socket.io';
import { HANDSHAKE_ERROR, watchHandshake } from '../../shared/events.js';
import type { WatchRoom } from '../../shared/rooms.js';
import { ApiError } from '../../shared/errors.js';
import { sessionToken } from '../../shared/schemas/common.js';
import { corsOrigin } from '../corsOrigins.js';
import type { Deps } from '../deps.js';
import { sessionTtlOf, type Actor } from '../domain/actor.js';
import type { Metrics } from '../metrics/index.js';
import type { RateCounter } from '../rateLimits/index.js';
import type { ReadinessCheck } from '../readiness.js';
import { baseUrlFrom } from '../origin.js';
import { resolveActor } from '../domain/actor.js';
import { authorizeWatch, watchRoomsOf } from '../domain/policies.js';
import { parseInput } from '../input.js';
import { startChangeFeed, type ChangeFeed } from './changeFeed.js';
import { roomsFor, type KefuServer } from './deviceRooms.js';
import { startLiveSessions, type LiveSessions } from './liveSessions.js';
import { socketOrigins } from './origins.js';
import { socketHandlers, type KefuSocket } from './handlers.js';
import { socketPresence, type Presence } from './presence.js';
import { startPublisher } from './publisher.js';
import type { AdapterKind, RedisLink } from './redis.js';
import { trackPresence, type PresenceBackend, type PresenceTracker } from './agentPresence.js';

export interface RealtimeOptions {
  /** REST's counter, shared so socket sends count against the same per-session send limit. */
  rateCounter: RateCounter | null;
  /** The node's link to Redis when REDIS_URL is set (the realtime part closes it). */
  redis?: RedisLink;
  /** Where agents' presence lives; this node tells it which agents have a socket here. */
  presence: PresenceBackend;
  /** How often this node refreshes its presence heartbeat. @default PRESENCE_HEARTBEAT_MS */
  presenceHeartbeatMs?: number;
  /** @default 'classic' (docs/realtime.md has the measurements) */
  adapter?: AdapterKind;
  /**
   * Events one connection may send per window; one more disconnects it. Off with RATE_LIMITS=off.
   * @default { limit: 100, windowS: 10 }
   */
  socketEventLimit?: { limit: number; windowS: number };
  /** Question rooms one socket may follow. @default 200 */
  maxSubscriptions?: number;
  /** This node's metrics (METRICS_TOKEN set): the publisher counts what it emits. */
  metrics?: Metrics;
}

export interface Realtime {
  io: KefuServer;
  presence: Presence;
  /** This node's tail of the change feed (re-homes its sockets after provisioning changes). */
  changeFeed: ChangeFeed;
  /** Keeps sessions with an idle TTL alive while their sockets are open; disconnects expired ones. */
  liveSessions: LiveSessions;
  /** Tells the presence backend which agents have a socket on this node. */
  presenceTracker: PresenceTracker;
  /** `redis` when REDIS_URL is set; /readyz answers 503 while it fails. */
  readinessChecks: ReadinessCheck[];
  /** The node's Redis command connection when REDIS_URL is set (shared rate limits reuse it). */
  redisClient?: Redis;
  /** Whether both Redis connections are ready; absent without REDIS_URL. */
  redisConnected?: () => boolean;
  /**
   * First step of a graceful shutdown: closes every client's transport without a disconnect
   * packet, so socket.io clients see `transport close` and reconnect by themselves — to another
   * node, as this one has stopped listening. Redis stays joined for the requests still in flight.
   */
  handOff(): void;
  /** Disconnects this node's sockets and leaves Redis; the HTTP server is the caller's to close. */
  close(): Promise<void>;
}

export const SOCKET_EVENT_LIMIT = { limit: 100, windowS: 10 };

export async function attachRealtime(httpServer: HttpServer, deps: Deps, options: RealtimeOptions): Promise<Realtime> {
  const { config, logger } = deps;
  const io: KefuServer = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: 1_000_000,
    // Heroku's router cuts a connection idle for 55 s; a ping every 25 s keeps it busy.
    pingInterval: 25_000,
    pingTimeout: 20_000,
    cors: config.corsOrigins.length ? { origin: corsOrigin(config.corsOrigins) } : undefined,
  });

  const redis = options.redis;
  if (redis) {
    io.adapter(redis.adapter);
    // Broadcasts from other nodes were lost while the link was down: make this node's clients
    // reconnect (closing the transport, so they do it by themselves) and catch up over REST.
    redis.onRecovered(() => {
      for (const socket of io.of('/').sockets.values()) socket.conn.close();
    });
  }

  // Engine.io answers a WebSocket upgrade through a stand-in response that keeps the request for
  // the connection's life, and the raw socket keeps the response (a listener re-emits its "close");
  // noted here so releaseRequest can cut both.
  io.engine.use((req: object, res: object, next: () => void) => {
    if (!(res instanceof ServerResponse)) upgradeResponses.set(req, standInOf(res as UpgradeResponse));
    next();
  });

  const changeFeed = await startChangeFeed(io, deps);
  const origins = socketOrigins();
  const publisher = startPublisher(io, deps, { changeFeed, origins, metrics: options.metrics });
  // The token stays in this node's memory, for the handlers (socket.data travels between nodes).
  const handshakes = new WeakMap<object, { actor: Actor; token: string } | { watch: WatchRoom[] }>();

  io.use(async (socket, next) => {
    const auth = socket.handshake.auth as Record<string, unknown> | undefined;
    const watching = auth !== undefined && 'admin_token' in auth;
    const parsed = sessionToken.safeParse(auth?.session);
    const watchAuth = watching ? { admin_token: auth.admin_token, identifies: auth.identifies } : undefined;
    // Secrets stay on this node: fetchSockets() ships the handshake to other nodes.
    if (auth) {
      delete auth.session;
      delete auth.admin_token;
    }
    try {
      if (watchAuth) {
        handshakes.set(socket, { watch: await watchRoomsOfHandshake(deps, watchAuth) });
        return next();
      }
      if (!parsed.success) throw new ApiError('session_invalid', 'missing or malformed session');
      handshakes.set(socket, { actor: await resolveActor(deps, parsed.data), token: parsed.data });
      next();
    } catch (error) {
      const code = error instanceof ApiError ? error.code : 'internal';
      if (code === 'internal') logger.error({ err: error }, 'socket handshake failed');
      const refusal = new Error(code === 'session_invalid' ? HANDSHAKE_ERROR : code) as Error & { data: unknown };
      // A watch refusal says why (the operator reads it in a terminal); it never echoes the token.
      refusal.data = watchAuth && error instanceof ApiError && code !== 'internal' ? { error: code, debug: error.message } : { error: refusal.message };
      next(refusal);
    }
  });

  const eventLimit = options.rateCounter ? (options.socketEventLimit ?? SOCKET_EVENT_LIMIT) : null;
  const socketEvents = eventLimit && new RateLimiterMemory({ keyPrefix: 'socket-events', points: eventLimit.limit, duration: eventLimit.windowS });
  const attachHandlers = socketHandlers({ deps, publisher, rateCounter: options.rateCounter, maxSubscriptions: options.maxSubscriptions ?? 200 });
  // Shared by every socket, as the handlers are (`on`, not `once`: a socket disconnects once, and
  // once's wrapper would cost each socket two objects); while it disconnects, its rooms are still joined.
  function leaveOrigin(this: KefuSocket) {
    origins.removeFrom(this.rooms);
  }
  io.on('connection', (socket) => {
    const handshake = handshakes.get(socket)!;
    handshakes.delete(socket);
    if (socketEvents) floodGuard(socket, socketEvents, deps);
    if ('watch' in handshake) {
      // A watcher only listens: no handlers, no user or device rooms, nothing a change re-homes.
      socket.data = { kind: 'watcher', sessionDigest: '', userId: '', idleTtl: false };
      releaseRequest(socket);
      void socket.join(handshake.watch);
      return;
    }
    const { actor, token } = handshake;
    socket.data = { kind: 'device', sessionDigest: actor.session.digest, userId: actor.userId, idleTtl: sessionTtlOf(deps.config, actor.session) !== undefined };
    attachHandlers(socket, token);
    // Without PUBLIC_URL, media URLs are presented for the origin this socket connected to.
    const originRoom = deps.config.publicUrl ? undefined : origins.add(baseUrlOf(deps, socket));
    if (originRoom) socket.on('disconnecting', leaveOrigin);
    releaseRequest(socket);
    void socket.join(originRoom ? [...roomsFor(actor), originRoom] : roomsFor(actor));
  });

  const liveSessions = startLiveSessions(io, deps);
  const presenceTracker = trackPresence(io, deps, options.presence, { heartbeatMs: options.presenceHeartbeatMs });

  return {
    io,
    presence: socketPresence(io),
    changeFeed,
    liveSessions,
    presenceTracker,
    readinessChecks: redis ? [redis.readiness] : [],
    redisClient: redis?.client,
    redisConnected: redis?.connected,
    handOff() {
      for (const socket of io.of('/').sockets.values()) socket.conn.close();
    },
    async close() {
      // Before the publisher stops: the agents that go offline with this node are announced.
      await presenceTracker.stop();
      publisher.stop();
      await changeFeed.stop();
      await liveSessions.stop();
      io.local.disconnectSockets(true);
      const adapterClosed = Promise.resolve(io.of('/').adapter.close()).catch(() => {});
      await Promise.race([adapterClosed, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      io.engine.close();
      await redis?.close();
    },
  };
}

/**
 * An operator's watch handshake: the ADMIN_TOKEN (policies decide), and apps that exist. Refusals
 * are the handshake errors `forbidden`, `param_invalid` / `param_missing` and `not_found`.
 */
async function watchRoomsOfHandshake(deps: Deps, raw: Record<string, unknown>): Promise<WatchRoom[]> {
  const given = parseInput(watchHandshake, raw);
  authorizeWatch(deps.config.adminToken, given.admin_token);
  for (const identify of given.identifies ?? []) {
    if (!(await deps.store.accounts.getApp(identify))) throw new ApiError('not_found', `no app ${identify}`, { field: 'identifies' });
  }
  return watchRoomsOf(given.identifies);
}

/**
 * A connection that sends more than `limit` events in a window is cut off. Counted per socket id in
 * this node's memory, never in Redis: a connection lives on one node, and a flood must not cost a
 * Redis round trip per packet.
 */
function floodGuard(socket: KefuSocket, events: RateLimiterMemory, deps: Deps): void {
  socket.use((_packet, next) => {
    events.consume(socket.id).then(
      () => next(),
      () => {
        if (!socket.connected) return; // packets already in flight when it was cut off
        deps.logger.warn({ userId: socket.data.userId, limit: events.points }, 'socket event flood; disconnecting');
        socket.disconnect(true);
      },
    );
  });
  socket.once('disconnect', () => void events.delete(socket.id));
}

/** Engine.io's stand-in response to a WebSocket upgrade: the request and the raw TCP socket. */
interface UpgradeResponse {
  req: unknown;
  socket: EventEmitter;
}

interface StandIn {
  response: UpgradeResponse;
  /** The listener by which the raw socket's "close" reaches the response, when it is known. */
  reEmitClose?: (...args: unknown[]) => void;
}

/**
 * Engine.io adds the response's listener in its constructor, right before the middlewares run, so
 * while it is the raw socket's only "close" listener it is that one; with others there (another
 * engine.io version), which is which is unknown and all of them stay.
 */
function standInOf(response: UpgradeResponse): StandIn {
  const closeListeners = response.socket.listeners('close') as Array<(...args: unknown[]) => void>;
  return { response, reEmitClose: closeListeners.length === 1 ? closeListeners[0] : undefined };
}

/**
 * Lets go of what a connected socket no longer needs. Engine.io keeps the upgrade's HTTP request
 * (the IncomingMessage with its raw headers and stream state) for the connection's life, for
 * middleware such as express-session, which kefu does not use (Socket.IO's memory-usage guide drops
 * it the same way); the handshake keeps every header, cookies included, and fetchSockets ships it
 * to other nodes. Everything kefu reads from them (the origin, above; the auth, in the middleware)
 * has been read by now. About 1 KB per idle socket. The stand-in response, with its event table
 * and the raw socket's listener that re-emits "close" to it, is another 0.5 KB; no engine.io
 * middleware of kefu's listens to it (docs/performance.md).
 */
const upgradeResponses = new WeakMap<object, StandIn>();

function releaseRequest(socket: KefuSocket): void {
  const conn = socket.conn as { request: object | null };
  const upgrade = conn.request && upgradeResponses.get(conn.request);
  if (upgrade) {
    upgrade.response.req = null;
    if (upgrade.reEmitClose) upgrade.response.socket.removeListener('close', upgrade.reEmitClose);
  }
  conn.request = null;
  socket.handshake.headers = {};
}

/**
 * PUBLIC_URL, else the origin the client connected to, read from the handshake the way Express
 * reads a request's (X-Forwarded-Proto when trusted), as REST's baseUrlOf does.
 */
function baseUrlOf(deps: Deps, socket: KefuSocket): string {
  const headers = socket.handshake.headers;
  const forwarded = deps.config.trustProxy ? String(headers['x-forwarded-proto'] ?? '').split(',')[0]!.trim() : '';
  const protocol = forwarded === 'https' || socket.handshake.secure ? 'https' : 'http';
  return baseUrlFrom(deps.config, { protocol, host: typeof headers.host === 'string' ? headers.host : undefined });
}
