import { ApiError } from '../../../shared/errors.js';
import { RESERVED_USER_PREFIX } from '../../../shared/schemas/common.js';
import type { Deps } from '../../deps.js';
import type { AgentRecord, SessionRecord } from '../../stores/types.js';
import { verifyPassword } from '../passwords.js';
import { agentServesApp } from '../policies.js';
import { newSessionToken, sessionDigest } from '../sessionTokens.js';

export interface ServCredentials {
  session: SessionRecord;
  servId: string;
  password: string;
}

/** The agent if the password is right; unknown agents and wrong passwords answer the same. */
async function authenticateAgent(deps: Deps, servId: string, password: string): Promise<AgentRecord> {
  const agent = await deps.store.accounts.getAgent(servId);
  const valid = await verifyPassword(password, agent?.passwordHash ?? null);
  if (!agent || !valid) throw new ApiError('serv_auth_failed', 'wrong serv_id or password');
  return agent;
}

/**
 * An agent logs in on a device: the device's session (from any app the agent serves) acts as the
 * agent from now on. A session bound to another agent before is moved over.
 */
export async function servBinder(deps: Deps, props: ServCredentials): Promise<void> {
  const agent = await authenticateAgent(deps, props.servId, props.password);
  if (!agentServesApp(agent, props.session.identify)) {
    throw new ApiError('forbidden', "this agent does not serve the session's app", { field: 'serv_id' });
  }
  await deps.store.accounts.bindSession(props.session.digest, agent.servId, deps.now());
  deps.events.record({ type: 'accounts.changed', changes: [{ kind: 'session', key: props.session.digest }] });
}

/** The agent logs out of this device; the session is a plain user session again. */
export async function servUnbinder(deps: Deps, props: ServCredentials): Promise<void> {
  if (props.session.servId !== props.servId) {
    throw new ApiError('serv_not_bound', 'this session is not bound to that serv_id', { field: 'serv_id' });
  }
  await authenticateAgent(deps, props.servId, props.password);
  const unbound = await deps.store.accounts.unbindSession(props.session.digest, props.servId, deps.now());
  if (!unbound) throw new ApiError('serv_not_bound', 'this session is not bound to that serv_id', { field: 'serv_id' });
  deps.events.record({ type: 'accounts.changed', changes: [{ kind: 'session', key: props.session.digest }] });
}

/** The user id of an agent's desk sessions; the reserved prefix keeps it apart from every app user. */
export const deskUserId = (servId: string) => `${RESERVED_USER_PREFIX}serv:${servId}`;

/** A session made by /serv/login (its own idle TTL, DESK_SESSION_TTL_S; only it may log out). */
export const isDeskSession = (session: SessionRecord) => session.kind === 'desk';

export interface DeskSignIn {
  session: string;
  agent: AgentRecord;
}

/**
 * An agent signs in from a browser: a new device session, already bound to it. Sessions always
 * belong to a user of one app, so it belongs to the agent's reserved desk user in its first app;
 * being bound, it reads and acts across all the agent's apps.
 */
export async function servLogin(deps: Deps, props: { servId: string; password: string }): Promise<DeskSignIn> {
  const agent = await authenticateAgent(deps, props.servId, props.password);
  const home = [...agent.identifies].sort()[0];
  if (home === undefined) throw new ApiError('forbidden', 'this agent serves no app', { field: 'serv_id' });
  for (let attempt = 0; ; attempt++) {
    const session = newSessionToken();
    const now = deps.now();
    try {
      await deps.store.accounts.createSession({
        digest: sessionDigest(session),
        userId: deskUserId(agent.servId),
        identify: home,
        servId: agent.servId,
        kind: 'desk',
        createdAt: now,
        lastUsedAt: now,
      });
      return { session, agent };
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

/** Ends a desk session (its sockets disconnect); app device sessions are not the desk's to end. */
export async function servLogout(deps: Deps, session: SessionRecord): Promise<void> {
  if (!isDeskSession(session)) {
    throw new ApiError('forbidden', 'only a session from /serv/login can be logged out; use /serv/unbind', { field: 'session' });
  }
  await deps.store.accounts.deleteSession(session.digest, deps.now());
  deps.events.record({ type: 'accounts.changed', changes: [{ kind: 'session', key: session.digest }] });
}
