/** /healthz: the process lives. /readyz: its store (and Redis, when configured) answer. */
import { Router } from 'express';
import type { Deps } from '../../deps.js';
import { checkReadiness, type ReadinessCheck } from '../../readiness.js';

export function healthRouter(deps: Deps, checks: ReadinessCheck[]): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 200 });
  });

  router.get('/readyz', async (_req, res) => {
    const result = await checkReadiness([{ name: 'store', check: () => deps.store.ping() }, ...checks]);
    res.setHeader('Cache-Control', 'no-store');
    res.status(result.ready ? 200 : 503).json(
      result.ready
        ? { status: 200, checks: result.checks }
        : { status: 300, error: 'internal', debug: 'not ready', checks: result.checks },
    );
  });

  return router;
}
