/**
 * Fixed-window rate limits keyed by session, IP or agent. The counter lives behind a small
 * interface so a Redis implementation can share counts across nodes.
 */
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../../shared/errors.js';

export interface HitResult {
  allowed: boolean;
  /** Seconds until the window resets. */
  retryAfter: number;
}

export interface RateCounter {
  /** Counts one hit on `key` in a window of `windowS` seconds; allowed while count <= limit. */
  hit(key: string, limit: number, windowS: number): Promise<HitResult>;
}

/** In-process counters; expired windows are dropped as they are met and by a periodic sweep. */
export class MemoryRateCounter implements RateCounter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = () => Date.now()) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  async hit(key: string, limit: number, windowS: number): Promise<HitResult> {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + windowS * 1000 };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { allowed: window.count <= limit, retryAfter: Math.max(1, Math.ceil((window.resetAt - now) / 1000)) };
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}

export interface RateRule {
  name: string;
  limit: number;
  windowS: number;
  /** The key this rule counts by; undefined skips the rule for this request. */
  key: (req: Request) => string | undefined;
}

/** The limits kefu applies; bind/unbind are strict because they guess passwords. */
export const RATE_RULES = {
  perIp: { limit: 1200, windowS: 60 },
  perSession: { limit: 600, windowS: 60 },
  bindPerIp: { limit: 30, windowS: 60 },
  bindPerSession: { limit: 10, windowS: 60 },
  bindPerAgent: { limit: 20, windowS: 300 },
  sendPerSession: { limit: 120, windowS: 60 },
} as const;

/**
 * Counts one hit of `key` against a named limit and throws `rate_limited` (with its Retry-After)
 * once it is exceeded. REST middleware and socket handlers both go through here, so one name and
 * key count one budget whichever way a client comes in.
 */
export async function enforceLimit(
  counter: RateCounter,
  rule: { name: string; limit: number; windowS: number },
  key: string,
): Promise<void> {
  const result = await counter.hit(`${rule.name}:${key}`, rule.limit, rule.windowS);
  if (!result.allowed) {
    throw new ApiError('rate_limited', `too many requests (${rule.name}); retry in ${result.retryAfter}s`, {
      retryAfter: result.retryAfter,
    });
  }
}

/** The per-session send limit, shared by REST sends and socket `message:send_text`. */
export const SEND_LIMIT = { name: 'send-session', ...RATE_RULES.sendPerSession };

/** Middleware applying every rule in order; the first exceeded answers 429 (the error handler adds Retry-After). */
export function rateLimit(counter: RateCounter | null, rules: RateRule[]) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    if (!counter) return next();
    for (const rule of rules) {
      const key = rule.key(req);
      if (key !== undefined) await enforceLimit(counter, rule, key);
    }
    next();
  };
}

/** The session a request names, without validating it (validation comes later in the chain). */
export function sessionKey(req: Request): string | undefined {
  const body = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
  const value = body.session ?? req.get('x-session') ?? (req.query as Record<string, unknown>).session;
  return typeof value === 'string' && value.length <= 64 ? value : undefined;
}

export function ipKey(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
