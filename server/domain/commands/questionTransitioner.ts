import { ApiError } from '../../../shared/errors.js';
import { SENDER_TYPE, STATUS, SYSTEM_SENDER } from '../../../shared/limits.js';
import type { Deps } from '../../deps.js';
import type { Notice, QuestionRecord, TransitionResult, TransitionWrite } from '../../stores/types.js';
import type { Actor } from '../actor.js';
import { loadQuestion } from '../queries.js';
import { agentServesApp, authorizeAgentOnQuestion, authorizeAsker, authorizeTransferTarget, requireAgent } from '../policies.js';
import { TRANSITIONS, refusalFor, type TransitionName, type TransitionRule } from '../stateMachine.js';

export interface TransitionProps {
  name: TransitionName;
  questionId: string;
  /** The caller, or 'system' for the timeout sweeper. */
  actor: Actor | 'system';
  /** The agent the caller names (serve, quit, finish, request_finish, transfer), or the one released. */
  servId?: string;
  /** Transfer: the agent the question goes to. */
  toServId?: string;
  /** Sweeper guards, re-checked inside the write so a late message cancels the timeout. */
  guards?: Pick<TransitionWrite, 'statusBefore' | 'lastActivityBefore' | 'finishRequestedBefore'>;
}

/**
 * Applies one row of the transition table: load, authorize, then one conditional write with its
 * notice. When the write matches nothing (another request won), the question is read again and the
 * refusal explains its state now.
 */
export async function questionTransitioner(deps: Deps, props: TransitionProps): Promise<TransitionResult> {
  const rule: TransitionRule = TRANSITIONS[props.name];
  const question = await loadQuestion(deps, props.questionId);

  const notice = authorize(props, rule, question);
  if (!isAllowedNow(rule, question, props.servId)) {
    throw new ApiError(refusalFor(props.name, question, props.servId), `cannot ${props.name} this question now`);
  }

  if (rule.servId === 'target') Object.assign(notice, await transferTarget(deps, props, question));

  const agentStillServes = await servingAgentStillServes(deps, question);
  const to = rule.to(question, agentStillServes);
  // A reopen says where it went: the agent it returned to, or null for the queue.
  if (props.name === 'reopen') notice.servId = to === STATUS.inProgress ? question.servId : null;
  const write: TransitionWrite = {
    questionId: question.id,
    from: rule.from,
    to,
    notice,
    now: deps.now(),
    setServId: nextServId(rule, props, to),
    finishRequest: rule.finishRequest,
    finishRequested: rule.needsFinishRequest,
    withinCapacity: rule.withinCapacity,
    cycle: rule.metrics,
    ...props.guards,
  };
  if (rule.by === 'servingAgent' || rule.needsNamedAgent) write.servId = props.servId;
  if (rule.servId === 'keepIfServed') write.servId = question.servId;
  // Named explicitly so the capacity check in the write applies to the agent it returns to.
  if (rule.servId === 'keepIfServed' && to === STATUS.inProgress) write.setServId = question.servId;
  if (rule.by === 'user') write.userId = question.userId;
  if (rule.recordsQuitter) write.setQuitServId = props.servId;
  else if (to === STATUS.inProgress && write.setServId) write.setQuitServId = null;
  if (rule.skipsQuitter) write.notQuitBy = props.servId;

  const previous = { status: question.status, servId: question.servId };
  let result = await deps.store.conversations.transition(write, previous);
  if (result === 'at_capacity' && props.name === 'reopen') {
    // The former agent is full: the reopen goes to the queue instead.
    result = await deps.store.conversations.transition(
      { ...write, to: STATUS.pending, setServId: null, setQuitServId: undefined, notice: { ...notice, servId: null } },
      previous,
    );
  }
  if (result === 'at_capacity') {
    const field = rule.servId === 'target' ? 'to_serv_id' : 'serv_id';
    throw new ApiError('agent_at_capacity', `${write.setServId} already serves as many questions as its max_concurrent allows`, { field });
  }
  if (!result) {
    const now = (await deps.store.conversations.getQuestion(question.id)) ?? question;
    throw new ApiError(refusalFor(props.name, now, props.servId), `cannot ${props.name} this question now`);
  }
  deps.events.record({
    type: 'question.transitioned',
    transition: props.name,
    previous,
    question: result.question,
    notice: result.notice,
  });
  return result;
}

/** Checks the caller against the rule's actor and returns the notice it will sign. */
function authorize(props: TransitionProps, rule: TransitionRule, question: QuestionRecord): Notice {
  const action = rule.action;
  if (rule.by === 'system') {
    if (props.actor !== 'system') throw new ApiError('forbidden', 'only the server may do this');
    if (rule.signedByNamedAgent) {
      if (!props.servId) throw new ApiError('internal', `${props.name} names no agent`);
      return { sender: props.servId, senderType: SENDER_TYPE.agent, action };
    }
    return { sender: SYSTEM_SENDER, senderType: SENDER_TYPE.agent, action };
  }
  if (props.actor === 'system') throw new ApiError('internal', 'system cannot act for a person');
  if (rule.by === 'user') {
    authorizeAsker(props.actor, question);
    return { sender: props.actor.userId, senderType: SENDER_TYPE.user, action };
  }
  const agent = requireAgent(props.actor, props.servId);
  authorizeAgentOnQuestion(agent, question);
  return { sender: agent.servId, senderType: SENDER_TYPE.agent, action };
}

function isAllowedNow(rule: TransitionRule, question: QuestionRecord, servId?: string): boolean {
  if (!rule.from.includes(question.status)) return false;
  if ((rule.by === 'servingAgent' || rule.needsNamedAgent) && question.servId !== servId) return false;
  if (rule.needsFinishRequest && question.finishRequestedAt === null) return false;
  return true;
}

/**
 * A transfer's target, checked by policy against the agent record and its presence now; the notice
 * it signs names both agents. Its capacity is checked later, inside the write.
 */
async function transferTarget(deps: Deps, props: TransitionProps, question: QuestionRecord): Promise<Pick<Notice, 'fromServId' | 'servId'>> {
  const caller = requireAgent(props.actor as Actor, props.servId);
  const toServId = props.toServId ?? '';
  const [target, presences] = await Promise.all([deps.store.accounts.getAgent(toServId), deps.presence.presenceOf([toServId])]);
  authorizeTransferTarget(caller, target, presences.get(toServId) ?? 'offline', question);
  return { fromServId: caller.servId, servId: toServId };
}

/**
 * Reopen returns a question to its agent only while that agent still serves the app and is online
 * now (presence, not away or offline); its capacity is checked in the write itself.
 */
async function servingAgentStillServes(deps: Deps, question: QuestionRecord): Promise<boolean> {
  if (question.status !== STATUS.resolved || question.servId === null) return false;
  const agent = await deps.store.accounts.getAgent(question.servId);
  if (agent === null || !agentServesApp(agent, question.identify)) return false;
  return (await deps.presence.presenceOf([agent.servId])).get(agent.servId) === 'online';
}

function nextServId(rule: TransitionRule, props: TransitionProps, to: number): string | null | undefined {
  switch (rule.servId) {
    case 'caller':
      return props.servId;
    case 'clear':
      return null;
    case 'keep':
      return undefined;
    case 'keepIfServed':
      return to === STATUS.inProgress ? undefined : null;
    case 'target':
      return props.toServId;
  }
}
