/** Bearer tokens (`Authorization: Bearer …`) of the admin API and of /metrics. */
import type { Request } from 'express';
import { tokenMatches } from '../domain/adminToken.js';

/** Whether the request presents `expected` as its bearer token (compared in constant time). */
export function presentsBearer(req: Request, expected: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '');
  return match !== null && tokenMatches(match[1]!.trim(), expected);
}
