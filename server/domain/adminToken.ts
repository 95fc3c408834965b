/** Operator tokens (ADMIN_TOKEN, METRICS_TOKEN), checked the same way by every transport (the admin API, watch sockets, /metrics). */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Constant-time: both sides are hashed to equal length before comparing. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}
