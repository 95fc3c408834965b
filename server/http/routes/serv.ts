/** /serv/*: agents log in and out on a device or a browser desk, list what they are serving, choose online or away, see their app's agents. */
import { Router, type RequestHandler } from 'express';
import { servAgentsInput, servCredentialsInput, servLogoutInput, servStatusInput, servTasksInput } from '../../../shared/schemas/requests.js';
import type { Deps } from '../../deps.js';
import { servBinder, servLogin, servLogout, servUnbinder } from '../../domain/commands/servBinder.js';
import { statusChooser } from '../../domain/commands/statusChooser.js';
import { listAgentTasks, listAppAgents } from '../../domain/queries.js';
import { ok } from '../reply.js';
import { actorOf, authenticate } from '../session.js';
import { input } from '../validate.js';

export function servRouter(deps: Deps, limits: { bind: RequestHandler }): Router {
  const router = Router();
  const auth = authenticate(deps);

  router.post('/serv/bind', limits.bind, auth, async (req, res) => {
    const params = input(req, servCredentialsInput);
    await servBinder(deps, { session: actorOf(res).session, servId: params.serv_id, password: params.password });
    ok(res);
  });

  router.post('/serv/unbind', limits.bind, auth, async (req, res) => {
    const params = input(req, servCredentialsInput);
    await servUnbinder(deps, { session: actorOf(res).session, servId: params.serv_id, password: params.password });
    ok(res);
  });

  router.post('/serv/login', limits.bind, async (req, res) => {
    const params = input(req, servCredentialsInput);
    const { session, agent } = await servLogin(deps, { servId: params.serv_id, password: params.password });
    ok(res, { session, serv_id: agent.servId, identifies: [...agent.identifies].sort() });
  });

  router.post('/serv/logout', auth, async (req, res) => {
    input(req, servLogoutInput);
    await servLogout(deps, actorOf(res).session);
    ok(res);
  });

  router.post('/serv/status', auth, async (req, res) => {
    const params = input(req, servStatusInput);
    ok(res, { presence: await statusChooser(deps, { actor: actorOf(res), servId: params.serv_id, status: params.status }) });
  });

  router.get('/serv/agents', auth, async (req, res) => {
    ok(res, { agents: await listAppAgents(deps, actorOf(res), input(req, servAgentsInput)) });
  });

  router.get('/serv/:serv_id/tasks', auth, async (req, res) => {
    ok(res, { questions: await listAgentTasks(deps, actorOf(res), input(req, servTasksInput)) });
  });

  return router;
}
