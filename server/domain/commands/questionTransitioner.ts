import { ApiError } from '../../../shared/errors.js';
import { SENDER_TYPE, STATUS, SYSTEM_SENDER } from '../../../shared/limits.js';
import type { Deps } from '../../deps.js';
import type { Notice, QuestionRecord, TransitionResult, TransitionWrite } from '../../stores/types.js';
import type { Actor } from '../actor.js';
import { loadQuestion } from '../queries.js';
import { agentServesApp, authorizeAgentOnQuestion, authorizeAsker, requireAgent } from '../policies.js';
import { TRANSITIONS, refusalFor, type TransitionName, type TransitionRule } from '../stateMachine.js';

export interface TransitionProps {
  name: TransitionName;
  questionId: string;
  /** The caller, or 'system' for the timeout sweeper. */
  actor: Actor | 'system';
  /** The agent the caller names (serve, quit, finish, request_finish), or the one released. */
  servId?: string;
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

  const agentStillServes = await servingAgentStillServes(deps, question);
  const to = rule.to(question, agentStillServes);
  const write: TransitionWrite = {
    questionId: question.id,
    from: rule.from,
    to,
    notice,
    now: deps.now(),
    setServId: nextServId(rule, props.servId, to),
    finishRequest: rule.finishRequest,
    finishRequested: rule.needsFinishRequest,
    withinCapacity: rule.withinCapacity,
    cycle: rule.metrics,
    ...props.guards,
  };
  if (rule.by === 'servingAgent' || rule.needsNamedAgent) write.servId = props.servId;
  if (rule.servId === 'keepIfServed') write.servId = question.servId;
  if (rule.by === 'user') write.userId = question.userId;

  const previous = { status: question.status, servId: question.servId };
  const result = await deps.store.conversations.transition(write, previous);
  if (result === 'at_capacity') {
    throw new ApiError('agent_at_capacity', `${write.setServId} already serves as many questions as its max_concurrent allows`, { field: 'serv_id' });
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

/** Reopen returns a question to its agent only while that agent still serves the app. */
async function servingAgentStillServes(deps: Deps, question: QuestionRecord): Promise<boolean> {
  if (question.status !== STATUS.resolved || question.servId === null) return false;
  const agent = await deps.store.accounts.getAgent(question.servId);
  return agent !== null && agentServesApp(agent, question.identify);
}

function nextServId(rule: TransitionRule, callerServId: string | undefined, to: number): string | null | undefined {
  switch (rule.servId) {
    case 'caller':
      return callerServId;
    case 'clear':
      return null;
    case 'keep':
      return undefined;
    case 'keepIfServed':
      return to === STATUS.inProgress ? undefined : null;
  }
}
