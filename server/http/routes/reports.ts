/**
 * /reports/*: figures over the stored cycle rows (issue 13), for the operator (`Authorization:
 * Bearer $ADMIN_TOKEN`) or a supervisor of the app (its session). JSON by default, CSV with
 * `format=csv`.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { reportsSummaryInput } from '../../../shared/schemas/requests.js';
import type { Deps } from '../../deps.js';
import { reportSummary, type ReportReader } from '../../domain/queries.js';
import { reportCsv } from '../../domain/reports.js';
import { presentsBearer } from '../bearer.js';
import { ok } from '../reply.js';
import { authenticate } from '../session.js';
import { input } from '../validate.js';

/** The reader: the operator when the request carries a bearer token that is ADMIN_TOKEN, else the session's actor. */
function reportReader(deps: Deps) {
  const auth = authenticate(deps);
  return async (req: Request, res: Response, next: NextFunction) => {
    if (req.get('authorization') !== undefined) {
      const admin = deps.config.adminToken !== undefined && presentsBearer(req, deps.config.adminToken);
      res.locals.reader = { admin } satisfies ReportReader;
      return next();
    }
    await auth(req, res, () => undefined);
    res.locals.reader = { admin: false, actor: res.locals.actor } satisfies ReportReader;
    next();
  };
}

export function reportsRouter(deps: Deps): Router {
  const router = Router();

  router.get('/reports/summary', reportReader(deps), async (req, res) => {
    const params = input(req, reportsSummaryInput);
    const report = await reportSummary(deps, res.locals.reader as ReportReader, params);
    if (params.format === 'csv') {
      res.type('text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="kefu-report-${params.identify}.csv"`);
      res.send(reportCsv(report));
      return;
    }
    ok(res, report);
  });

  return router;
}
