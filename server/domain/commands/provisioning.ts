/**
 * Provisioning: what the host app's backend (admin API) or an operator (CLI) creates. One set of
 * commands serves both, so the CLI can never create something the API would refuse.
 */
import { ApiError } from '../../../shared/errors.js';
import type { Deps } from '../../deps.js';
import { newObjectId } from '../../stores/objectId.js';
import type { SessionRecord } from '../../stores/types.js';
import { hashPassword, verifyPassword } from '../passwords.js';
import { newSessionToken, sessionDigest } from '../sessionTokens.js';

async function requireApp(deps: Deps, identify: string, field = 'identify') {
  const app = await deps.store.accounts.getApp(identify);
  if (!app) throw new ApiError('not_found', `no app ${identify}`, { field });
  return app;
}

export async function appCreator(deps: Deps, props: { identify: string; name?: string }) {
  await deps.store.accounts.upsertApp({ identify: props.identify, name: props.name ?? props.identify, createdAt: deps.now() });
}

export async function userUpserter(
  deps: Deps,
  props: { user_id: string; name: string; image_url?: string; device_count?: number; group_count?: number },
) {
  await deps.store.accounts.upsertUser({
    userId: props.user_id,
    name: props.name,
    imageUrl: props.image_url ?? '',
    deviceCount: props.device_count ?? 0,
    groupCount: props.group_count ?? 0,
  });
}

/**
 * A device session for a user of an app. Returns the token, shown this once: the store keeps only
 * its digest.
 */
export async function sessionCreator(deps: Deps, props: { user_id: string; identify: string }): Promise<string> {
  await requireApp(deps, props.identify);
  if (!(await deps.store.accounts.getUser(props.user_id))) throw new ApiError('not_found', 'no such user', { field: 'user_id' });
  for (let attempt = 0; ; attempt++) {
    const token = newSessionToken();
    const now = deps.now();
    try {
      await deps.store.accounts.createSession({
        digest: sessionDigest(token),
        userId: props.user_id,
        identify: props.identify,
        servId: null,
        kind: 'app',
        createdAt: now,
        lastUsedAt: now,
      });
      return token;
    } catch (error) {
      // A collision in 62^12 is all but impossible; retry a few times rather than reason about it.
      if (attempt >= 3) throw error;
    }
  }
}

/** Ends a device session (by its token): its sockets are disconnected on every node. */
export async function sessionDeleter(deps: Deps, token: string): Promise<void> {
  const deleted = await deps.store.accounts.deleteSession(sessionDigest(token), deps.now());
  if (!deleted) throw new ApiError('not_found', 'no such session', { field: 'session' });
  deps.events.record({ type: 'session.changed', sessionDigest: deleted.digest, formerServId: deleted.servId ?? undefined });
}

/**
 * Creates or replaces an agent. Changing an agent's password ends its existing bindings: a device
 * signed in with the old password must sign in again.
 */
export async function agentUpserter(
  deps: Deps,
  props: { serv_id: string; password: string; name?: string; identifies: string[] },
) {
  for (const identify of props.identifies) await requireApp(deps, identify, 'identifies');
  const existing = await deps.store.accounts.getAgent(props.serv_id);
  const passwordChanged = existing !== null && !(await verifyPassword(props.password, existing.passwordHash));
  const { unbound } = await deps.store.accounts.upsertAgent(
    {
      servId: props.serv_id,
      passwordHash: await hashPassword(props.password),
      name: props.name ?? props.serv_id,
      identifies: [...new Set(props.identifies)],
    },
    { endBindings: passwordChanged, now: deps.now() },
  );
  recordSessionsChanged(deps, unbound, props.serv_id);
}

/**
 * Removes an app with its device sessions, its agents' membership and its templates (questions
 * stay). The deleted sessions are disconnected; the agents' other sessions leave the app's rooms.
 */
export async function appRemover(deps: Deps, props: { identify: string }): Promise<void> {
  const removed = await deps.store.accounts.deleteApp(props.identify, deps.now());
  if (!removed) throw new ApiError('not_found', `no app ${props.identify}`, { field: 'identify' });
  for (const session of removed.sessions) {
    deps.events.record({ type: 'session.changed', sessionDigest: session.digest, formerServId: session.servId ?? undefined });
  }
  const deleted = new Set(removed.sessions.map((s) => s.digest));
  const stillBound = await deps.store.accounts.listAgentSessions(removed.agents);
  recordSessionsChanged(deps, stillBound.filter((s) => !deleted.has(s.digest)));
}

/** Removes an agent; every device session bound to it is a plain user session again. */
export async function agentRemover(deps: Deps, props: { serv_id: string }): Promise<void> {
  const removed = await deps.store.accounts.deleteAgent(props.serv_id, deps.now());
  if (!removed) throw new ApiError('not_found', 'no such agent', { field: 'serv_id' });
  recordSessionsChanged(deps, removed.unbound, props.serv_id);
}

/** session.changed for each session whose rooms may be wrong now (the publisher re-homes them). */
function recordSessionsChanged(deps: Deps, sessions: SessionRecord[], formerServId?: string): void {
  for (const session of sessions) deps.events.record({ type: 'session.changed', sessionDigest: session.digest, formerServId });
}

export async function templateCreator(deps: Deps, props: { identify: string; title: string }): Promise<string> {
  await requireApp(deps, props.identify);
  const id = newObjectId();
  await deps.store.templates.createTemplate({ id, identify: props.identify, title: props.title, createdAt: deps.now() });
  return id;
}

export async function itemCreator(
  deps: Deps,
  props: { template_id: string; question: string; content: string },
): Promise<string> {
  if (!(await deps.store.templates.getTemplate(props.template_id))) {
    throw new ApiError('template_not_found', 'no such template', { field: 'template_id' });
  }
  const id = newObjectId();
  await deps.store.templates.createItem({ id, templateId: props.template_id, question: props.question, content: props.content });
  return id;
}
