/**
 * Mongoose schemas and models of the MongoDB store. Field names follow the API's snake_case (they are
 * what an operator sees in the shell). Every index a list or lookup needs is declared here; they are
 * created on start and by `npm run migrate` (docs/mongodb.md lists them).
 *
 * Schemas are strict both ways: `strict: 'throw'` refuses unknown paths in writes and
 * `strictQuery: 'throw'` refuses unknown paths in filters, so a typo can never widen a filter to
 * "everything" by being silently dropped.
 */
import mongoose, { Schema, type Connection, type Model, type Types } from 'mongoose';
import { LIMITS } from '../../../shared/limits.js';
import type { AppRouting, ChangeKind, OutboxEventType, SessionKind } from '../types.js';

const strictness = { strict: 'throw', strictQuery: 'throw', versionKey: false, autoIndex: false } as const;
const num = { type: Number, required: true } as const;
const nullableNum = { type: Number, default: null } as const;
const str = (max: number, required = true) => ({ type: String, required, maxlength: max }) as const;
/** Status-like small integers: casting refuses 1.5 or "x", the enum refuses 7. */
const intEnum = (values: number[]) => ({ type: Number, required: true, enum: values, validate: Number.isInteger }) as const;

/** `routing` is absent on apps from before issue 12 (read as manual). */
export interface AppDoc { _id: string; name: string; created_at: number; routing?: AppRouting }
export interface UserDoc { _id: string; name: string; image_url: string; device_count: number; group_count: number }
/** A device session under the digest of its token (the token itself is never stored). */
export interface SessionDoc {
  _id: string;
  user_id: string;
  identify: string;
  serv_id: string | null;
  kind: SessionKind;
  created_at: number;
  last_used_at: number;
}
/** A seat an agent holds: a question it serves (or is about to, in retry-safe mode), since `at`. */
export interface SeatDoc { q: Types.ObjectId; at: number }
export interface AgentDoc {
  _id: string;
  password_hash: string;
  name: string;
  identifies: string[];
  /** Questions it may serve at once; 0 is no limit. Absent on agents written before issue 12 (read as 0). */
  max_concurrent?: number;
  /** Issue 13: `supervisor` or `agent`; absent on agents written before it (read as agent). */
  role?: 'agent' | 'supervisor';
  /** Its seats, one per question it serves: capacity is checked against their count (seats.ts). */
  serving?: SeatDoc[];
  /** When it last took a seat (was given a question): auto-assign's tie-break. Absent until then. */
  last_assigned_at?: number;
}
export interface MessageDoc {
  _id: Types.ObjectId;
  question: Types.ObjectId;
  seq: number;
  sender: string;
  sender_type: number;
  type: number;
  created_at: number;
  text?: string;
  media_path?: string;
  audio_len?: number;
  action?: number;
  /** A transfer notice (action 7): the agent who handed the question over. */
  from_serv_id?: string;
  /** Reopen notices (action 6): the agent the question went back to, null when to the queue; transfer notices: the one who has it. */
  serv_id?: string | null;
  /** Digest of the sending device session (the idempotency key with client_msg_id). */
  session?: string;
  client_msg_id?: string;
}
/** A private note (notes.ts): its own collection, so no read of messages can return one. */
export interface NoteDoc {
  _id: Types.ObjectId;
  question: Types.ObjectId;
  after_seq: number;
  note_seq: number;
  sender: string;
  created_at: number;
  text: string;
  /** Digest of the writing device session (the idempotency key with client_msg_id). */
  session: string;
  client_msg_id?: string;
}
/** The question's status and agent before (or right after) a transition, as the outbox event carries them. */
export interface PreviousDoc { status: number; serv_id: string | null }
/** What a pending entry needs to record its outbox event once its message is in (retry-safe mode). */
export interface PendingEventDoc { type: Exclude<OutboxEventType, 'question.created'>; previous: PreviousDoc | null; to: PreviousDoc | null; created_at: number }
/** A message waiting to be inserted, with the event to record after it (retry-safe mode only). */
export interface PendingDoc extends MessageDoc { event?: PendingEventDoc }
export interface QuestionDoc {
  _id: Types.ObjectId;
  identify: string;
  user_id: string;
  title: string;
  labels: string[];
  status: number;
  serv_id: string | null;
  created_at: number;
  status_at: number;
  last_activity_at: number;
  finish_requested_at: number | null;
  last_seq: number;
  /** The last note number handed out; absent until the question's first note. */
  last_note_seq?: number;
  last_mess_text: string | null;
  last_mess_timestamp: number | null;
  last_mess_sender: string | null;
  last_mess_sender_type: number | null;
  /** The agent that last quit it while it waits (auto-assign skips it); absent or null when none. */
  quit_serv_id?: string | null;
  /** Messages whose question write is done but whose insert may not be (retry-safe mode only). */
  pending: PendingDoc[];
}
export interface TemplateDoc { _id: Types.ObjectId; identify: string; title: string; created_at: number }
export interface ItemDoc { _id: Types.ObjectId; template: Types.ObjectId; question: string; content: string }
/** A delivery (one push to one device). */
export interface OutboxDoc {
  _id: string;
  payload: string;
  attempts: number;
  next_attempt_at: number | null;
  leased_until: number | null;
  /** The claim that holds the lease (a random token per claim), so a claimer reads back only its own. */
  lease: string | null;
  created_at: number;
  last_error: string | null;
}
/** A domain event recorded with its cause; `_id` is the cause's id (question, notice or message). */
export interface OutboxEventDoc {
  _id: Types.ObjectId;
  type: OutboxEventType;
  question: Types.ObjectId;
  message: Types.ObjectId | null;
  previous: PreviousDoc | null;
  to: PreviousDoc | null;
  created_at: number;
  attempts: number;
  /** 0 when never leased; otherwise the lease runs (or ran) until then, by the server's clock. */
  leased_until: number;
  lease: string | null;
}
/** A host app's webhook; `_id` is its webhook_id. The secret is derived from `salt`, never stored. */
export interface WebhookDoc {
  _id: string;
  identify: string;
  url: string;
  events: string[];
  salt: string;
  created_at: number;
  disabled_at: number | null;
  failing_since: number | null;
  last_error: string | null;
}
/** One webhook call to make (webhooks.ts); `next_attempt_at` null once given up. */
export interface WebhookDeliveryDoc {
  _id: string;
  webhook: string;
  question: string;
  position: number;
  event: string;
  payload: string;
  attempts: number;
  next_attempt_at: number | null;
  leased_until: number | null;
  lease: string | null;
  created_at: number;
  last_error: string | null;
}
/** One change-feed entry; `_id` is its seq. */
export interface ChangeDoc { _id: number; kind: ChangeKind; key: string; at: number }
/**
 * A client message key reserved before its send spends a seq (retry-safe mode only): `_id` is
 * "<session digest>:<client_msg_id>", `message` the id the reserving attempt will insert under.
 */
export interface ClientKeyDoc { _id: string; message: Types.ObjectId; question: Types.ObjectId; created_at: number; expires_at: Date }
/** A named counter: `changes` hands out change-feed seqs; `migrated.*` at 1 marks a finished data migration. */
export interface CounterDoc { _id: string; seq: number }

export const appSchema = new Schema<AppDoc>(
  {
    _id: str(LIMITS.identify.max),
    name: str(LIMITS.name.max + LIMITS.identify.max),
    created_at: num,
    routing: { type: String, enum: ['manual', 'auto'], default: 'manual' },
  },
  { ...strictness, collection: 'apps' },
);

export const userSchema = new Schema<UserDoc>(
  {
    _id: str(LIMITS.userId.max),
    name: str(LIMITS.name.max),
    image_url: { type: String, default: '', maxlength: LIMITS.url.max },
    device_count: { type: Number, default: 0, min: 0, max: LIMITS.count.max },
    group_count: { type: Number, default: 0, min: 0, max: LIMITS.count.max },
  },
  { ...strictness, collection: 'users' },
);

/** A session digest: 64 lower-case hex characters (server/domain/sessionTokens.ts). */
const DIGEST = /^[0-9a-f]{64}$/;

export const sessionSchema = new Schema<SessionDoc>(
  {
    _id: { type: String, required: true, match: DIGEST },
    user_id: str(LIMITS.userId.max),
    identify: str(LIMITS.identify.max),
    /** The agent this device session is bound to: the "bindings" of the API. */
    serv_id: { type: String, default: null, maxlength: LIMITS.servId.max },
    kind: { type: String, required: true, enum: ['app', 'desk'] },
    created_at: num,
    last_used_at: num,
  },
  { ...strictness, collection: 'sessions' },
);
// Pushes to the asking user reach all its device sessions in the question's app; with identify
// first, the same index finds every session of an app when the app is removed.
sessionSchema.index({ identify: 1, user_id: 1, _id: 1 }, { name: 'sessions_by_user' });
// Pushes to agents look up their bound device sessions. `$gt: ''` keeps only bound sessions (any
// non-empty string; null sorts below every string) in a form the planner can match: each query on
// it carries the same predicate (queries.ts, boundSessions).
sessionSchema.index({ serv_id: 1, _id: 1 }, { name: 'sessions_by_serv', partialFilterExpression: { serv_id: { $gt: '' } } });
// Removing a user deletes its sessions in every app, which sessions_by_user (identify first) cannot find.
sessionSchema.index({ user_id: 1, _id: 1 }, { name: 'sessions_of_user' });

export const agentSchema = new Schema<AgentDoc>(
  {
    _id: str(LIMITS.servId.max),
    password_hash: str(1000),
    name: str(LIMITS.name.max),
    // One array on the agent, so replacing an agent's apps is one atomic document write.
    identifies: { type: [{ type: String, maxlength: LIMITS.identify.max }], default: [] },
    max_concurrent: { type: Number, default: 0, min: 0, max: LIMITS.maxConcurrent.max, validate: Number.isInteger },
    role: { type: String, default: 'agent', enum: ['agent', 'supervisor'] },
    // On the agent document, so taking a seat and checking the limit are one atomic write, and two
    // transactions seating the same agent conflict on it (seats.ts).
    serving: {
      type: [new Schema<SeatDoc>({ q: { type: Schema.Types.ObjectId, required: true }, at: num }, { _id: false, strict: 'throw' })],
      default: [],
    },
    last_assigned_at: { type: Number },
  },
  { ...strictness, collection: 'agents' },
);
agentSchema.index({ identifies: 1, _id: 1 }, { name: 'agents_by_app' });
// Giving up a question's seat finds the agents holding it by question.
agentSchema.index({ 'serving.q': 1 }, { name: 'agents_by_seat' });

const messageFields = {
  question: { type: Schema.Types.ObjectId, required: true },
  seq: { type: Number, required: true, min: 1, validate: Number.isInteger },
  sender: str(Math.max(LIMITS.userId.max, LIMITS.servId.max)),
  sender_type: intEnum([1, 2]),
  type: intEnum([1, 2, 3, 4]),
  created_at: num,
  text: { type: String, maxlength: LIMITS.text.max },
  media_path: { type: String, maxlength: 200 },
  audio_len: { type: Number, min: LIMITS.audioLen.min, max: LIMITS.audioLen.max },
  action: { type: Number, enum: [1, 2, 3, 4, 5, 6, 7] },
  from_serv_id: { type: String, maxlength: LIMITS.servId.max },
  serv_id: { type: String, maxlength: LIMITS.servId.max },
  session: { type: String, match: DIGEST },
  client_msg_id: { type: String, minlength: LIMITS.clientMsgId.min, maxlength: LIMITS.clientMsgId.max },
};

export const messageSchema = new Schema<MessageDoc>(messageFields, { ...strictness, collection: 'messages' });
// Ordering: one message per position; also serves listMessages in either direction.
messageSchema.index({ question: 1, seq: 1 }, { name: 'messages_by_seq', unique: true });
// Idempotency: a retried send with the same client_msg_id from the same session cannot insert twice.
messageSchema.index(
  { session: 1, client_msg_id: 1 },
  // $exists, not $type: the planner can prove an equality implies $exists, never $type.
  { name: 'messages_idempotency', unique: true, partialFilterExpression: { client_msg_id: { $exists: true } } },
);

export const noteSchema = new Schema<NoteDoc>(
  {
    question: { type: Schema.Types.ObjectId, required: true },
    after_seq: { type: Number, required: true, min: 0, validate: Number.isInteger },
    note_seq: { type: Number, required: true, min: 1, validate: Number.isInteger },
    sender: str(LIMITS.servId.max),
    created_at: num,
    text: str(LIMITS.text.max),
    session: { type: String, required: true, match: DIGEST },
    client_msg_id: { type: String, minlength: LIMITS.clientMsgId.min, maxlength: LIMITS.clientMsgId.max },
  },
  { ...strictness, collection: 'notes' },
);
// One note per number; serves an agent's reads in timeline order (numbers grow with their place).
noteSchema.index({ question: 1, note_seq: 1 }, { name: 'notes_by_number', unique: true });
// Idempotency: a retried note with the same client_msg_id from the same session cannot insert twice.
noteSchema.index(
  { session: 1, client_msg_id: 1 },
  { name: 'notes_idempotency', unique: true, partialFilterExpression: { client_msg_id: { $exists: true } } },
);

const previousSchema = new Schema<PreviousDoc>(
  { status: intEnum([1, 2, 3]), serv_id: { type: String, default: null, maxlength: LIMITS.servId.max } },
  { ...strictness, _id: false },
);
const pendingSchema = new Schema<PendingDoc>(
  {
    _id: Schema.Types.ObjectId,
    ...messageFields,
    event: {
      type: new Schema<PendingEventDoc>(
        {
          type: { type: String, required: true, enum: ['question.transitioned', 'message.created'] },
          previous: { type: previousSchema, default: null },
          to: { type: previousSchema, default: null },
          created_at: num,
        },
        { ...strictness, _id: false },
      ),
      default: undefined,
    },
  },
  strictness,
);

export const questionSchema = new Schema<QuestionDoc>(
  {
    identify: str(LIMITS.identify.max),
    user_id: str(LIMITS.userId.max),
    title: { type: String, default: '', maxlength: LIMITS.title.max },
    labels: {
      type: [{ type: String, minlength: LIMITS.label.min, maxlength: LIMITS.label.max }],
      default: [],
      validate: { validator: (v: string[]) => v.length <= LIMITS.label.maxCount, message: 'too many labels' },
    },
    status: intEnum([1, 2, 3]),
    serv_id: { type: String, default: null, maxlength: LIMITS.servId.max },
    created_at: num,
    status_at: num,
    last_activity_at: num,
    finish_requested_at: nullableNum,
    last_seq: { type: Number, default: 0, min: 0, validate: Number.isInteger },
    // No default: questions asked before notes existed have none, and $inc starts it at 1.
    last_note_seq: { type: Number, min: 0, validate: Number.isInteger },
    // The last chat message, denormalised so queue summaries need no second query.
    last_mess_text: { type: String, default: null, maxlength: LIMITS.text.max },
    last_mess_timestamp: nullableNum,
    last_mess_sender: { type: String, default: null },
    last_mess_sender_type: { type: Number, default: null, enum: [1, 2, null] },
    quit_serv_id: { type: String, maxlength: LIMITS.servId.max },
    pending: { type: [pendingSchema], default: [] },
  },
  { ...strictness, collection: 'questions' },
);
// The queue (/question/list): status 1 of some apps, newest or oldest first, with or without a label.
questionSchema.index({ status: 1, identify: 1, _id: 1 }, { name: 'questions_queue' });
questionSchema.index({ labels: 1, status: 1, identify: 1, _id: 1 }, { name: 'questions_by_label' });
// An agent's tasks (/serv/<id>/tasks).
questionSchema.index({ serv_id: 1, status: 1, _id: 1 }, { name: 'questions_by_serv' });
// A user's lists (/user/<id>/{waits,tasks,overs}) and /alls, which has no status.
questionSchema.index({ user_id: 1, status: 1, _id: 1 }, { name: 'questions_by_user_status' });
questionSchema.index({ user_id: 1, _id: 1 }, { name: 'questions_by_user' });
// The timeout sweeper's three scans.
questionSchema.index({ status: 1, status_at: 1 }, { name: 'questions_pending_since' });
questionSchema.index({ status: 1, last_activity_at: 1 }, { name: 'questions_idle_since' });
questionSchema.index(
  { status: 1, finish_requested_at: 1 },
  // Requested times are positive seconds; the scan repeats `$gte: 0` so the planner can use it.
  { name: 'questions_finish_requested', partialFilterExpression: { finish_requested_at: { $gte: 0 } } },
);
// Retry-safe mode: questions with a pending message a crashed writer left (holds nothing otherwise).
questionSchema.index(
  { 'pending.created_at': 1 },
  { name: 'questions_unsettled', partialFilterExpression: { 'pending.created_at': { $gte: 0 } } },
);

export const templateSchema = new Schema<TemplateDoc>(
  { identify: str(LIMITS.identify.max), title: str(LIMITS.templateTitle.max), created_at: num },
  { ...strictness, collection: 'templates' },
);
templateSchema.index({ identify: 1, _id: 1 }, { name: 'templates_by_app' });

export const itemSchema = new Schema<ItemDoc>(
  {
    template: { type: Schema.Types.ObjectId, required: true },
    question: str(LIMITS.itemQuestion.max),
    content: str(LIMITS.itemContent.max),
  },
  { ...strictness, collection: 'items' },
);
itemSchema.index({ template: 1, _id: 1 }, { name: 'items_by_template' });

/** The fields of a queued delivery's life, shared by push deliveries (outbox) and webhook calls. */
const deliveryLifecycle = {
  attempts: { type: Number, default: 0, min: 0 },
  /** null once given up: the entry stays as dead, with its last error. */
  next_attempt_at: nullableNum,
  leased_until: nullableNum,
  lease: { type: String, default: null, maxlength: 64 },
  created_at: num,
  last_error: { type: String, default: null, maxlength: 500 },
};

export const outboxSchema = new Schema<OutboxDoc>(
  {
    _id: str(200),
    payload: { type: String, required: true },
    ...deliveryLifecycle,
  },
  { ...strictness, collection: 'outbox' },
);
// Due deliveries; `$gte: 0` leaves out the dead (null) ones, and every claim repeats it.
// `_id` second: claims sort by (next_attempt_at, _id), which the index then returns in order.
outboxSchema.index({ next_attempt_at: 1, _id: 1 }, { name: 'outbox_due', partialFilterExpression: { next_attempt_at: { $gte: 0 } } });

export const outboxEventSchema = new Schema<OutboxEventDoc>(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    type: { type: String, required: true, enum: ['question.created', 'question.transitioned', 'message.created', 'question.rated'] },
    question: { type: Schema.Types.ObjectId, required: true },
    message: { type: Schema.Types.ObjectId, default: null },
    previous: { type: previousSchema, default: null },
    to: { type: previousSchema, default: null },
    created_at: num,
    attempts: { type: Number, default: 0, min: 0 },
    leased_until: { type: Number, default: 0 },
    lease: { type: String, default: null, maxlength: 64 },
  },
  { ...strictness, collection: 'outbox_events' },
);
// The relay's claims: free events first whatever the time (never leased, 0, oldest first; then by
// lease end), so the candidates need no clock in their filter (queries.ts, claimEvents).
outboxEventSchema.index({ leased_until: 1, created_at: 1, _id: 1 }, { name: 'outbox_events_by_lease' });

export const webhookSchema = new Schema<WebhookDoc>(
  {
    _id: str(24),
    identify: str(LIMITS.identify.max),
    url: str(LIMITS.url.max),
    events: { type: [String], required: true, enum: ['question.created', 'question.updated', 'message.created', 'question.rated'] },
    salt: str(64),
    created_at: num,
    disabled_at: nullableNum,
    failing_since: nullableNum,
    last_error: { type: String, default: null, maxlength: 500 },
  },
  { ...strictness, collection: 'webhooks' },
);
webhookSchema.index({ identify: 1, created_at: 1, _id: 1 }, { name: 'webhooks_by_app' });

export const webhookDeliverySchema = new Schema<WebhookDeliveryDoc>(
  {
    _id: str(64),
    webhook: str(24),
    question: str(24),
    position: num,
    event: str(40),
    payload: { type: String, required: true },
    ...deliveryLifecycle,
  },
  { ...strictness, collection: 'webhook_deliveries' },
);
// Due deliveries (the dead, null, left out), and each (webhook, question) chain in order.
webhookDeliverySchema.index({ next_attempt_at: 1, _id: 1 }, { name: 'webhook_deliveries_due', partialFilterExpression: { next_attempt_at: { $gte: 0 } } });
webhookDeliverySchema.index(
  { webhook: 1, question: 1, position: 1, _id: 1 },
  { name: 'webhook_deliveries_chain', partialFilterExpression: { next_attempt_at: { $gte: 0 } } },
);

export const changeSchema = new Schema<ChangeDoc>(
  {
    _id: { type: Number, required: true, min: 1, validate: Number.isInteger },
    kind: { type: String, required: true, enum: ['session', 'agent', 'app'] },
    key: str(200),
    at: num,
  },
  { ...strictness, collection: 'changes' },
);
// Pruning by age.
changeSchema.index({ at: 1 }, { name: 'changes_by_time' });

export const counterSchema = new Schema<CounterDoc>(
  { _id: str(50), seq: { type: Number, required: true, min: 0, validate: Number.isInteger } },
  { ...strictness, collection: 'counters' },
);

export const clientKeySchema = new Schema<ClientKeyDoc>(
  {
    _id: str(LIMITS.clientMsgId.max + 65),
    message: { type: Schema.Types.ObjectId, required: true },
    question: { type: Schema.Types.ObjectId, required: true },
    created_at: num,
    expires_at: { type: Date, required: true },
  },
  { ...strictness, collection: 'client_keys' },
);
// A key its writer crashed holding expires by itself; a live writer removes its own in milliseconds.
clientKeySchema.index({ expires_at: 1 }, { name: 'client_keys_expiry', expireAfterSeconds: 0 });

/** One resolution cycle of a question (issue 13; CycleRecord), written with the question's writes. */
export interface CycleDoc {
  _id: Types.ObjectId;
  question: Types.ObjectId;
  n: number;
  identify: string;
  labels: string[];
  started_at: number;
  served_at: number | null;
  first_response_at: number | null;
  resolved_at: number | null;
  outcome: 'finished' | 'confirmed' | 'timed_out' | null;
  user_messages: number;
  agent_messages: number;
  agents: string[];
  last_agent: string | null;
  score: number | null;
  comment: string | null;
  rated_at: number | null;
}

export const cycleSchema = new Schema<CycleDoc>(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    question: { type: Schema.Types.ObjectId, required: true },
    n: { type: Number, required: true, min: 1, validate: Number.isInteger },
    identify: str(LIMITS.identify.max),
    labels: { type: [String], default: [] },
    started_at: num,
    served_at: nullableNum,
    first_response_at: nullableNum,
    resolved_at: nullableNum,
    outcome: { type: String, default: null, enum: ['finished', 'confirmed', 'timed_out', null] },
    user_messages: { type: Number, default: 0, min: 0 },
    agent_messages: { type: Number, default: 0, min: 0 },
    agents: { type: [String], default: [] },
    last_agent: { type: String, default: null, maxlength: LIMITS.servId.max },
    score: { type: Number, default: null, min: 1, max: 5 },
    comment: { type: String, default: null, maxlength: LIMITS.ratingComment.max },
    rated_at: nullableNum,
  },
  { ...strictness, collection: 'cycles' },
);
// A question's cycles by number (the open one is the highest), one per number.
cycleSchema.index({ question: 1, n: 1 }, { name: 'cycles_by_question', unique: true });
// Reports: one app's cycles by start time, with every field a report reads (covered).
cycleSchema.index(
  { identify: 1, started_at: 1, n: 1, served_at: 1, first_response_at: 1, resolved_at: 1, outcome: 1, last_agent: 1, score: 1 },
  { name: 'cycles_report' },
);

/** Compiles the models on one dedicated connection (never the global mongoose default). */
export function createModels(connection: Connection) {
  return {
    App: connection.model('App', appSchema),
    User: connection.model('User', userSchema),
    Session: connection.model('Session', sessionSchema),
    Agent: connection.model('Agent', agentSchema),
    Question: connection.model('Question', questionSchema),
    Message: connection.model('Message', messageSchema),
    Note: connection.model('Note', noteSchema),
    Template: connection.model('Template', templateSchema),
    Item: connection.model('Item', itemSchema),
    Outbox: connection.model('Outbox', outboxSchema),
    OutboxEvent: connection.model('OutboxEvent', outboxEventSchema),
    Change: connection.model('Change', changeSchema),
    Counter: connection.model('Counter', counterSchema),
    ClientKey: connection.model('ClientKey', clientKeySchema),
    Webhook: connection.model('Webhook', webhookSchema),
    WebhookDelivery: connection.model('WebhookDelivery', webhookDeliverySchema),
    Cycle: connection.model('Cycle', cycleSchema),
  };
}

export type Models = ReturnType<typeof createModels>;

/** Every model, in creation order (start-up creates their collections, so transactions never have to). */
export function allModels(models: Models): Array<Model<any>> {
  return Object.values(models) as unknown as Array<Model<any>>;
}

export { mongoose };
