/**
 * The route template a request matched (`/v1/question/:question_id/message`), for the request log
 * and the request metrics: never the raw path, which carries ids. Undefined for requests no route
 * matched (unknown paths, refused preflights).
 */
import type { Request, Response } from 'express';

export function routeTemplate(req: Request, res: Response): string | undefined {
  // A mount that serves files without routes names its template itself (web pages' /assets).
  if (typeof res.locals.routeTemplate === 'string') return res.locals.routeTemplate;
  if (!req.route?.path) return undefined;
  // After an error the router has already restored baseUrl; the mount recorded in app.ts stays.
  const base = (res.locals.routeBase as string | undefined) ?? req.baseUrl;
  return `${base}${String(req.route.path)}`;
}
