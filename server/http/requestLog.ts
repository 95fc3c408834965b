/**
 * One JSON log line per request: id, method, route, status, duration. URLs are logged with the
 * session / password / token query parameters and admin session paths redacted; headers and
 * bodies are not logged at all. Not pino-http: its lines carry the serialized req and res
 * (headers included) that would have to be stripped back to this shape, and it cannot redact a
 * secret inside the URL's query string.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { routeTemplate } from './routeTemplate.js';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A query key naming a secret, however it is spelled: `Session`, `%73ession`, `session[]`. */
const SECRET_PARAM = /^(session|password|token)(\[|$)/i;

function decodedKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' ')).trim();
  } catch {
    return key;
  }
}

const ADMIN_SESSION_PATH = /(\/admin\/sessions\/)[^/?#]*/i;

export function redactUrl(url: string): string {
  // Most URLs have no parameters and no admin session path: nothing to rewrite.
  if (!url.includes('?') && !url.includes('&') && !ADMIN_SESSION_PATH.test(url)) return url;
  return url
    .replace(ADMIN_SESSION_PATH, '$1[redacted]')
    .replace(/([?&])([^=&#]*)=([^&#]*)/g, (all, sep: string, key: string) =>
      SECRET_PARAM.test(decodedKey(key)) ? `${sep}${key}=[redacted]` : all,
    );
}

export function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const incoming = req.get('x-request-id');
    const reqId = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.reqId = reqId;
    res.setHeader('X-Request-Id', reqId);
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const line = {
        reqId,
        method: req.method,
        route: routeTemplate(req, res),
        url: redactUrl(req.originalUrl).slice(0, 300),
        status: res.statusCode,
        error: res.locals.errorCode as string | undefined,
        durationMs: Math.round(durationMs * 100) / 100,
        ip: req.ip,
      };
      if (res.statusCode >= 500) logger.error(line, 'request');
      else logger.info(line, 'request');
    });
    next();
  };
}
