/**
 * One schema per endpoint input: path parameters merged over the body (POST) or the query (GET).
 * The caller's session is not part of these; the session middleware reads and checks it first.
 */
import { z } from 'zod';
import { LIMITS } from '../limits.js';
import {
  identify,
  intChoice,
  intParam,
  labelList,
  labelValue,
  line,
  objectId,
  paging,
  password,
  senderType,
  servId,
  sessionToken,
  text,
  userId,
} from './common.js';

const questionCursor = { question_id: objectId.optional() };
const appFilter = { identify: identify.optional() };
const clientMsgId = { client_msg_id: line(LIMITS.clientMsgId.min, LIMITS.clientMsgId.max).optional() };
const senderFields = { sender: line(1, Math.max(LIMITS.userId.max, LIMITS.servId.max)), sender_type: senderType };

export const questionNewInput = z.object({
  title: line(0, LIMITS.title.max).optional(),
  label: labelList.optional(),
});

export const servCredentialsInput = z.object({ serv_id: servId, password });

/** /serv/logout: the desk session to end is the caller's own session, nothing else. */
export const servLogoutInput = z.object({});

export const questionListInput = z.object({
  ...paging,
  ...questionCursor,
  ...appFilter,
  label: labelValue.optional(),
});

/** serve, quit, finish, request_finish: the agent names itself. */
export const agentActionInput = z.object({ question_id: objectId, serv_id: servId });

/** transfer (extension): the serving agent names itself and the agent it hands the question to. */
export const transferInput = z.object({ question_id: objectId, serv_id: servId, to_serv_id: servId });

/** reopen, confirm_finish: the user acts through its session alone. */
export const userActionInput = z.object({ question_id: objectId });

/** POST /question/<id>/rate: the asking user rates the cycle that just resolved. */
export const rateInput = z.object({
  question_id: objectId,
  score: intParam(LIMITS.ratingScore.min, LIMITS.ratingScore.max),
  comment: text(0, LIMITS.ratingComment.max).optional(),
});

/** GET /question/<id>/cycles: the question's resolution cycles, for agents of its app. */
export const questionCyclesInput = z.object({ question_id: objectId });

/**
 * A report bound: unix seconds (an integer or a decimal), or a UTC date `YYYY-MM-DD`. Dates are
 * whole UTC days: `from` is the start of its day, `to` the end of its day (so from=to=a date is that day).
 */
const reportBound = z.union(
  [
    z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), { error: 'must be a real date' }),
    z.number().nonnegative(),
    z.string().regex(/^\d{1,12}(\.\d+)?$/).transform(Number),
  ],
  { error: 'must be unix seconds or a date YYYY-MM-DD' },
);

/** GET /reports/summary (issue 13): one app's cycles started in [from, to), grouped. */
export const reportsSummaryInput = z.object({
  identify,
  from: reportBound.optional(),
  to: reportBound.optional(),
  group_by: z.enum(['day', 'agent', 'label']).optional(),
  format: z.enum(['json', 'csv']).optional(),
});

/** POST /serv/status: the bound agent chooses to be online or away. */
export const servStatusInput = z.object({ serv_id: servId, status: z.enum(['online', 'away']) });

/** GET /serv/agents: the agents of one app, with presence and load. */
export const servAgentsInput = z.object({ identify });

export const servTasksInput = z.object({ serv_id: servId, ...paging, ...questionCursor, ...appFilter });

export const userQuestionsInput = z.object({ user_id: userId, ...paging, ...questionCursor, ...appFilter });

export const questionMessagesInput = z.object({
  question_id: objectId,
  ...paging,
  message_id: objectId.optional(),
  ...appFilter,
});

export const sendTextInput = z.object({
  question_id: objectId,
  ...senderFields,
  text: text(LIMITS.text.min, LIMITS.text.max),
  ...clientMsgId,
});

/**
 * send_note (extension, issue 12): a private note by an agent of the question's app. The sender is
 * always the agent (`sender_type` 2); the user can never write or read one.
 */
export const sendNoteInput = z.object({
  question_id: objectId,
  sender: servId,
  sender_type: intChoice([2] as const),
  text: text(LIMITS.text.min, LIMITS.text.max),
  ...clientMsgId,
});

/** base64 (standard or URL-safe alphabet, optional data: URL prefix); decoding is media's job. */
const base64Payload = z.string().min(1);

export const sendImageInput = z.object({
  question_id: objectId,
  ...senderFields,
  image: base64Payload,
  ...clientMsgId,
});

export const sendAudioInput = z.object({
  question_id: objectId,
  ...senderFields,
  audio: base64Payload,
  audio_len: intParam(LIMITS.audioLen.min, LIMITS.audioLen.max),
  ...clientMsgId,
});

export const templatesInput = z.object({ ...appFilter });

export const templateItemsInput = z.object({
  template_id: objectId,
  ...paging,
  item_id: objectId.optional(),
  ...appFilter,
});

export const userPageInput = z.object({ question_id: objectId });

export const mediaInput = z.object({
  kind: z.enum(['image', 'audio']),
  file: z.string().regex(/^[0-9a-f]{24}\.[a-z0-9]{2,4}$/, { error: 'must be a media file name' }),
});

// ---- admin (server to server) ----

const count = intParam(0, LIMITS.count.max);

/** How an app's questions reach agents; left out on an update, the app keeps its routing (new apps: manual). */
export const appRouting = z.enum(['manual', 'auto']);

export const adminAppInput = z.object({ identify, name: line(0, LIMITS.name.max).optional(), routing: appRouting.optional() });

export const adminUserInput = z.object({
  user_id: userId,
  name: line(1, LIMITS.name.max),
  image_url: z
    .string()
    .max(LIMITS.url.max)
    .regex(/^(https?:\/\/[^\s]+)?$/, { error: 'must be an http(s) URL' })
    .optional(),
  device_count: count.optional(),
  group_count: count.optional(),
});

export const adminSessionInput = z.object({ user_id: userId, identify });

export const adminSessionDeleteInput = z.object({
  session: sessionToken,
});

/** DELETE /admin/servs/<serv_id>: the agent to remove. */
export const adminServDeleteInput = z.object({ serv_id: servId });

/** DELETE /admin/apps/<identify>: the app to remove. */
export const adminAppDeleteInput = z.object({ identify });

/** The user to remove (the CLI's user:delete). */
export const userDeleteInput = z.object({ user_id: userId });

/** The quick-answer template to remove (the CLI's template:delete). */
export const templateDeleteInput = z.object({ template_id: objectId });

export const adminServInput = z.object({
  serv_id: servId,
  password,
  name: line(0, LIMITS.name.max).optional(),
  // A form body names a one-app list by giving the key once, which arrives as a plain string.
  identifies: z
    .union([z.array(identify), identify.transform((one) => [one])])
    .pipe(z.array(identify).min(1, { error: 'must list at least one app' }).max(200)),
  /** Extension (issue 12): questions it may serve at once; 0 (the default) is no limit. */
  max_concurrent: intParam(0, LIMITS.maxConcurrent.max).optional(),
  /** Extension (issue 13): `supervisor` also reads its apps' conversations, reports and team; `agent` (the default) otherwise. */
  role: z.enum(['agent', 'supervisor']).optional(),
});

export const adminTemplateInput = z.object({
  identify,
  title: line(LIMITS.templateTitle.min, LIMITS.templateTitle.max),
});

export const adminItemInput = z.object({
  template_id: objectId,
  question: text(LIMITS.itemQuestion.min, LIMITS.itemQuestion.max),
  content: text(LIMITS.itemContent.min, LIMITS.itemContent.max),
});

/** The events a webhook may subscribe to (docs/api.md, "Webhooks"). */
export const WEBHOOK_EVENTS = ['question.created', 'question.updated', 'message.created', 'question.rated'] as const;
const webhookEvent = z.enum(WEBHOOK_EVENTS, { error: `must be one of ${WEBHOOK_EVENTS.join(', ')}` });

/** Extension (issue 13): POST /admin/webhooks. Whether the URL may be called is checked by the command (DNS). */
export const adminWebhookInput = z.object({
  identify,
  url: z
    .string()
    .max(LIMITS.url.max, { error: `must be at most ${LIMITS.url.max} characters` })
    .regex(/^https?:\/\/\S+$/i, { error: 'must be an http or https URL' }),
  // As identifies: a JSON array, a repeated form key, or one form value for one event.
  events: z
    .union([z.array(webhookEvent), webhookEvent.transform((one) => [one])])
    .pipe(z.array(webhookEvent).min(1, { error: 'must list at least one event' }).max(WEBHOOK_EVENTS.length))
    .transform((events) => [...new Set(events)]),
});

/** GET /admin/webhooks: every webhook, or one app's. */
export const adminWebhookListInput = z.object({ identify: identify.optional() });

/** DELETE /admin/webhooks/<webhook_id>. */
export const adminWebhookDeleteInput = z.object({ webhook_id: objectId });

export type QuestionNewInput = z.infer<typeof questionNewInput>;
export type QuestionListInput = z.infer<typeof questionListInput>;
export type AgentActionInput = z.infer<typeof agentActionInput>;
export type TransferInput = z.infer<typeof transferInput>;
export type RateInput = z.infer<typeof rateInput>;
export type ReportsSummaryInput = z.infer<typeof reportsSummaryInput>;
export type UserQuestionsInput = z.infer<typeof userQuestionsInput>;
export type QuestionMessagesInput = z.infer<typeof questionMessagesInput>;
export type SendTextInput = z.infer<typeof sendTextInput>;
export type SendNoteInput = z.infer<typeof sendNoteInput>;
export type SendImageInput = z.infer<typeof sendImageInput>;
export type SendAudioInput = z.infer<typeof sendAudioInput>;
export type TemplateItemsInput = z.infer<typeof templateItemsInput>;
export type AdminServInput = z.infer<typeof adminServInput>;
export type AdminUserInput = z.infer<typeof adminUserInput>;
export type AdminWebhookInput = z.infer<typeof adminWebhookInput>;
