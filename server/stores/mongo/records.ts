/** Mongo documents ↔ store records: ObjectIds become 24-hex strings at the interface. */
import type { MessageType, NoticeAction, QuestionStatus, SenderType } from '../../../shared/limits.js';
import type { AgentRecord, MessageRecord, QuestionRecord, SessionRecord, TemplateRecord, UserRecord } from '../types.js';
import type { AgentDoc, MessageDoc, QuestionDoc, SessionDoc, TemplateDoc, UserDoc } from './models.js';

export function toQuestion(doc: QuestionDoc): QuestionRecord {
  return {
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
  return message;
}

export function toSession(doc: SessionDoc): SessionRecord {
  return { session: doc._id, userId: doc.user_id, identify: doc.identify, servId: doc.serv_id ?? null, createdAt: doc.created_at };
}

export function toUser(doc: UserDoc): UserRecord {
  return { userId: doc._id, name: doc.name, imageUrl: doc.image_url ?? '', deviceCount: doc.device_count ?? 0, groupCount: doc.group_count ?? 0 };
}

export function toAgent(doc: AgentDoc): AgentRecord {
  return { servId: doc._id, passwordHash: doc.password_hash, name: doc.name, identifies: [...(doc.identifies ?? [])].sort() };
}

export function toTemplate(doc: TemplateDoc): TemplateRecord {
  return { id: doc._id.toHexString(), identify: doc.identify, title: doc.title, createdAt: doc.created_at };
}

/** Duplicate key (E11000): a unique index refused the write. */
export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}
