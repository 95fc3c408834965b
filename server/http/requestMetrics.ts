/**
 * Times every request into kefu_http_request_duration_seconds by route template, method and status.
 * Labels stay bounded whatever clients send: a path no route matched counts under one fixed label,
 * a method Node does not know under `other`.
 */
import http from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { UNMATCHED_ROUTE, type Metrics } from '../metrics/index.js';
import { routeTemplate } from './routeTemplate.js';

const KNOWN_METHODS = new Set(http.METHODS);

export function requestMetrics(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction) => {
    const end = metrics.httpRequestDuration.startTimer();
    res.on('finish', () => {
      end({
        route: routeTemplate(req, res) ?? UNMATCHED_ROUTE,
        method: KNOWN_METHODS.has(req.method) ? req.method : 'other',
        status: String(res.statusCode),
      });
    });
    next();
  };
}
