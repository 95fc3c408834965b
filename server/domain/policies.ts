/**
 * Who may do what, as one-line rules. Routes and socket handlers call the same functions, so the
 * REST and real-time paths can never check different things.
 */
import { ApiError } from '../../shared/errors.js';
import type { QuestionRecord, TemplateRecord } from '../stores/types.js';
import type { Actor } from './actor.js';
import type { AgentRecord } from '../stores/types.js';

export const agentServesApp = (agent: AgentRecord, identify: string) => agent.identifies.includes(identify);

export const isAsker = (actor: Actor, question: QuestionRecord) => actor.userId === question.userId;

export const isAgentOfQuestionApp = (actor: Actor, question: QuestionRecord) =>
  actor.agent !== null && agentServesApp(actor.agent, question.identify);

/** Reading a question's messages (REST) or subscribing to it (socket). */
export const canReadQuestion = (actor: Actor, question: QuestionRecord) =>
  isAsker(actor, question) || isAgentOfQuestionApp(actor, question);

/** The bound agent, or serv_not_bound; when `servId` is named the session must be bound to it. */
export function requireAgent(actor: Actor, servId?: string): AgentRecord {
  if (!actor.agent) throw new ApiError('serv_not_bound', 'this session is not bound to an agent', { field: 'session' });
  if (servId !== undefined && actor.agent.servId !== servId) {
    throw new ApiError('serv_not_bound', 'this session is not bound to that serv_id', { field: 'serv_id' });
  }
  return actor.agent;
}

/** The apps an agent may look at, narrowed to `identify` when given (403 outside its apps). */
export function agentApps(agent: AgentRecord, identify?: string): string[] {
  if (identify === undefined) return agent.identifies;
  if (!agentServesApp(agent, identify)) {
    throw new ApiError('forbidden', 'this agent does not serve that app', { field: 'identify' });
  }
  return [identify];
}

export function authorizeRead(actor: Actor, question: QuestionRecord): void {
  if (!canReadQuestion(actor, question)) throw new ApiError('forbidden', 'not your question', { field: 'question_id' });
}

export function authorizeAsker(actor: Actor, question: QuestionRecord): void {
  if (!isAsker(actor, question)) throw new ApiError('forbidden', 'only the asking user may do this', { field: 'question_id' });
}

export function authorizeAgentOnQuestion(agent: AgentRecord, question: QuestionRecord): void {
  if (!agentServesApp(agent, question.identify)) {
    throw new ApiError('forbidden', "this agent does not serve the question's app", { field: 'question_id' });
  }
}

export function authorizeTemplate(agent: AgentRecord, template: TemplateRecord): void {
  if (!agentServesApp(agent, template.identify)) {
    throw new ApiError('forbidden', "this agent does not serve the template's app", { field: 'template_id' });
  }
}

/**
 * A user's own question lists: the user itself, or an agent (restricted to its apps). Returns the
 * apps to filter on, or undefined for no app restriction.
 */
export function userListScope(actor: Actor, userId: string, identify?: string): string[] | undefined {
  if (actor.userId === userId) return identify === undefined ? undefined : [identify];
  if (actor.agent) return agentApps(actor.agent, identify);
  throw new ApiError('forbidden', "another user's questions", { field: 'user_id' });
}
