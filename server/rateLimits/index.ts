/**
 * Fixed-window rate limits keyed by session, IP or agent, for every transport: REST middleware
 * (server/http/rateLimit.ts) and socket handlers count through `enforceLimit`, so one name and key
 * count one budget whichever way a client comes in. The counter lives behind a small interface so
 * a Redis implementation (./redisCounter.ts) can share counts across nodes.
 */
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
