/**
 * Provisioning: what the host app's backend (admin API) or an operator (CLI) creates. One set of
 * commands serves both, so the CLI can never create something the API would refuse.
 */
import { ApiError } from '../../../shared/errors.js';
import type { Deps } from '../../deps.js';
import { newObjectId } from '../../stores/objectId.js';
import { LIMITS, STATUS } from '../../../shared/limits.js';
import type { AgentRole, AppRouting, ChangeKind, QuestionFilter, QuestionRecord, SessionRecord } from '../../stores/types.js';
import { questionTransitioner, type TransitionProps } from './questionTransitioner.js';
import { hashPassword, verifyPassword } from '../passwords.js';
import { newSessionToken, sessionDigest } from '../sessionTokens.js';

async function requireApp(deps: Deps, identify: string, field = 'identify') {
  const app = await deps.store.accounts.getApp(identify);
  if (!app) throw new ApiError('not_found', `no app ${identify}`, { field });
  return app;
}

/**
 * Creates or updates an app. `routing` left out keeps the app's routing (manual for a new app);
 * set to "auto", the questions already waiting are assigned at once (auto-assign follows the event).
 */
export async function appCreator(deps: Deps, props: { identify: string; name?: string; routing?: AppRouting }) {
  await deps.store.accounts.upsertApp({ identify: props.identify, name: props.name ?? props.identify, createdAt: deps.now(), routing: props.routing });
  if (props.routing) deps.events.record({ type: 'app.routing', identify: props.identify, routing: props.routing });
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
  await sessionDeleterByDigest(deps, sessionDigest(token));
}

/** The same, by the stored digest (an operator who holds only the session list's short id). */
export async function sessionDeleterByDigest(deps: Deps, digest: string, field = 'session'): Promise<SessionRecord> {
  const deleted = await deps.store.accounts.deleteSession(digest, deps.now());
  if (!deleted) throw new ApiError('not_found', 'no such session', { field });
  recordChanges(deps, [{ kind: 'session', key: deleted.digest }]);
  return deleted;
}

/**
 * The one session whose digest starts with `prefix` (the short id the operator's session list
 * shows). A prefix shared by several sessions names none of them: refused, never a guess.
 */
export async function sessionOfShortId(deps: Deps, prefix: string, field = 'id'): Promise<SessionRecord> {
  const found = await deps.store.accounts.findSessionsByDigestPrefix(prefix, 2);
  if (found.length === 0) throw new ApiError('not_found', `no session with id ${prefix}`, { field });
  if (found.length > 1) throw new ApiError('param_invalid', `${prefix} names more than one session; give more characters`, { field });
  return found[0]!;
}

/**
 * Removes a user: its device sessions in every app end (their sockets are disconnected on every
 * node), and its open questions (pending or in progress) finish with a notice signed by the system,
 * since nobody is left to answer them. Its questions and messages stay, as an app's do when it is
 * removed: adding the user again brings its history back, finished.
 */
export async function userRemover(deps: Deps, props: { user_id: string }): Promise<{ sessions: number; finished: number }> {
  const removed = await deps.store.accounts.deleteUser(props.user_id, deps.now());
  if (!removed) throw new ApiError('not_found', 'no such user', { field: 'user_id' });
  recordChanges(deps, removed.sessions.map(sessionChange));
  let finished = 0;
  for (const status of [STATUS.pending, STATUS.inProgress]) {
    finished += await transitionAll(deps, { status, userId: props.user_id }, (question) => ({ name: 'userRemoved', questionId: question.id, actor: 'system' }));
  }
  return { sessions: removed.sessions.length, finished };
}

/** Removes a quick-answer template with its items; desks see it gone on their next read. */
export async function templateRemover(deps: Deps, props: { template_id: string }): Promise<void> {
  if (!(await deps.store.templates.deleteTemplate(props.template_id))) {
    throw new ApiError('template_not_found', 'no such template', { field: 'template_id' });
  }
}

/**
 * Creates or replaces an agent. Changing an agent's password ends its existing bindings: a device
 * signed in with the old password must sign in again. Questions it serves in apps it no longer
 * serves go back to their queues.
 */
export async function agentUpserter(
  deps: Deps,
  props: { serv_id: string; password: string; name?: string; identifies: string[]; max_concurrent?: number; role?: AgentRole },
) {
  for (const identify of props.identifies) await requireApp(deps, identify, 'identifies');
  const identifies = [...new Set(props.identifies)];
  const existing = await deps.store.accounts.getAgent(props.serv_id);
  const passwordChanged = existing !== null && !(await verifyPassword(props.password, existing.passwordHash));
  const { previous, unbound } = await deps.store.accounts.upsertAgent(
    {
      servId: props.serv_id,
      passwordHash: await hashPassword(props.password),
      name: props.name ?? props.serv_id,
      identifies,
      maxConcurrent: props.max_concurrent ?? LIMITS.maxConcurrent.default,
      role: props.role ?? 'agent',
    },
    { endBindings: passwordChanged, now: deps.now() },
  );
  recordChanges(deps, [{ kind: 'agent', key: props.serv_id }, ...unbound.map(sessionChange)]);
  const lost = (previous?.identifies ?? []).filter((identify) => !identifies.includes(identify));
  if (lost.length) await releaseQuestions(deps, props.serv_id, lost);
}

/**
 * Removes an app with its device sessions, its agents' membership and its templates (questions
 * stay, and those being served go back to the queue). The deleted sessions are disconnected; the
 * agents' other sessions leave the app's rooms.
 */
export async function appRemover(deps: Deps, props: { identify: string }): Promise<void> {
  const removed = await deps.store.accounts.deleteApp(props.identify, deps.now());
  if (!removed) throw new ApiError('not_found', `no app ${props.identify}`, { field: 'identify' });
  recordChanges(deps, [
    { kind: 'app', key: props.identify },
    ...removed.sessions.map(sessionChange),
    ...removed.agents.map((servId) => ({ kind: 'agent' as const, key: servId })),
  ]);
  for (const servId of removed.agents) await releaseQuestions(deps, servId, [props.identify]);
}

/** Removes an agent; every device session bound to it is a plain user session again, its questions back in their queues. */
export async function agentRemover(deps: Deps, props: { serv_id: string }): Promise<void> {
  const removed = await deps.store.accounts.deleteAgent(props.serv_id, deps.now());
  if (!removed) throw new ApiError('not_found', 'no such agent', { field: 'serv_id' });
  recordChanges(deps, [{ kind: 'agent', key: props.serv_id }, ...removed.unbound.map(sessionChange)]);
  await releaseQuestions(deps, props.serv_id, removed.agent.identifies);
}

const sessionChange = (session: SessionRecord) => ({ kind: 'session' as const, key: session.digest });

/** Tells this node's listeners that the change feed has new entries (the store wrote them with the change). */
function recordChanges(deps: Deps, changes: Array<{ kind: ChangeKind; key: string }>): void {
  deps.events.record({ type: 'accounts.changed', changes });
}

/**
 * The agent's in-progress questions of these apps go back to the queue (action 2, signed by the
 * system). Each is its own conditional write naming the agent, so a question another agent took
 * meanwhile is left alone.
 */
async function releaseQuestions(deps: Deps, servId: string, identifies: string[]): Promise<void> {
  await transitionAll(deps, { status: STATUS.inProgress, servId, identifies }, (question) => ({
    name: 'release',
    questionId: question.id,
    actor: 'system',
    servId,
  }));
}

/**
 * Applies one system transition to every question the filter matches now, a page at a time, until
 * none is left; a question another write moved on meanwhile is skipped. Returns how many moved.
 */
async function transitionAll(
  deps: Deps,
  filter: QuestionFilter,
  transition: (question: QuestionRecord) => TransitionProps,
): Promise<number> {
  let moved = 0;
  for (;;) {
    const page = await deps.store.conversations.listQuestions(filter, { num: 50, offset: 0, sort: 1 });
    if (page.length === 0) return moved;
    let movedNow = 0;
    for (const question of page) {
      try {
        await questionTransitioner(deps, transition(question));
        movedNow++;
      } catch (error) {
        if (!(error instanceof ApiError) || error.code === 'internal') throw error;
      }
    }
    moved += movedNow;
    // Every question of this page moved on by itself (another write won): the next page is new.
    if (movedNow === 0 && page.length < 50) return moved;
  }
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
