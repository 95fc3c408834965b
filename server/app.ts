/**
 * createApp(deps): the Express application, with no globals, so tests and nodes can run several.
 * The chain: request log → security headers → CORS → health probes and web pages → body parsing
 * (large limits only on media sends) → rate limits → /v1 routers → 404 → the error envelope.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { LIMITS } from '../shared/limits.js';
import type { Deps } from './deps.js';
import { errorHandler, notFound } from './http/errors.js';
import { RATE_RULES, SEND_LIMIT, ipKey, rateLimit, sessionKey, type RateCounter } from './http/rateLimiter.js';
import { requestLog } from './http/requestLog.js';
import { adminRouter } from './http/routes/admin.js';
import { answersRouter } from './http/routes/answers.js';
import { healthRouter, type ReadinessCheck } from './http/routes/health.js';
import { mediaRouter } from './http/routes/media.js';
import { openApiRouter } from './http/openapi.js';
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
    const [json, form] = MEDIA_SEND.test(req.path) ? large : small;
    json!(req, res, (error?: unknown) => (error ? next(error) : form!(req, res, next)));
  };
}

function cors(origins: string[]) {
  const allowed = new Set(origins);
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.get('origin');
    // Every reply depends on Origin once an allow-list exists; caches must not share them across origins.
    if (allowed.size > 0) res.vary('Origin');
    if (origin && (allowed.has(origin) || allowed.has('*'))) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Session, X-Request-Id, Authorization');
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
      res.setHeader('Access-Control-Max-Age', '600');
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
    }
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
  app.use(
    helmet({
      // Media and JSON are fetched from apps and desks on other origins.
      crossOriginResourcePolicy: { policy: 'cross-origin' },
      contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    }),
  );
  app.use(cors(deps.config.corsOrigins));
  app.use(healthRouter(deps, options.readinessChecks ?? []));
  app.use(webPagesRouter(options.webRoot));
  app.use(bodyParsers());

  app.use('/v1', (req, res, next) => {
    res.locals.routeBase = req.baseUrl;
    next();
  });
  const counter = options.rateCounter;
  const perSession = { name: 'session', ...RATE_RULES.perSession, key: sessionKey };
  app.use('/v1', rateLimit(counter, [{ name: 'ip', ...RATE_RULES.perIp, key: ipKey }, perSession]));
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

  app.use('/v1', questionsRouter(deps, limits));
  app.use('/v1', servRouter(deps, limits));
  app.use('/v1', usersRouter(deps));
  app.use('/v1', answersRouter(deps));
  app.use('/v1', mediaRouter(deps));
  app.use('/v1', adminRouter(deps));
  app.use('/v1', openApiRouter());

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
