/**
 * Rate limits shared by every node of a deployment (REDIS_URL): the same fixed windows as
 * MemoryRateCounter, counted in Redis with one atomic script per hit (INCR, and PEXPIRE when the
 * window opens), so two nodes answering one attacker in turn count one budget.
 *
 * Failure policy: a rate limit never fails a request. While Redis is unreachable, slow (over
 * `timeoutMs`) or not yet attached, each hit is counted by the node's in-memory counter instead —
 * per-node budgets, the pre-Redis behaviour — and a single warning is logged per outage.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { withTimeout } from '../withTimeout.js';
import type { HitResult, MemoryRateCounter, RateCounter } from './index.js';

/** Every key this counter writes starts with this. */
export const RATE_KEY_PREFIX = 'kefu:rl:';

/**
 * KEYS[1] the window's key, ARGV[1] the window in ms → {count, ms until the window resets}.
 * A key left without a TTL (cannot normally happen) gets one, so no counter lives forever.
 */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;
const HIT_SHA = createHash('sha1').update(HIT_SCRIPT).digest('hex');

export interface RedisRateCounterOptions {
  /** Counts hits while Redis cannot; also closed by close(). */
  fallback: MemoryRateCounter;
  logger: Logger;
  /** Longest wait for Redis before counting in memory. @default 500 */
  timeoutMs?: number;
}

/**
 * `rule:key` → `kefu:rl:rule:<digest>`. The key is often a session token or an IP: Redis holds a
 * digest of it, never the token itself (anyone listing keys would otherwise read live sessions).
 */
export function redisRateKey(key: string): string {
  const colon = key.indexOf(':');
  const rule = colon >= 0 ? key.slice(0, colon) : 'rule';
  const digest = createHash('sha256').update(colon >= 0 ? key.slice(colon + 1) : key).digest('base64url');
  return `${RATE_KEY_PREFIX}${rule}:${digest.slice(0, 22)}`;
}

export class RedisRateCounter implements RateCounter {
  private client: Redis | undefined;
  private degraded = false;
  private readonly timeoutMs: number;

  constructor(private readonly options: RedisRateCounterOptions) {
    this.timeoutMs = options.timeoutMs ?? 500;
  }

  /**
   * Counts in Redis through `client` from now on. The node's command connection is reused (it
   * fails fast while disconnected); until this is called every hit is counted in memory.
   */
  attach(client: Redis): void {
    this.client = client;
  }

  async hit(key: string, limit: number, windowS: number): Promise<HitResult> {
    const client = this.client;
    if (client && client.status === 'ready') {
      try {
        const [count, ttlMs] = await this.run(client, redisRateKey(key), Math.round(windowS * 1000));
        if (this.degraded) {
          this.degraded = false;
          this.options.logger.info('rate limits shared through redis again');
        }
        return { allowed: count <= limit, retryAfter: Math.max(1, Math.ceil(ttlMs / 1000)) };
      } catch (error) {
        this.degrade(error);
      }
    } else {
      this.degrade(new Error(client ? `redis connection ${client.status}` : 'redis not attached yet'));
    }
    return this.options.fallback.hit(key, limit, windowS);
  }

  close(): void {
    this.options.fallback.close();
  }

  private degrade(error: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.options.logger.warn({ err: error }, 'redis unavailable for rate limits; counting on this node until it returns');
  }

  /** EVALSHA, loading the script with EVAL when Redis does not know it (first use, restart). */
  private async run(client: Redis, key: string, windowMs: number): Promise<[number, number]> {
    const call = (async () => {
      try {
        return (await client.evalsha(HIT_SHA, 1, key, windowMs)) as [number, number];
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return (await client.eval(HIT_SCRIPT, 1, key, windowMs)) as [number, number];
      }
    })();
    return withTimeout(call, this.timeoutMs, 'redis');
  }
}
