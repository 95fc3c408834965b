/**
 * GET /metrics: this node's Prometheus metrics for a scraper presenting
 * `Authorization: Bearer $METRICS_TOKEN`. Mounted only when METRICS_TOKEN is set; otherwise the
 * path is as unknown as any other (404 `not_found`). Outside /v1, so no rate limit applies.
 */
import { Router } from 'express';
import { ApiError } from '../../../shared/errors.js';
import type { Metrics } from '../../metrics/index.js';
import { presentsBearer } from '../bearer.js';

export function metricsRouter(token: string, metrics: Metrics): Router {
  const router = Router();

  router.get('/metrics', async (req, res) => {
    if (!presentsBearer(req, token)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="kefu metrics"');
      throw new ApiError('token_invalid', 'a valid metrics bearer token is required', { field: 'authorization' });
    }
    const text = await metrics.scrape();
    res.setHeader('Cache-Control', 'no-store');
    res.type(metrics.contentType).send(text);
  });

  return router;
}
