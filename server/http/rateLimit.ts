/** Express middleware applying named rate limits (server/rateLimits) to requests, by session, IP or agent. */
import type { NextFunction, Request, Response } from 'express';
import { enforceLimit, type LimitRule, type RateCounter } from '../rateLimits/index.js';

/** A named limit and the request key it counts by. */
export interface RateRule extends LimitRule {
  /** The key this rule counts by; undefined skips the rule for this request. */
  key: (req: Request) => string | undefined;
}

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
