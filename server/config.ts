/**
 * Environment → typed configuration, validated once at start. Names and defaults are those of the
 * "Running it" table of docs/api.md; a bad value stops the start with one line naming the variable.
 */
import path from 'node:path';
import { z } from 'zod';

const positiveSeconds = () =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, { error: 'must be a number of seconds' })
    .transform(Number)
    .refine((n) => n > 0, { error: 'must be greater than 0' });

const seconds = (fallback: number) => positiveSeconds().default(fallback);

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      { error: `must be a ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL` },
    )
    .optional();

const schema = z.object({
  PORT: z
    .string()
    .regex(/^\d+$/, { error: 'must be a port number' })
    .transform(Number)
    .refine((n) => n >= 0 && n <= 65535, { error: 'must be between 0 and 65535' })
    .default(3000),
  DATA_DIR: z.string().min(1).default('./data'),
  MONGODB_URI: optionalUrl(['mongodb:', 'mongodb+srv:']),
  REDIS_URL: optionalUrl(['redis:', 'rediss:']),
  REDIS_TLS_VERIFY: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
  ADMIN_TOKEN: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
  METRICS_TOKEN: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
  PUBLIC_URL: optionalUrl(['http:', 'https:']),
  QUESTION_PENDING_TIMEOUT_S: seconds(86400),
  QUESTION_IDLE_TIMEOUT_S: seconds(86400),
  FINISH_CONFIRM_TIMEOUT_S: seconds(600),
  SWEEP_INTERVAL_S: seconds(30),
  SESSION_TTL_S: positiveSeconds().optional(),
  DESK_SESSION_TTL_S: seconds(43200),
  RATE_LIMITS: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty'], { error: 'must be auto, json or pretty' }).default('auto'),
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d+)$/, { error: 'must be true, false or a number of proxy hops' })
    .default('false'),
  CORS_ORIGINS: z.string().optional(),
  PUSH_WEBHOOK_URL: optionalUrl(['http:', 'https:']),
  PUSH_WEBHOOK_SECRET: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
  WEBHOOK_KEY: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
  WEBHOOK_ALLOW_PRIVATE: z.enum(['on', 'off'], { error: 'must be on or off' }).default('off'),
});

export interface Config {
  port: number;
  dataDir: string;
  mongodbUri?: string;
  redisUrl?: string;
  /** Verify the certificate of a rediss:// server (off for self-signed hosted plans). */
  redisTlsVerify: boolean;
  adminToken?: string;
  /** Enables GET /metrics for scrapers presenting it as a bearer token; unset: no metrics at all. */
  metricsToken?: string;
  publicUrl?: string;
  pendingTimeoutS: number;
  idleTimeoutS: number;
  finishConfirmTimeoutS: number;
  sweepIntervalS: number;
  /** Idle seconds after which an app device session expires; undefined: never. */
  sessionTtlS?: number;
  /** Idle seconds after which an agent's desk (browser) session expires. */
  deskSessionTtlS: number;
  rateLimits: boolean;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  /** JSON lines, pino-pretty lines, or auto: pretty when stdout is a terminal. */
  logFormat: z.infer<typeof schema>['LOG_FORMAT'];
  /** Express `trust proxy`: false, true, or a hop count (1 on Heroku-like routers). */
  trustProxy: boolean | number;
  /** Browser origins allowed by CORS; empty: same origin only. */
  corsOrigins: string[];
  pushWebhookUrl?: string;
  pushWebhookSecret?: string;
  /**
   * The key host-app webhook secrets are derived from (server/webhooks/secrets.ts). Unset: the
   * embedded store generates one into DATA_DIR; MongoDB then has no webhooks (every node must
   * derive the same secrets, and the database must not hold what derives them).
   */
  webhookKey?: string;
  /** Lets webhooks call private, loopback and link-local addresses (tests, private networks only). */
  webhookAllowPrivate: boolean;
}

export class ConfigError extends Error {}

/** Every environment variable loadConfig reads (.env.example and app.json are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const relevant = Object.fromEntries(
    Object.keys(schema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  const parsed = schema.safeParse(relevant);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${String(issue.path[0])}: ${issue.message}`);
  }
  const c = parsed.data;
  if (c.PUSH_WEBHOOK_URL && !c.PUSH_WEBHOOK_SECRET) {
    throw new ConfigError('PUSH_WEBHOOK_SECRET: must be set when PUSH_WEBHOOK_URL is set');
  }
  const trustProxy = c.TRUST_PROXY === 'true' ? true : c.TRUST_PROXY === 'false' ? false : Number(c.TRUST_PROXY);
  return {
    port: c.PORT,
    dataDir: path.resolve(c.DATA_DIR),
    mongodbUri: c.MONGODB_URI,
    redisUrl: c.REDIS_URL,
    redisTlsVerify: c.REDIS_TLS_VERIFY === 'on',
    adminToken: c.ADMIN_TOKEN,
    metricsToken: c.METRICS_TOKEN,
    publicUrl: c.PUBLIC_URL?.replace(/\/+$/, ''),
    pendingTimeoutS: c.QUESTION_PENDING_TIMEOUT_S,
    idleTimeoutS: c.QUESTION_IDLE_TIMEOUT_S,
    finishConfirmTimeoutS: c.FINISH_CONFIRM_TIMEOUT_S,
    sweepIntervalS: c.SWEEP_INTERVAL_S,
    sessionTtlS: c.SESSION_TTL_S,
    deskSessionTtlS: c.DESK_SESSION_TTL_S,
    rateLimits: c.RATE_LIMITS === 'on',
    logLevel: c.LOG_LEVEL,
    logFormat: c.LOG_FORMAT,
    trustProxy,
    corsOrigins: (c.CORS_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    pushWebhookUrl: c.PUSH_WEBHOOK_URL,
    pushWebhookSecret: c.PUSH_WEBHOOK_SECRET,
    webhookKey: c.WEBHOOK_KEY,
    webhookAllowPrivate: c.WEBHOOK_ALLOW_PRIVATE === 'on',
  };
}
