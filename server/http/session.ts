/**
 * Reads the caller's session from the POST `session` param, the `X-Session` header or the `session`
 * query param, and resolves it to an Actor (user, plus agent when bound).
 */
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../../shared/errors.js';
import { sessionToken } from '../../shared/schemas/common.js';
import type { Deps } from '../deps.js';
import { resolveActor, type Actor } from '../domain/actor.js';

/** The raw session string of a request, without looking it up. */
export function sessionOf(req: Request): string {
  const candidates: unknown[] = [];
  if (req.body && typeof req.body === 'object') candidates.push((req.body as Record<string, unknown>).session);
  candidates.push(req.get('x-session'));
  candidates.push((req.query as Record<string, unknown>).session);
  const given = candidates.find((c) => c !== undefined && c !== '');
  if (given === undefined) throw new ApiError('param_missing', 'session is required', { field: 'session' });
  const parsed = sessionToken.safeParse(given);
  if (!parsed.success) throw new ApiError('param_invalid', 'session must be a 12-character session', { field: 'session' });
  return parsed.data;
}

/** Middleware: sets res.locals.actor or answers 400/401. */
export function authenticate(deps: Deps) {
  return async (req: Request, res: Response, next: NextFunction) => {
    res.locals.actor = await resolveActor(deps, sessionOf(req));
    next();
  };
}

export function actorOf(res: Response): Actor {
  return res.locals.actor as Actor;
}
