/**
 * Who may do what, as one-line rules: the one home of authorization. REST routes, socket handlers
 * and socket room re-homing all ask these, so no transport can check something different.
 */
import { ApiError } from '../../shared/errors.js';
import { SENDER_TYPE, STATUS, type SenderType } from '../../shared/limits.js';
import { rooms, type WatchRoom } from '../../shared/rooms.js';
import type { AgentRecord, QuestionRecord, TemplateRecord } from '../stores/types.js';
import type { Actor } from './actor.js';
import { tokenMatches } from './adminToken.js';

export const agentServesApp = (agent: AgentRecord, identify: string) => agent.identifies.includes(identify);

/** A supervisor of the app (issue 13): an agent of it whose role is `supervisor`. */
export const isSupervisorOf = (agent: AgentRecord, identify: string) => agent.role === 'supervisor' && agentServesApp(agent, identify);

export const isAsker = (actor: Actor, question: QuestionRecord) => actor.userId === question.userId;

export const isAgentOfQuestionApp = (actor: Actor, question: QuestionRecord) =>
  actor.agent !== null && agentServesApp(actor.agent, question.identify);

export const isServingAgent = (actor: Actor, question: QuestionRecord) =>
  question.status === STATUS.inProgress && question.servId !== null && actor.agent?.servId === question.servId;

/** Reading a question's messages (REST). */
export const canReadQuestion = (actor: Actor, question: QuestionRecord) =>
  isAsker(actor, question) || isAgentOfQuestionApp(actor, question);

/** Following a question's live events (socket subscribe, and staying subscribed after a change): as reading it. */
export const canSubscribe = canReadQuestion;

/**
 * Reading and writing a question's private notes: agents of its app, and never its asker, not even
 * through a session that is both (an app user bound to an agent of the app asking in it). Every
 * path a note takes asks this: the agent's reads, the notes room a socket joins, re-homing.
 */
export const canSeeNotes = (actor: Actor, question: QuestionRecord) => isAgentOfQuestionApp(actor, question) && !isAsker(actor, question);

/** Seeing the asking user's card (GET /user): agents of the question's app only. */
export const canSeeAsker = isAgentOfQuestionApp;

/**
 * Watching queues and conversations live (`kefu watch`) is the operator's: only a socket that
 * presents the ADMIN_TOKEN may, and none while ADMIN_TOKEN is unset.
 */
export function authorizeWatch(adminToken: string | undefined, given: string): void {
  if (!adminToken || !tokenMatches(given, adminToken)) {
    throw new ApiError('forbidden', 'watching needs the ADMIN_TOKEN', { field: 'admin_token' });
  }
}

/** What a watch socket hears: the apps it named, or every app when it named none. */
export const watchRoomsOf = (identifies: string[] | undefined): WatchRoom[] =>
  identifies?.length ? [...new Set(identifies)].map(rooms.watch) : [rooms.watchAll];

/** The watch rooms an event of an app goes to: that app's watchers and the watchers of every app. */
export const watchersOfApp = (identify: string): WatchRoom[] => [rooms.watch(identify), rooms.watchAll];

/** The apps whose live queue an actor hears: every app its bound agent serves. */
export const queuesHeardBy = (actor: Actor): string[] => actor.agent?.identifies ?? [];

/**
 * Who an actor types as in a question: the serving agent as the agent, the asker as the user;
 * anyone else may not signal typing there. Whether the other party hears it is the publisher's
 * business (nobody does while the question waits for an agent).
 */
export function typingIdentity(actor: Actor, question: QuestionRecord): { sender: string; senderType: SenderType } {
  if (isServingAgent(actor, question)) return { sender: actor.agent!.servId, senderType: SENDER_TYPE.agent };
  if (isAsker(actor, question)) return { sender: actor.userId, senderType: SENDER_TYPE.user };
  throw new ApiError('forbidden', 'only the asking user and the serving agent type in a question', { field: 'question_id' });
}

/**
 * Sending a message: `sender` / `sender_type` must be the session's own identity (its user, or its
 * bound agent) and that identity must belong to the question (its asker, an agent of its app).
 * Whether the question's status lets it send now is the state machine's (SEND_STATUSES).
 */
export function authorizeSend(actor: Actor, question: QuestionRecord, sender: string, senderType: SenderType): 'user' | 'agent' {
  if (senderType === SENDER_TYPE.user) {
    if (sender !== actor.userId) throw new ApiError('sender_mismatch', "sender is not this session's user", { field: 'sender' });
    authorizeAsker(actor, question);
    return 'user';
  }
  if (!actor.agent || actor.agent.servId !== sender) {
    throw new ApiError('sender_mismatch', "sender is not this session's bound agent", { field: 'sender' });
  }
  authorizeAgentOnQuestion(actor.agent, question);
  return 'agent';
}

/**
 * Writing a note: `sender` must be the session's bound agent, and that agent one who may see the
 * question's notes. Any status will do: a note may brief the next agent or close the file.
 */
export function authorizeNote(actor: Actor, question: QuestionRecord, sender: string): AgentRecord {
  const agent = requireAgent(actor);
  if (agent.servId !== sender) throw new ApiError('sender_mismatch', "sender is not this session's bound agent", { field: 'sender' });
  if (!canSeeNotes(actor, question)) {
    throw new ApiError('forbidden', "only agents of the question's app write its notes", { field: 'question_id' });
  }
  return agent;
}

/** The bound agent, or serv_not_bound; when `servId` is named the session must be bound to it. */
export function requireAgent(actor: Actor, servId?: string): AgentRecord {
  if (!actor.agent) throw new ApiError('serv_not_bound', 'this session is not bound to an agent', { field: 'session' });
  if (servId !== undefined && actor.agent.servId !== servId) {
    throw new ApiError('serv_not_bound', 'this session is not bound to that serv_id', { field: 'serv_id' });
  }
  return actor.agent;
}

/**
 * Whose tasks (GET /serv/<serv_id>/tasks) an actor reads, and in which apps: its own agent's in
 * its apps; a supervisor also any agent's, in the apps it supervises (issue 13). Narrowed to
 * `identify` when given (403 outside those apps).
 */
export function tasksScope(actor: Actor, servId: string, identify?: string): string[] {
  const agent = requireAgent(actor);
  if (agent.servId === servId) return agentApps(agent, identify);
  const supervised = agent.identifies.filter((app) => isSupervisorOf(agent, app));
  if (supervised.length === 0) throw new ApiError('serv_not_bound', 'this session is not bound to that serv_id', { field: 'serv_id' });
  if (identify === undefined) return supervised;
  if (!supervised.includes(identify)) throw new ApiError('forbidden', 'this agent does not supervise that app', { field: 'identify' });
  return [identify];
}

/** Choosing online or away: only for the agent the session is bound to (serv_not_bound otherwise). */
export const authorizeChooseStatus = (actor: Actor, servId: string): AgentRecord => requireAgent(actor, servId);

/** Seeing an app's agents with their presence and load: any agent of that app. */
export const canSeeAgentsOf = (actor: Actor, identify: string) => actor.agent !== null && agentServesApp(actor.agent, identify);

export function authorizeSeeAgents(actor: Actor, identify: string): void {
  requireAgent(actor);
  if (!canSeeAgentsOf(actor, identify)) throw new ApiError('forbidden', 'this agent does not serve that app', { field: 'identify' });
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

export function authorizeSubscribe(actor: Actor, question: QuestionRecord): void {
  if (!canSubscribe(actor, question)) throw new ApiError('forbidden', 'not your question', { field: 'question_id' });
}

export function authorizeSeeAsker(actor: Actor, question: QuestionRecord): void {
  if (!canSeeAsker(actor, question)) {
    throw new ApiError('forbidden', "only agents of the question's app may see its user", { field: 'question_id' });
  }
}

export function authorizeAsker(actor: Actor, question: QuestionRecord): void {
  if (!isAsker(actor, question)) throw new ApiError('forbidden', 'only the asking user may do this', { field: 'question_id' });
}

/**
 * Who reads the reports of an app: the operator (ADMIN_TOKEN), or a supervisor serving that app.
 * `admin: false` without an actor is a bearer token that is not ADMIN_TOKEN.
 */
export interface ReportReader {
  admin: boolean;
  actor?: Actor;
}

export const canReadReports = (reader: ReportReader, identify: string) =>
  reader.admin || (reader.actor?.agent != null && isSupervisorOf(reader.actor.agent, identify));

export function authorizeReports(reader: ReportReader, identify: string): void {
  if (canReadReports(reader, identify)) return;
  if (!reader.actor) throw new ApiError('forbidden', 'a valid admin bearer token is required', { field: 'authorization' });
  throw new ApiError('forbidden', "only a supervisor of the app (or the operator) reads its reports", { field: 'identify' });
}

/** Only the asking user rates its question (issue 13). */
export const authorizeRate = authorizeAsker;

/** The cycles (metrics and ratings) of a question: agents of its app, never its asker. */
export const canSeeCycles = canSeeNotes;

export function authorizeSeeCycles(actor: Actor, question: QuestionRecord): void {
  if (!canSeeCycles(actor, question)) throw new ApiError('forbidden', "only agents of the question's app may read its cycles", { field: 'question_id' });
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
