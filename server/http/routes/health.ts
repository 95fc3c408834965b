/** /healthz: the process lives. /readyz: its store (and Redis, when configured) answer. */
import { Router } from 'express';
import type { Deps } from '../../deps.js';
import { withTimeout } from '../../withTimeout.js';

/** Extra readiness checks registered by optional parts (Redis); each rejects when not ready. */
export type ReadinessCheck = { name: string; check: () => Promise<void> };

export function healthRouter(deps: Deps, checks: ReadinessCheck[]): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 200 });
  });

  router.get('/readyz', async (_req, res) => {
    const all: ReadinessCheck[] = [{ name: 'store', check: () => deps.store.ping() }, ...checks];
    const results = await Promise.all(
      all.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), 2000);
          return [name, 'ok'] as const;
        } catch {
          return [name, 'down'] as const;
        }
      }),
    );
    const ready = results.every(([, state]) => state === 'ok');
    res.setHeader('Cache-Control', 'no-store');
    res.status(ready ? 200 : 503).json(
      ready
        ? { status: 200, checks: Object.fromEntries(results) }
        : { status: 300, error: 'internal', debug: 'not ready', checks: Object.fromEntries(results) },
    );
  });

  return router;
}
