import { ApiError } from '../../../shared/errors.js';
import type { Deps } from '../../deps.js';
import type { AgentRecord, SessionRecord } from '../../stores/types.js';
import { verifyPassword } from '../passwords.js';
import { agentServesApp } from '../policies.js';

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
