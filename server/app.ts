/**
 * createApp(deps): the Express application, with no globals, so tests and nodes can run several.
 * The chain: request log (and timing) → security headers → CORS → under /v1: body parsing (large limits only
 * on media sends) → rate limits → the API routers; then probes, /metrics and web pages → body parsing → docs
 * → 404 → the error envelope.
 */
import cors from 'cors';
import http from 'node:http';
import { Socket } from 'node:net';
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { LIMITS } from '../shared/limits.js';
import { corsOrigin } from './corsOrigins.js';
import type { Deps } from './deps.js';
import { errorHandler, notFound } from './http/errors.js';
import { ipKey, rateLimit, sessionKey } from './http/rateLimit.js';
import { RATE_RULES, SEND_LIMIT, type RateCounter } from './rateLimits/index.js';
import { requestLog } from './http/requestLog.js';
import { requestMetrics } from './http/requestMetrics.js';
import type { Metrics } from './metrics/index.js';
import { reportsRouter } from './http/routes/reports.js';
import { adminRouter } from './http/routes/admin.js';
import { answersRouter } from './http/routes/answers.js';
import { healthRouter } from './http/routes/health.js';
import { metricsRouter } from './http/routes/metrics.js';
import type { ReadinessCheck } from './readiness.js';
import { mediaRouter } from './http/routes/media.js';
import { openApiRouter } from './http/openapi.js';
import { docsPageRouter } from './http/docsPage.js';
import { questionsRouter } from './http/routes/questions.js';
import { servRouter } from './http/routes/serv.js';
import { usersRouter } from './http/routes/users.js';
import { webPagesRouter } from './http/webPages.js';

export interface AppOptions {
  /** Null when RATE_LIMITS=off. */
  rateCounter: RateCounter | null;
  readinessChecks?: ReadinessCheck[];
  /** The built web pages (dist/web); missing: /desk and /chat answer 503 with how to build them. */
  webRoot?: string;
  /** This node's metrics; absent (METRICS_TOKEN unset): no request timing, no /metrics route. */
  metrics?: Metrics;
}

const MEDIA_SEND = /^\/v1\/question\/[^/]+\/message\/send_(image|audio)\/?$/;

function bodyParsers() {
  const parsers = (limit: number) => [
    express.json({ limit, strict: true }),
    express.urlencoded({ extended: false, limit, parameterLimit: 100 }),
  ];
  const small = parsers(LIMITS.bodyBytes);
  const large = parsers(LIMITS.mediaBodyBytes);
  return (req: Request, res: Response, next: NextFunction) => {
    // The whole path: under the /v1 mount req.path has lost its prefix.
    const [json, form] = MEDIA_SEND.test(req.baseUrl + req.path) ? large : small;
    json!(req, res, (error?: unknown) => (error ? next(error) : form!(req, res, next)));
  };
}

/**
 * CORS for the origins of CORS_ORIGINS: they get Allow-Origin on every reply and a 204 to their
 * preflights; other origins get no CORS header, and their preflights fall through to a 404.
 */
function corsPolicy(origins: string[]) {
  const admit = cors({
    origin: corsOrigin(origins),
    allowedHeaders: ['Content-Type', 'X-Session', 'X-Request-Id', 'Authorization'],
    methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    maxAge: 600,
  });
  return (req: Request, res: Response, next: NextFunction) => {
    // Every reply depends on Origin once an allow-list exists, refused ones too (which `cors` leaves
    // untouched): shared caches must not hand one origin's reply to another.
    if (origins.length > 0) res.vary('Origin');
    admit(req, res, next);
  };
}

/** Everything under /v1: body parsing, the route base for logs and metrics, rate limits, the routers. */
function apiRouter(deps: Deps, counter: RateCounter | null, parseBodies: RequestHandler): Router {
  const api = Router();
  api.use(parseBodies);
  api.use((req, res, next) => {
    res.locals.routeBase = req.baseUrl;
    next();
  });
  const perSession = { name: 'session', ...RATE_RULES.perSession, key: sessionKey };
  api.use(rateLimit(counter, [{ name: 'ip', ...RATE_RULES.perIp, key: ipKey }, perSession]));
  const limits = {
    bind: rateLimit(counter, [
      { name: 'bind-ip', ...RATE_RULES.bindPerIp, key: ipKey },
      { name: 'bind-session', ...RATE_RULES.bindPerSession, key: sessionKey },
      {
        name: 'bind-agent',
        ...RATE_RULES.bindPerAgent,
        key: (req) => (typeof req.body?.serv_id === 'string' ? req.body.serv_id.slice(0, 20) : undefined),
      },
    ]),
    send: rateLimit(counter, [{ ...SEND_LIMIT, key: sessionKey }]),
  };
  api.use(questionsRouter(deps, limits));
  api.use(servRouter(deps, limits));
  api.use(usersRouter(deps));
  api.use(answersRouter(deps));
  api.use(mediaRouter(deps));
  api.use(adminRouter(deps));
  api.use(reportsRouter(deps));
  api.use(openApiRouter());
  return api;
}

/** The security headers of every reply (web pages replace the CSP with their own). */
export const HELMET_OPTIONS = {
  // Media and JSON are fetched from apps and desks on other origins.
  crossOriginResourcePolicy: { policy: 'cross-origin' },
  contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
} satisfies Parameters<typeof helmet>[0];

/**
 * helmet's headers, computed once by helmet on a probe reply and then set on every reply. With
 * these options helmet's headers do not depend on the request (no CSP nonce), so every reply gets
 * exactly the headers helmet would set, without running its twelve middleware functions again.
 */
function securityHeaders(options: Parameters<typeof helmet>[0]): RequestHandler {
  const probe = new http.ServerResponse(new http.IncomingMessage(new Socket()));
  const names: string[] = [];
  const setHeader = probe.setHeader.bind(probe);
  probe.setHeader = (name, value) => (names.push(name), setHeader(name, value));
  helmet(options)(probe.req as never, probe as never, () => undefined);
  // As helmet spelled them (a reply's header names keep their case); each value as it left it.
  const headers = names.filter((name) => probe.hasHeader(name)).map((name) => [name, probe.getHeader(name)!] as const);
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

export function createApp(deps: Deps, options: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  app.set('query parser', 'simple');
  app.set('json escape', true);

  app.use(requestLog(deps.logger));
  if (options.metrics) app.use(requestMetrics(options.metrics));
  app.use(securityHeaders(HELMET_OPTIONS));
  app.use(corsPolicy(deps.config.corsOrigins));
  // The API first: a /v1 request then passes no layer of the probes' and pages' routers, none of
  // which answers a path under /v1. Everything else meets them in the order it always has.
  const parseBodies = bodyParsers();
  app.use('/v1', apiRouter(deps, options.rateCounter, parseBodies));
  app.use(healthRouter(deps, options.readinessChecks ?? []));
  if (options.metrics && deps.config.metricsToken) app.use(metricsRouter(deps.config.metricsToken, options.metrics));
  app.use(webPagesRouter(options.webRoot));
  // Paths outside the API still have their bodies read before the docs and the 404 (a malformed
  // body answers 400 there as under /v1); a /v1 request that fell through was read already, and a
  // read request is one the parsers skip.
  app.use(parseBodies);
  app.use(docsPageRouter());

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
