/**
 * Fixed-window rate limits keyed by session, IP or agent, for every transport: REST middleware
 * (server/http/rateLimit.ts) and socket handlers count through `enforceLimit`, so one rule and key
 * count one budget whichever way a client comes in. The windows are rate-limiter-flexible's, in
 * this node's memory (LocalRateCounter) or shared by every node through Redis (./redisCounter.ts).
 */
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ApiError } from '../../shared/errors.js';

/** A named limit: at most `limit` hits of one key per window of `windowS` seconds. Names are unique. */
export interface LimitRule {
  name: string;
  limit: number;
  windowS: number;
}

export interface HitResult {
  allowed: boolean;
  /** Whole seconds until the key's window resets, at least 1. */
  retryAfter: number;
}

/** Where hits are counted; one counter per node, shared by REST and sockets. */
export interface RateCounter {
  /** Counts one hit of `key` against `rule`; allowed while the window's count is at most the limit. */
  hit(rule: LimitRule, key: string): Promise<HitResult>;
}

/** One limiter per rule name, made on first use. */
export function limiterPerRule<L>(make: (rule: LimitRule) => L): (rule: LimitRule) => L {
  const limiters = new Map<string, L>();
  return (rule) => {
    let limiter = limiters.get(rule.name);
    if (!limiter) limiters.set(rule.name, (limiter = make(rule)));
    return limiter;
  };
}

/** A RateLimiterMemory for `rule`: its window opens at a key's first hit and the key expires with it. */
export function memoryLimiter(rule: LimitRule): RateLimiterMemory {
  return new RateLimiterMemory({ keyPrefix: rule.name, points: rule.limit, duration: rule.windowS });
}

/**
 * Consumes one point of `key`. rate-limiter-flexible rejects with a RateLimiterRes once the points
 * are spent, and with an Error only when its store failed without insurance: that one propagates.
 */
export async function consumeHit(limiter: RateLimiterAbstract, key: string): Promise<HitResult> {
  try {
    return { allowed: true, retryAfter: secondsUntil((await limiter.consume(key)).msBeforeNext) };
  } catch (error) {
    if (error instanceof RateLimiterRes) return { allowed: false, retryAfter: secondsUntil(error.msBeforeNext) };
    throw error;
  }
}

const secondsUntil = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** Counts on this node only: one RateLimiterMemory per rule. */
export class LocalRateCounter implements RateCounter {
  private readonly limiterFor = limiterPerRule(memoryLimiter);

  hit(rule: LimitRule, key: string): Promise<HitResult> {
    return consumeHit(this.limiterFor(rule), key);
  }
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
export async function enforceLimit(counter: RateCounter, rule: LimitRule, key: string): Promise<void> {
  const result = await counter.hit(rule, key);
  if (!result.allowed) {
    throw new ApiError('rate_limited', `too many requests (${rule.name}); retry in ${result.retryAfter}s`, {
      retryAfter: result.retryAfter,
    });
  }
}

/** The per-session send limit, shared by REST sends and socket `message:send_text`. */
export const SEND_LIMIT = { name: 'send-session', ...RATE_RULES.sendPerSession };
