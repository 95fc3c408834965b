/** Mongo documents ↔ store records: ObjectIds become 24-hex strings at the interface. */
import mongoose from 'mongoose';
import type { MessageType, NoticeAction, QuestionStatus, SenderType } from '../../../shared/limits.js';
import type {
  AgentRecord,
  AppRecord,
  ChangeRecord,
  ItemRecord,
  MessageRecord,
  OutboxEntry,
  OutboxEvent,
  QuestionRecord,
  QuestionSummaryRecord,
  SessionRecord,
  TemplateRecord,
  UserRecord,
} from '../types.js';
import type {
  AgentDoc,
  AppDoc,
  ChangeDoc,
  ItemDoc,
  MessageDoc,
  OutboxDoc,
  OutboxEventDoc,
  PendingDoc,
  QuestionDoc,
  SessionDoc,
  TemplateDoc,
  UserDoc,
} from './models.js';

export function toQuestion(doc: QuestionDoc): QuestionRecord {
  const question: QuestionRecord = {
    id: doc._id.toHexString(),
    identify: doc.identify,
    userId: doc.user_id,
    title: doc.title,
    labels: [...(doc.labels ?? [])],
    status: doc.status as QuestionStatus,
    servId: doc.serv_id ?? null,
    createdAt: doc.created_at,
    statusAt: doc.status_at,
    lastActivityAt: doc.last_activity_at,
    finishRequestedAt: doc.finish_requested_at ?? null,
    lastSeq: doc.last_seq,
    lastMessage:
      doc.last_mess_timestamp === null || doc.last_mess_timestamp === undefined
        ? null
        : {
            text: doc.last_mess_text ?? '',
            timestamp: doc.last_mess_timestamp,
            sender: doc.last_mess_sender ?? '',
            senderType: (doc.last_mess_sender_type ?? 1) as SenderType,
          },
  };
  if (doc.quit_serv_id != null) question.quitServId = doc.quit_serv_id;
  return question;
}

export function toMessage(doc: MessageDoc): MessageRecord {
  const message: MessageRecord = {
    id: doc._id.toHexString(),
    questionId: doc.question.toHexString(),
    seq: doc.seq,
    sender: doc.sender,
    senderType: doc.sender_type as SenderType,
    type: doc.type as MessageType,
    createdAt: doc.created_at,
  };
  if (doc.text != null) message.text = doc.text;
  if (doc.media_path != null) message.mediaPath = doc.media_path;
  if (doc.audio_len != null) message.audioLen = doc.audio_len;
  if (doc.action != null) message.action = doc.action as NoticeAction;
  if (doc.from_serv_id != null) message.fromServId = doc.from_serv_id;
  if (doc.action === 6) message.servId = doc.serv_id ?? null;
  else if (doc.serv_id != null) message.servId = doc.serv_id;
  return message;
}

export function toSession(doc: SessionDoc): SessionRecord {
  return {
    digest: doc._id,
    userId: doc.user_id,
    identify: doc.identify,
    servId: doc.serv_id ?? null,
    kind: doc.kind ?? 'app',
    createdAt: doc.created_at,
    lastUsedAt: doc.last_used_at ?? doc.created_at,
  };
}

export function toSessionDoc(session: SessionRecord): SessionDoc {
  return {
    _id: session.digest,
    user_id: session.userId,
    identify: session.identify,
    serv_id: session.servId,
    kind: session.kind,
    created_at: session.createdAt,
    last_used_at: session.lastUsedAt,
  };
}

export function toApp(doc: AppDoc): AppRecord {
  return { identify: doc._id, name: doc.name, createdAt: doc.created_at, routing: doc.routing ?? 'manual' };
}

/** A listed question's summary fields, with its user's name and image (null: no such user). */
export function toSummary(question: QuestionRecord, user: UserDoc | undefined): QuestionSummaryRecord {
  const { id, identify, userId, title, labels, createdAt, lastMessage } = question;
  return { question: { id, identify, userId, title, labels, createdAt, lastMessage }, user: user ? { name: user.name, imageUrl: user.image_url ?? '' } : null };
}

export function toUser(doc: UserDoc): UserRecord {
  return { userId: doc._id, name: doc.name, imageUrl: doc.image_url ?? '', deviceCount: doc.device_count ?? 0, groupCount: doc.group_count ?? 0 };
}

export function toAgent(doc: AgentDoc): AgentRecord {
  return {
    servId: doc._id,
    passwordHash: doc.password_hash,
    name: doc.name,
    identifies: [...(doc.identifies ?? [])].sort(),
    maxConcurrent: doc.max_concurrent ?? 0,
    ...(doc.last_assigned_at != null ? { lastAssignedAt: doc.last_assigned_at } : {}),
    role: doc.role === 'supervisor' ? 'supervisor' : 'agent',
  };
}

export function toTemplate(doc: TemplateDoc): TemplateRecord {
  return { id: doc._id.toHexString(), identify: doc.identify, title: doc.title, createdAt: doc.created_at };
}

export function toItem(doc: ItemDoc): ItemRecord {
  return { id: doc._id.toHexString(), templateId: doc.template.toHexString(), question: doc.question, content: doc.content };
}

export function toOutboxEvent(doc: OutboxEventDoc): OutboxEvent {
  return {
    id: doc._id.toHexString(),
    type: doc.type,
    questionId: doc.question.toHexString(),
    messageId: doc.message ? doc.message.toHexString() : null,
    previous: doc.previous ? { status: doc.previous.status as QuestionStatus, servId: doc.previous.serv_id ?? null } : null,
    to: doc.to ? { status: doc.to.status as QuestionStatus, servId: doc.to.serv_id ?? null } : null,
    createdAt: doc.created_at,
    attempts: doc.attempts,
  };
}

/**
 * The outbox event a pending entry carries, as it lands in `outbox_events` once its message is in;
 * its `_id` is the message's, so recording it again is a harmless duplicate.
 */
export function eventOfPending(questionId: QuestionDoc['_id'], entry: PendingDoc): OutboxEventDoc | null {
  if (!entry.event) return null;
  return newEvent({
    _id: entry._id,
    type: entry.event.type,
    question: questionId,
    message: entry._id,
    previous: entry.event.previous ?? null,
    to: entry.event.to ?? null,
    created_at: entry.event.created_at,
  });
}

/** A fresh, unleased event document. */
export function newEvent(fields: Pick<OutboxEventDoc, '_id' | 'type' | 'question' | 'message' | 'previous' | 'to' | 'created_at'>): OutboxEventDoc {
  return { ...fields, attempts: 0, leased_until: 0, lease: null };
}

/** A pending entry without its event: what goes into `messages`. */
export function messageOfPending(entry: PendingDoc): MessageDoc {
  const { event: _event, ...message } = entry;
  return message;
}

export function toDelivery(doc: OutboxDoc): OutboxEntry {
  return { id: doc._id, payload: doc.payload, attempts: doc.attempts, nextAttemptAt: doc.next_attempt_at as number, createdAt: doc.created_at };
}

export function toChange(doc: ChangeDoc): ChangeRecord {
  return { seq: doc._id, kind: doc.kind, key: doc.key, at: doc.at };
}

/** Duplicate key (E11000): a unique index refused the write. */
export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

/** Mongoose refused a document before sending it (a schema limit, a cast). */
export function isValidationError(error: unknown): boolean {
  return error instanceof mongoose.Error.ValidationError || error instanceof mongoose.Error.CastError;
}
