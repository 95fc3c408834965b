/**
 * /v1/admin/*: server-to-server provisioning with `Authorization: Bearer $ADMIN_TOKEN`. While
 * ADMIN_TOKEN is unset the whole API answers 404, as if it did not exist.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { ApiError } from '../../../shared/errors.js';
import {
  adminAppDeleteInput,
  adminAppInput,
  adminItemInput,
  adminServDeleteInput,
  adminServInput,
  adminSessionDeleteInput,
  adminSessionInput,
  adminTemplateInput,
  adminUserInput,
  adminWebhookDeleteInput,
  adminWebhookInput,
  adminWebhookListInput,
} from '../../../shared/schemas/requests.js';
import type { Deps } from '../../deps.js';
import {
  agentRemover,
  agentUpserter,
  appCreator,
  appRemover,
  itemCreator,
  sessionCreator,
  sessionDeleter,
  templateCreator,
  userUpserter,
} from '../../domain/commands/provisioning.js';
import { webhookCreator, webhookLister, webhookRemover } from '../../domain/commands/webhooks.js';
import { presentWebhook } from '../../domain/presenters.js';
import { presentsBearer } from '../bearer.js';
import { ok } from '../reply.js';
import { input } from '../validate.js';

function requireAdmin(token: string | undefined) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!token) throw new ApiError('not_found', 'no such route');
    if (!presentsBearer(req, token)) {
      throw new ApiError('forbidden', 'a valid admin bearer token is required', { field: 'authorization' });
    }
    next();
  };
}

export function adminRouter(deps: Deps): Router {
  const router = Router();
  router.use('/admin', requireAdmin(deps.config.adminToken));

  router.post('/admin/apps', async (req, res) => {
    await appCreator(deps, input(req, adminAppInput));
    ok(res);
  });

  router.post('/admin/users', async (req, res) => {
    await userUpserter(deps, input(req, adminUserInput));
    ok(res);
  });

  router.post('/admin/sessions', async (req, res) => {
    ok(res, { session: await sessionCreator(deps, input(req, adminSessionInput)) });
  });

  router.delete('/admin/sessions/:session', async (req, res) => {
    await sessionDeleter(deps, input(req, adminSessionDeleteInput).session);
    ok(res);
  });

  router.post('/admin/servs', async (req, res) => {
    await agentUpserter(deps, input(req, adminServInput));
    ok(res);
  });

  router.delete('/admin/servs/:serv_id', async (req, res) => {
    await agentRemover(deps, input(req, adminServDeleteInput));
    ok(res);
  });

  router.delete('/admin/apps/:identify', async (req, res) => {
    await appRemover(deps, input(req, adminAppDeleteInput));
    ok(res);
  });

  router.post('/admin/templates', async (req, res) => {
    ok(res, { template_id: await templateCreator(deps, input(req, adminTemplateInput)) });
  });

  router.post('/admin/templates/:template_id/items', async (req, res) => {
    ok(res, { item_id: await itemCreator(deps, input(req, adminItemInput)) });
  });

  router.post('/admin/webhooks', async (req, res) => {
    ok(res, await webhookCreator(deps, input(req, adminWebhookInput)));
  });

  router.get('/admin/webhooks', async (req, res) => {
    ok(res, { webhooks: (await webhookLister(deps, input(req, adminWebhookListInput))).map(presentWebhook) });
  });

  router.delete('/admin/webhooks/:webhook_id', async (req, res) => {
    await webhookRemover(deps, input(req, adminWebhookDeleteInput));
    ok(res);
  });

  return router;
}
