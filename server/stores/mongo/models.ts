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

const strictness = { strict: 'throw', strictQuery: 'throw', versionKey: false, autoIndex: false } as const;
const num = { type: Number, required: true } as const;
const nullableNum = { type: Number, default: null } as const;
const str = (max: number, required = true) => ({ type: String, required, maxlength: max }) as const;
/** Status-like small integers: casting refuses 1.5 or "x", the enum refuses 7. */
const intEnum = (values: number[]) => ({ type: Number, required: true, enum: values, validate: Number.isInteger }) as const;

export interface AppDoc { _id: string; name: string; created_at: number }
export interface UserDoc { _id: string; name: string; image_url: string; device_count: number; group_count: number }
export interface SessionDoc { _id: string; user_id: string; identify: string; serv_id: string | null; created_at: number }
export interface AgentDoc { _id: string; password_hash: string; name: string; identifies: string[] }
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
  session?: string;
  client_msg_id?: string;
}
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
  last_mess_text: string | null;
  last_mess_timestamp: number | null;
  last_mess_sender: string | null;
  last_mess_sender_type: number | null;
  /** Messages whose question write is done but whose insert may not be (retry-safe mode only). */
  pending: MessageDoc[];
}
export interface TemplateDoc { _id: Types.ObjectId; identify: string; title: string; created_at: number }
export interface ItemDoc { _id: Types.ObjectId; template: Types.ObjectId; question: string; content: string }
export interface OutboxDoc {
  _id: string;
  payload: string;
  attempts: number;
  next_attempt_at: number | null;
  leased_until: number | null;
  created_at: number;
  last_error: string | null;
}
/** The files document GridFS writes for each media upload. */
export interface MediaFileDoc {
  _id: Types.ObjectId;
  filename: string;
  length: number;
  chunkSize: number;
  uploadDate: Date;
  metadata: { contentType: string; ext: string };
}

export const appSchema = new Schema<AppDoc>(
  { _id: str(LIMITS.identify.max), name: str(LIMITS.name.max + LIMITS.identify.max), created_at: num },
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

export const sessionSchema = new Schema<SessionDoc>(
  {
    _id: { type: String, required: true, minlength: LIMITS.sessionLength, maxlength: LIMITS.sessionLength },
    user_id: str(LIMITS.userId.max),
    identify: str(LIMITS.identify.max),
    /** The agent this device session is bound to: the "bindings" of the API. */
    serv_id: { type: String, default: null, maxlength: LIMITS.servId.max },
    created_at: num,
  },
  { ...strictness, collection: 'sessions' },
);
// Pushes to an agent look up its bound device sessions.
// Pushes to the asking user reach all its device sessions in the question's app.
sessionSchema.index({ user_id: 1, identify: 1, _id: 1 }, { name: 'sessions_by_user' });
sessionSchema.index({ serv_id: 1, _id: 1 }, { name: 'sessions_by_serv', partialFilterExpression: { serv_id: { $type: 'string' } } });

export const agentSchema = new Schema<AgentDoc>(
  {
    _id: str(LIMITS.servId.max),
    password_hash: str(1000),
    name: str(LIMITS.name.max),
    // One array on the agent, so replacing an agent's apps is one atomic document write.
    identifies: { type: [{ type: String, maxlength: LIMITS.identify.max }], default: [] },
  },
  { ...strictness, collection: 'agents' },
);
agentSchema.index({ identifies: 1, _id: 1 }, { name: 'agents_by_app' });

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
  action: { type: Number, enum: [1, 2, 3, 4, 5, 6] },
  session: { type: String, maxlength: LIMITS.sessionLength },
  client_msg_id: { type: String, minlength: LIMITS.clientMsgId.min, maxlength: LIMITS.clientMsgId.max },
};

export const messageSchema = new Schema<MessageDoc>(messageFields, { ...strictness, collection: 'messages' });
// Ordering: one message per position; also serves listMessages in either direction.
messageSchema.index({ question: 1, seq: 1 }, { name: 'messages_by_seq', unique: true });
// Idempotency: a retried send with the same client_msg_id from the same session cannot insert twice.
messageSchema.index(
  { session: 1, client_msg_id: 1 },
  { name: 'messages_idempotency', unique: true, partialFilterExpression: { client_msg_id: { $type: 'string' } } },
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
    // The last chat message, denormalised so queue summaries need no second query.
    last_mess_text: { type: String, default: null, maxlength: LIMITS.text.max },
    last_mess_timestamp: nullableNum,
    last_mess_sender: { type: String, default: null },
    last_mess_sender_type: { type: Number, default: null, enum: [1, 2, null] },
    pending: { type: [new Schema<MessageDoc>({ _id: Schema.Types.ObjectId, ...messageFields }, strictness)], default: [] },
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
  { name: 'questions_finish_requested', partialFilterExpression: { finish_requested_at: { $type: 'number' } } },
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

export const outboxSchema = new Schema<OutboxDoc>(
  {
    _id: str(200),
    payload: { type: String, required: true },
    attempts: { type: Number, default: 0, min: 0 },
    /** null once given up: the entry stays as dead, with its last error. */
    next_attempt_at: nullableNum,
    leased_until: nullableNum,
    created_at: num,
    last_error: { type: String, default: null, maxlength: 500 },
  },
  { ...strictness, collection: 'outbox' },
);
outboxSchema.index({ next_attempt_at: 1 }, { name: 'outbox_due', partialFilterExpression: { next_attempt_at: { $type: 'number' } } });

/** GridFS files documents, read through Mongoose so lookups get the same casting and sanitizing. */
export const mediaFileSchema = new Schema<MediaFileDoc>(
  {
    _id: Schema.Types.ObjectId,
    filename: String,
    length: Number,
    chunkSize: Number,
    uploadDate: Date,
    metadata: { contentType: String, ext: String },
  },
  { ...strictness, strict: false },
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
    Template: connection.model('Template', templateSchema),
    Item: connection.model('Item', itemSchema),
    Outbox: connection.model('Outbox', outboxSchema),
    /** One GridFS bucket per media kind: `image.files` / `audio.files`. */
    MediaFile: {
      image: connection.model('ImageFile', mediaFileSchema, 'image.files'),
      audio: connection.model('AudioFile', mediaFileSchema, 'audio.files'),
    },
  };
}

export type Models = ReturnType<typeof createModels>;

/** The models whose schemas declare indexes (GridFS creates its own on first upload). */
export function indexedModels(models: Models): Array<Pick<Model<any>, "createIndexes" | "modelName">> {
  return [models.Session, models.Agent, models.Question, models.Message, models.Template, models.Item, models.Outbox];
}

export { mongoose };
