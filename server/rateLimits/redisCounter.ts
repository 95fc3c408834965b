/**
 * Rate limits shared by every node of a deployment (REDIS_URL): each rule is a RateLimiterRedis on
 * the node's command connection (the same fixed windows as LocalRateCounter, one atomic script per
 * hit), so two nodes answering one attacker in turn count one budget.
 *
 * Failure policy: a rate limit never fails a request. While Redis is unreachable, slow (over
 * `timeoutMs`) or not yet attached, each hit is counted by the rule's insurance limiter, a
 * RateLimiterMemory of this node — per-node budgets, the pre-Redis behaviour — and a single
 * warning is logged per outage.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, RLWrapperTimeouts } from 'rate-limiter-flexible';
import { consumeHit, limiterPerRule, type HitResult, type LimitRule, type RateCounter } from './index.js';

/** Every key this counter writes starts with this: `kefu:rl:<rule>:<digest>`. */
export const RATE_KEY_PREFIX = 'kefu:rl:';

/**
 * The key is often a session token or an IP: Redis holds a digest of it, never the token itself
 * (anyone listing keys would otherwise read live sessions).
 */
export function rateKeyDigest(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 22);
}

export interface RedisRateCounterOptions {
  logger: Logger;
  /** Longest wait for Redis before counting in memory. @default 500 */
  timeoutMs?: number;
}

/** This node's counts for one rule while Redis cannot count; tells the counter each time it is used. */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(
    rule: LimitRule,
    private readonly onUse: () => void,
  ) {
    super({ keyPrefix: rule.name, points: rule.limit, duration: rule.windowS });
  }

  override consume(...args: Parameters<RateLimiterMemory['consume']>) {
    this.onUse();
    return super.consume(...args);
  }
}

export class RedisRateCounter implements RateCounter {
  private client: Redis | undefined;
  private degraded = false;
  /** Hits the insurance counted so far; a hit during which it did not grow was counted in Redis. */
  private insuredHits = 0;
  private readonly insuranceFor = limiterPerRule((rule) => new InsuranceLimiter(rule, () => this.insured()));
  private readonly sharedFor = limiterPerRule((rule) => this.sharedLimiter(rule, this.client!));

  constructor(private readonly options: RedisRateCounterOptions) {}

  /**
   * Counts in Redis through `client` from now on. The node's command connection is reused (it
   * fails fast while disconnected); until this is called every hit is counted in memory.
   */
  attach(client: Redis): void {
    this.client = client;
  }

  async hit(rule: LimitRule, key: string): Promise<HitResult> {
    const insuredBefore = this.insuredHits;
    const limiter = this.client ? this.sharedFor(rule) : this.insuranceFor(rule);
    const result = await consumeHit(limiter, rateKeyDigest(key));
    if (this.degraded && this.insuredHits === insuredBefore) {
      this.degraded = false;
      this.options.logger.info('rate limits shared through redis again');
    }
    return result;
  }

  /**
   * The insurance sits on the timeout wrapper rather than on the RateLimiterRedis inside it, so a
   * hit that times out and then fails is counted once in memory, not twice.
   */
  private sharedLimiter(rule: LimitRule, client: Redis): RLWrapperTimeouts {
    const redis = new RateLimiterRedis({
      storeClient: client,
      keyPrefix: `${RATE_KEY_PREFIX}${rule.name}`,
      points: rule.limit,
      duration: rule.windowS,
      // A disconnected client is not asked at all: the insurance counts at once.
      rejectIfRedisNotReady: true,
    });
    return new RLWrapperTimeouts({ limiter: redis, timeoutMs: this.options.timeoutMs ?? 500, insuranceLimiter: this.insuranceFor(rule) });
  }

  private insured(): void {
    this.insuredHits += 1;
    if (this.degraded) return;
    this.degraded = true;
    this.options.logger.warn(
      { redisStatus: this.client?.status ?? 'not attached' },
      'redis unavailable for rate limits; counting on this node until it returns',
    );
  }
}
