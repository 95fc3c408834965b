/** Bearer tokens (`Authorization: Bearer …`) of the admin API and of /metrics. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Constant-time: both sides are hashed to equal length before comparing. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** Whether the request presents `expected` as its bearer token. */
export function presentsBearer(req: Request, expected: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '');
  return match !== null && tokenMatches(match[1]!.trim(), expected);
}
