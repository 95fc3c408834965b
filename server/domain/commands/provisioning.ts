/**
 * Provisioning: what the host app's backend (admin API) or an operator (CLI) creates. One set of
 * commands serves both, so the CLI can never create something the API would refuse.
 */
import { randomInt } from 'node:crypto';
import { ApiError } from '../../../shared/errors.js';
import { LIMITS } from '../../../shared/limits.js';
import type { Deps } from '../../deps.js';
import { newObjectId } from '../../stores/objectId.js';
import { hashPassword } from '../passwords.js';

const SESSION_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 12 characters, each drawn uniformly from 62 by the OS's cryptographic source (~71 bits). */
export function newSessionToken(): string {
  let token = '';
  for (let i = 0; i < LIMITS.sessionLength; i++) token += SESSION_ALPHABET[randomInt(SESSION_ALPHABET.length)];
  return token;
}

async function requireApp(deps: Deps, identify: string, field = 'identify') {
  const app = await deps.store.getApp(identify);
  if (!app) throw new ApiError('not_found', `no app ${identify}`, { field });
  return app;
}

export async function appCreator(deps: Deps, props: { identify: string; name?: string }) {
  await deps.store.upsertApp({ identify: props.identify, name: props.name ?? props.identify, createdAt: deps.now() });
}

export async function userUpserter(
  deps: Deps,
  props: { user_id: string; name: string; image_url?: string; device_count?: number; group_count?: number },
) {
  await deps.store.upsertUser({
    userId: props.user_id,
    name: props.name,
    imageUrl: props.image_url ?? '',
    deviceCount: props.device_count ?? 0,
    groupCount: props.group_count ?? 0,
  });
}

export async function sessionCreator(deps: Deps, props: { user_id: string; identify: string }): Promise<string> {
  await requireApp(deps, props.identify);
  if (!(await deps.store.getUser(props.user_id))) throw new ApiError('not_found', 'no such user', { field: 'user_id' });
  for (let attempt = 0; ; attempt++) {
    const session = newSessionToken();
    try {
      await deps.store.createSession({
        session,
        userId: props.user_id,
        identify: props.identify,
        servId: null,
        createdAt: deps.now(),
      });
      return session;
    } catch (error) {
      // A collision in 62^12 is all but impossible; retry a few times rather than reason about it.
      if (attempt >= 3) throw error;
    }
  }
}

export async function sessionDeleter(deps: Deps, session: string): Promise<void> {
  const existing = await deps.store.getSession(session);
  if (!(await deps.store.deleteSession(session))) throw new ApiError('not_found', 'no such session', { field: 'session' });
  deps.events.record({ type: 'session.changed', session, formerServId: existing?.servId ?? undefined });
}

export async function agentUpserter(
  deps: Deps,
  props: { serv_id: string; password: string; name?: string; identifies: string[] },
) {
  for (const identify of props.identifies) await requireApp(deps, identify, 'identifies');
  await deps.store.upsertAgent({
    servId: props.serv_id,
    passwordHash: await hashPassword(props.password),
    name: props.name ?? props.serv_id,
    identifies: [...new Set(props.identifies)],
  });
}

export async function templateCreator(deps: Deps, props: { identify: string; title: string }): Promise<string> {
  await requireApp(deps, props.identify);
  const id = newObjectId();
  await deps.store.createTemplate({ id, identify: props.identify, title: props.title, createdAt: deps.now() });
  return id;
}

export async function itemCreator(
  deps: Deps,
  props: { template_id: string; question: string; content: string },
): Promise<string> {
  if (!(await deps.store.getTemplate(props.template_id))) {
    throw new ApiError('template_not_found', 'no such template', { field: 'template_id' });
  }
  const id = newObjectId();
  await deps.store.createItem({ id, templateId: props.template_id, question: props.question, content: props.content });
  return id;
}
