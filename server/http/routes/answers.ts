/** /answer/*: quick-answer templates for agents. */
import { Router } from 'express';
import { templateItemsInput, templatesInput } from '../../../shared/schemas/requests.js';
import type { Deps } from '../../deps.js';
import { listItems, listTemplates } from '../../domain/queries.js';
import { ok } from '../reply.js';
import { actorOf, authenticate } from '../session.js';
import { input } from '../validate.js';

export function answersRouter(deps: Deps): Router {
  const router = Router();
  const auth = authenticate(deps);

  router.get('/answer/templates', auth, async (req, res) => {
    ok(res, { templates: await listTemplates(deps, actorOf(res), input(req, templatesInput)) });
  });

  router.get('/answer/template/:template_id', auth, async (req, res) => {
    ok(res, { items: await listItems(deps, actorOf(res), input(req, templateItemsInput)) });
  });

  return router;
}
