/**
 * attachRealtime(httpServer, deps): the Socket.IO server on the HTTP server's port, contract in
 * the "Real time" section of docs/api.md. Handshake auth by device session; every socket joins
 * its user and device rooms, a bound agent's also its agent room and one queue room per app.
 * With REDIS_URL the node joins the others through the Redis adapter.
 */
import type http from 'node:http';
import type { Redis } from 'ioredis';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { Server } from 'socket.io';
import { HANDSHAKE_ERROR } from '../../shared/events.js';
import { ApiError } from '../../shared/errors.js';
import { sessionToken } from '../../shared/schemas/common.js';
import { corsOrigin } from '../corsOrigins.js';
import type { Deps } from '../deps.js';
import { sessionTtlOf, type Actor } from '../domain/actor.js';
import type { RateCounter } from '../rateLimits/index.js';
import type { ReadinessCheck } from '../readiness.js';
import { baseUrlFrom } from '../origin.js';
import { resolveActor } from '../domain/actor.js';
import { startChangeFeed, type ChangeFeed } from './changeFeed.js';
import { roomsFor, type KefuServer } from './deviceRooms.js';
import { startLiveSessions, type LiveSessions } from './liveSessions.js';
import { socketOrigins } from './origins.js';
import { registerHandlers, type KefuSocket } from './handlers.js';
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

export async function attachRealtime(httpServer: http.Server, deps: Deps, options: RealtimeOptions): Promise<Realtime> {
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

  const changeFeed = await startChangeFeed(io, deps);
  const origins = socketOrigins();
  const publisher = startPublisher(io, deps, { changeFeed, origins });
  // The token stays in this node's memory, for the handlers (socket.data travels between nodes).
  const handshakes = new WeakMap<object, { actor: Actor; token: string }>();

  io.use(async (socket, next) => {
    const auth = socket.handshake.auth as Record<string, unknown> | undefined;
    const parsed = sessionToken.safeParse(auth?.session);
    // The token stays on this node: fetchSockets() ships the handshake to other nodes.
    if (auth) delete auth.session;
    try {
      if (!parsed.success) throw new ApiError('session_invalid', 'missing or malformed session');
      handshakes.set(socket, { actor: await resolveActor(deps, parsed.data), token: parsed.data });
      next();
    } catch (error) {
      const code = error instanceof ApiError ? error.code : 'internal';
      if (code === 'internal') logger.error({ err: error }, 'socket handshake failed');
      const refusal = new Error(code === 'session_invalid' ? HANDSHAKE_ERROR : code) as Error & { data: unknown };
      refusal.data = { error: refusal.message };
      next(refusal);
    }
  });

  const eventLimit = options.rateCounter ? (options.socketEventLimit ?? SOCKET_EVENT_LIMIT) : null;
  const socketEvents = eventLimit && new RateLimiterMemory({ keyPrefix: 'socket-events', points: eventLimit.limit, duration: eventLimit.windowS });
  io.on('connection', (socket) => {
    const { actor, token } = handshakes.get(socket)!;
    handshakes.delete(socket);
    socket.data = { sessionDigest: actor.session.digest, userId: actor.userId, idleTtl: sessionTtlOf(deps.config, actor.session) !== undefined };
    if (socketEvents) floodGuard(socket, socketEvents, deps);
    registerHandlers(socket, {
      deps,
      publisher,
      session: token,
      rateCounter: options.rateCounter,
      maxSubscriptions: options.maxSubscriptions ?? 200,
    });
    // Without PUBLIC_URL, media URLs are presented for the origin this socket connected to.
    const origin = deps.config.publicUrl ? undefined : origins.add(baseUrlOf(deps, socket));
    if (origin) socket.once('disconnect', origin.remove);
    void socket.join(origin ? [...roomsFor(actor), origin.room] : roomsFor(actor));
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
