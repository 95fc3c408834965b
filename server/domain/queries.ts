/**
 * Read-side use cases: every list the API offers, with its authorization and paging. Lists whose
 * shape is the same for every reader return presented shapes; messages, whose media URLs depend on
 * the reader's origin, return records for the route to present.
 */
import { ApiError } from '../../shared/errors.js';
import { STATUS, type QuestionStatus } from '../../shared/limits.js';
import type { Deps } from '../deps.js';
import type { CycleRecord, MessageRecord, Page, QuestionRecord, QuestionSummaryRecord } from '../stores/types.js';
import type { Actor } from './actor.js';
import { agentApps, tasksScope, authorizeRead, authorizeReports, authorizeSeeAgents, authorizeSeeCycles, type ReportReader, authorizeTemplate, canSeeNotes, requireAgent, userListScope } from './policies.js';
import { presentAgent, presentItem, presentSummary, presentTemplate } from './presenters.js';
import { readTimeline, type TimelineRecord } from './timeline.js';
import { presentReport, reportRange, type GroupBy } from './reports.js';

export interface PagingInput {
  page: number;
  num: number;
  sort: 1 | -1;
}

export function toPage(input: PagingInput, after?: string): Page {
  return { num: input.num, offset: input.page * input.num, sort: input.sort, after };
}

function summaries(records: QuestionSummaryRecord[]) {
  return records.map((record) => presentSummary(record.question, record.user));
}

/** GET /question/list: the pending queue of the agent's apps (or one of them), optionally by label. */
export async function listQueue(
  deps: Deps,
  actor: Actor,
  input: PagingInput & { identify?: string; label?: string; question_id?: string },
) {
  const agent = requireAgent(actor);
  const records = await deps.store.conversations.listQuestionSummaries(
    { status: STATUS.pending, identifies: agentApps(agent, input.identify), label: input.label },
    toPage(input, input.question_id),
  );
  return summaries(records);
}

/** GET /serv/<serv_id>/tasks: in-progress questions this agent serves, reopened ones included. */
export async function listAgentTasks(
  deps: Deps,
  actor: Actor,
  input: PagingInput & { serv_id: string; identify?: string; question_id?: string },
) {
  const records = await deps.store.conversations.listQuestionSummaries(
    { status: STATUS.inProgress, servId: input.serv_id, identifies: tasksScope(actor, input.serv_id, input.identify) },
    toPage(input, input.question_id),
  );
  return summaries(records);
}

/** GET /user/<user_id>/{waits,tasks,overs,alls}. */
export async function listUserQuestions(
  deps: Deps,
  actor: Actor,
  status: QuestionStatus | undefined,
  input: PagingInput & { user_id: string; identify?: string; question_id?: string },
): Promise<QuestionRecord[]> {
  const identifies = userListScope(actor, input.user_id, input.identify);
  return deps.store.conversations.listQuestions({ status, userId: input.user_id, identifies }, toPage(input, input.question_id));
}

/**
 * GET /question/<id>/message: by seq; a message_id cursor continues after that message. Whoever may
 * see the question's notes (its app's agents) gets them in place, and may continue after a note;
 * anyone else reads messages alone, where a note's id is no cursor. The route presents them for its reader.
 */
export async function listMessages(
  deps: Deps,
  actor: Actor,
  input: PagingInput & { question_id: string; message_id?: string; identify?: string },
): Promise<TimelineRecord[]> {
  const question = await loadQuestion(deps, input.question_id);
  authorizeRead(actor, question);
  if (input.identify !== undefined && input.identify !== question.identify) {
    throw new ApiError('question_not_found', 'no such question in that app', { field: 'identify' });
  }
  if (canSeeNotes(actor, question)) {
    return readTimeline(deps, question, { num: input.num, offset: input.page * input.num, sort: input.sort, cursorId: input.message_id });
  }
  return messagesOnly(deps, question, input);
}

async function messagesOnly(deps: Deps, question: QuestionRecord, input: PagingInput & { message_id?: string }): Promise<MessageRecord[]> {
  let afterSeq: number | undefined;
  if (input.message_id !== undefined) {
    const cursor = await deps.store.conversations.getMessage(input.message_id);
    if (!cursor || cursor.questionId !== question.id) {
      throw new ApiError('param_invalid', 'message_id is not a message of this question', { field: 'message_id' });
    }
    afterSeq = cursor.seq;
  }
  const messages = await deps.store.conversations.listMessages(question.id, {
    num: input.num,
    offset: input.page * input.num,
    sort: input.sort,
    afterSeq,
  });
  return messages;
}

/** GET /question/<id>/cycles: its resolution cycles with their metrics and ratings, for agents of its app. */
export async function listCycles(deps: Deps, actor: Actor, questionId: string): Promise<CycleRecord[]> {
  const question = await loadQuestion(deps, questionId);
  authorizeSeeCycles(actor, question);
  return deps.store.cycles.listCycles(question.id);
}

export type { ReportReader };

/** GET /reports/summary: the figures of one app's cycles started in the range, grouped. */
export async function reportSummary(
  deps: Deps,
  reader: ReportReader,
  input: { identify: string; from?: number | string; to?: number | string; group_by?: GroupBy },
) {
  authorizeReports(reader, input.identify);
  const range = reportRange(input, deps.now());
  const report = await deps.store.cycles.reportCycles({ identify: input.identify, ...range }, input.group_by);
  return presentReport(report, { identify: input.identify, ...range, groupBy: input.group_by });
}

/** GET /serv/agents: every agent of one app with its presence, load and capacity, by serv_id. */
export async function listAppAgents(deps: Deps, actor: Actor, input: { identify: string }) {
  authorizeSeeAgents(actor, input.identify);
  const agents = await deps.store.accounts.listAgentsOfApp(input.identify);
  const servIds = agents.map((agent) => agent.servId);
  const [presences, loads] = await Promise.all([deps.presence.presenceOf(servIds), deps.store.conversations.loadsOf(servIds)]);
  return agents.map((agent) => presentAgent(agent, presences.get(agent.servId) ?? 'offline', loads.get(agent.servId) ?? 0));
}

/** GET /answer/templates. */
export async function listTemplates(deps: Deps, actor: Actor, input: { identify?: string }) {
  const agent = requireAgent(actor);
  const templates = await deps.store.templates.listTemplates(agentApps(agent, input.identify));
  return templates.map(presentTemplate);
}

/** GET /answer/template/<template_id>. */
export async function listItems(
  deps: Deps,
  actor: Actor,
  input: PagingInput & { template_id: string; item_id?: string; identify?: string },
) {
  const agent = requireAgent(actor);
  // An identify outside the agent's apps is 403, as on every other agent list.
  agentApps(agent, input.identify);
  const template = await deps.store.templates.getTemplate(input.template_id);
  if (!template || (input.identify !== undefined && input.identify !== template.identify)) {
    throw new ApiError('template_not_found', 'no such template', { field: 'template_id' });
  }
  authorizeTemplate(agent, template);
  const items = await deps.store.templates.listItems(template.id, toPage(input, input.item_id));
  return items.map(presentItem);
}

export async function loadQuestion(deps: Deps, id: string): Promise<QuestionRecord> {
  const question = await deps.store.conversations.getQuestion(id);
  if (!question) throw new ApiError('question_not_found', 'no such question', { field: 'question_id' });
  return question;
}
