/**
 * One JSON log line per request: id, method, route, status, duration. URLs are logged with the
 * session query parameter redacted; headers and bodies are not logged at all.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function redactUrl(url: string): string {
  return url.replace(/([?&](?:session|password|token)=)[^&#]*/gi, '$1[redacted]');
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
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : undefined;
      const line = {
        reqId,
        method: req.method,
        route,
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
