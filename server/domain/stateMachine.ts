/**
 * The question state machine as one table. Every transition is one conditional write in the store
 * (its `from` statuses and guards in the filter) plus its notice message, so races resolve in the
 * store: of N agents serving at once exactly one write matches.
 */
import { ACTION, SENDER_TYPE, STATUS, type NoticeAction, type QuestionStatus, type SenderType } from '../../shared/limits.js';
import type { ErrorCode } from '../../shared/errors.js';
import type { CycleEffect, QuestionRecord } from '../stores/types.js';

/** Who performs a transition: any agent of the app, the serving agent, the asking user, or the sweeper. */
export type TransitionActor = 'agent' | 'servingAgent' | 'user' | 'system';

export interface TransitionRule {
  from: QuestionStatus[];
  /** Target status; reopen depends on whether the question had an agent. */
  to: (question: QuestionRecord, agentStillServes: boolean) => QuestionStatus;
  action: NoticeAction;
  by: TransitionActor;
  /** What happens to serv_id: the caller takes it, it is cleared, kept, or the target the caller names takes it (transfer). */
  servId: 'caller' | 'clear' | 'keep' | 'keepIfServed' | 'target';
  finishRequest?: 'set';
  /** Only while a finish request (action 3) is pending. */
  needsFinishRequest?: boolean;
  /** Only while the agent the caller names serves it (the system releasing one agent's questions). */
  needsNamedAgent?: boolean;
  /** Only while the agent it goes to serves fewer questions than its max_concurrent (checked in the write). */
  withinCapacity?: boolean;
  /** A system row whose notice is signed by the agent the caller names (auto-assign reads as a serve). */
  signedByNamedAgent?: boolean;
  /** Records the agent named as the one that quit it, so auto-assign does not hand it straight back. */
  recordsQuitter?: boolean;
  /** Only while the agent named is not the one that last quit it (checked in the write). */
  skipsQuitter?: boolean;
  /**
   * What the row does to the cycle metrics: `opens` a new cycle, or `ends` the open one this way.
   * Serves need no facet: a write that leaves the question in progress with an agent counts as
   * one (the store records the cycle's first serve and the agent involved), whatever its row.
   */
  metrics?: CycleEffect;
}

export const TRANSITIONS = {
  serve: {
    from: [STATUS.pending],
    to: () => STATUS.inProgress,
    action: ACTION.agentStarted,
    by: 'agent',
    servId: 'caller',
    withinCapacity: true,
  },
  quit: {
    from: [STATUS.inProgress],
    to: () => STATUS.pending,
    action: ACTION.agentQuit,
    by: 'servingAgent',
    servId: 'clear',
    recordsQuitter: true,
  },
  requestFinish: {
    from: [STATUS.inProgress],
    to: () => STATUS.inProgress,
    action: ACTION.finishRequested,
    by: 'servingAgent',
    servId: 'keep',
    finishRequest: 'set',
  },
  finish: {
    from: [STATUS.inProgress],
    to: () => STATUS.resolved,
    action: ACTION.finished,
    by: 'servingAgent',
    servId: 'keep',
    metrics: { ends: 'finished' },
  },
  confirmFinish: {
    from: [STATUS.inProgress],
    to: () => STATUS.resolved,
    action: ACTION.finished,
    by: 'user',
    servId: 'keep',
    needsFinishRequest: true,
    metrics: { ends: 'confirmed' },
  },
  /**
   * The serving agent hands the question to another agent of the app (online, checked before the
   * write; under its capacity, checked in it). One conditional write on status 2 and the caller as
   * serv_id, so a finish or quit that lands first makes it match nothing.
   */
  transfer: {
    from: [STATUS.inProgress],
    to: () => STATUS.inProgress,
    action: ACTION.transferred,
    by: 'servingAgent',
    servId: 'target',
    withinCapacity: true,
  },
  /**
   * Back to the former agent while it still serves the app, is online and under capacity (checked
   * in the write; a write refused for capacity is made again to the queue), else to the queue.
   */
  reopen: {
    from: [STATUS.resolved],
    to: (_question, agentStillServes) => (agentStillServes ? STATUS.inProgress : STATUS.pending),
    action: ACTION.reopened,
    by: 'user',
    servId: 'keepIfServed',
    withinCapacity: true,
    metrics: { opens: true },
  },
  /**
   * Auto-assign (apps with routing "auto"): the server hands a waiting question to the agent it
   * chose, as if that agent had served it (action 1 signed by the agent), under its capacity and
   * never straight back to the agent that quit it, both checked in the write.
   */
  assign: {
    from: [STATUS.pending],
    to: () => STATUS.inProgress,
    action: ACTION.agentStarted,
    by: 'system',
    servId: 'caller',
    withinCapacity: true,
    signedByNamedAgent: true,
    skipsQuitter: true,
  },
  timeOut: {
    from: [STATUS.pending, STATUS.inProgress],
    to: () => STATUS.resolved,
    action: ACTION.timedOut,
    by: 'system',
    servId: 'keep',
    metrics: { ends: 'timed_out' },
  },
  /**
   * An agent that no longer serves the app (its apps changed, it was removed) lets its questions
   * go: back to the queue with the usual action-2 notice, signed by the system.
   */
  release: {
    from: [STATUS.inProgress],
    to: () => STATUS.pending,
    action: ACTION.agentQuit,
    by: 'system',
    servId: 'clear',
    needsNamedAgent: true,
    recordsQuitter: true,
  },
  /**
   * The asking user was removed (the operator's `user:delete`): nobody is left to answer or
   * confirm, so its open questions finish, signed by the system, and leave queues and tasks.
   */
  userRemoved: {
    from: [STATUS.pending, STATUS.inProgress],
    to: () => STATUS.resolved,
    action: ACTION.finished,
    by: 'system',
    servId: 'keep',
    metrics: { ends: 'finished' },
  },
  finishUnconfirmed: {
    from: [STATUS.inProgress],
    to: () => STATUS.resolved,
    action: ACTION.finished,
    by: 'system',
    servId: 'keep',
    needsFinishRequest: true,
    metrics: { ends: 'finished' },
  },
} as const satisfies Record<string, TransitionRule>;

export type TransitionName = keyof typeof TRANSITIONS;

/**
 * Why a transition did not apply to the question as it is now; the error a caller sees after its
 * conditional write matched nothing (or before trying, when the loaded state already rules it out).
 */
export function refusalFor(name: TransitionName, question: QuestionRecord, servId?: string): ErrorCode {
  const rule: TransitionRule = TRANSITIONS[name];
  if (rule.from.includes(question.status)) {
    if ((rule.by === 'servingAgent' || rule.needsNamedAgent) && question.servId !== servId) return 'question_taken';
    if (rule.needsFinishRequest && question.finishRequestedAt === null) return 'question_not_finished';
    // The state allowed it but the write lost a race; the next read shows the winner's state.
    return 'question_taken';
  }
  if (name === 'reopen') return 'question_not_finished';
  if (question.status === STATUS.resolved) return 'question_finished';
  if (question.status === STATUS.inProgress) return 'question_taken';
  return 'question_not_started';
}

/** Who may post a chat message in which status: the user while 1 or 2, the serving agent while 2. */
export const SEND_STATUSES = {
  user: [STATUS.pending, STATUS.inProgress] as QuestionStatus[],
  agent: [STATUS.inProgress] as QuestionStatus[],
};

/** Why a send was refused, given the question as it is now. */
export function sendRefusal(question: QuestionRecord, senderType: SenderType, servId?: string): ErrorCode {
  if (question.status === STATUS.resolved) return 'question_finished';
  if (senderType === SENDER_TYPE.agent) {
    if (question.status === STATUS.pending) return 'question_not_started';
    if (question.servId !== servId) return 'question_taken';
  }
  // The state allowed it when read but another write changed it first.
  return 'question_taken';
}
