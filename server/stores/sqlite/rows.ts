/** Row ↔ record mapping for the embedded store. */
import type { MessageType, NoticeAction, QuestionStatus, SenderType } from '../../../shared/limits.js';
import type {
  AgentRecord,
  ChangeKind,
  ChangeRecord,
  MessageRecord,
  OutboxEntry,
  OutboxEvent,
  OutboxEventType,
  QuestionRecord,
  QuestionSummaryRecord,
  SessionKind,
  SessionRecord,
} from '../types.js';

export interface QuestionRow {
  id: string;
  identify: string;
  user_id: string;
  title: string;
  labels: string;
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
  quit_serv_id: string | null;
}

export interface MessageRow {
  id: string;
  question_id: string;
  seq: number;
  sender: string;
  sender_type: number;
  type: number;
  created_at: number;
  text: string | null;
  media_path: string | null;
  audio_len: number | null;
  action: number | null;
  from_serv_id: string | null;
  serv_id: string | null;
}

const MESSAGE_ROW_KEYS = [
  'id', 'question_id', 'seq', 'sender', 'sender_type', 'type', 'created_at', 'text', 'media_path', 'audio_len', 'action', 'from_serv_id', 'serv_id',
] as const satisfies ReadonlyArray<keyof MessageRow>;
/** Compiles only while the list above names every field of MessageRow. */
const MESSAGE_ROW_KEYS_COMPLETE: Exclude<keyof MessageRow, (typeof MESSAGE_ROW_KEYS)[number]> extends never ? true : false = true;

/**
 * The columns of a MessageRow, for reads of many messages: `*` would also read each message's
 * session digest (64 characters) and client message id, which no record carries.
 */
export const MESSAGE_COLUMNS = MESSAGE_ROW_KEYS.join(', ');

export interface SessionRow {
  digest: string;
  user_id: string;
  identify: string;
  serv_id: string | null;
  kind: string;
  created_at: number;
  last_used_at: number;
}

export interface AgentRow {
  serv_id: string;
  password_hash: string;
  name: string;
  max_concurrent: number;
  last_assigned_at: number | null;
  role: string;
}

export interface EventRow {
  id: string;
  type: string;
  question_id: string;
  message_id: string | null;
  previous_status: number | null;
  previous_serv_id: string | null;
  to_status: number | null;
  to_serv_id: string | null;
  created_at: number;
  attempts: number;
}

export interface DeliveryRow {
  id: string;
  payload: string;
  attempts: number;
  next_attempt_at: number;
  created_at: number;
}

export interface ChangeRow {
  seq: number;
  kind: string;
  key: string;
  at: number;
}

/** The columns of a question a summary reads, and its user's name and image (null: no such user). */
export type SummaryRow = Pick<
  QuestionRow,
  'id' | 'identify' | 'user_id' | 'title' | 'labels' | 'created_at' | 'last_mess_text' | 'last_mess_timestamp' | 'last_mess_sender' | 'last_mess_sender_type'
> & { user_name: string | null; user_image_url: string | null };

type LastMessageColumns = Pick<QuestionRow, 'last_mess_text' | 'last_mess_timestamp' | 'last_mess_sender' | 'last_mess_sender_type'>;

function lastMessageOf(row: LastMessageColumns): QuestionRecord['lastMessage'] {
  return row.last_mess_timestamp === null
    ? null
    : {
        text: row.last_mess_text ?? '',
        timestamp: row.last_mess_timestamp,
        sender: row.last_mess_sender ?? '',
        senderType: (row.last_mess_sender_type ?? 1) as SenderType,
      };
}

export function toSummary(row: SummaryRow): QuestionSummaryRecord {
  return {
    question: {
      id: row.id,
      identify: row.identify,
      userId: row.user_id,
      title: row.title,
      labels: JSON.parse(row.labels) as string[],
      createdAt: row.created_at,
      lastMessage: lastMessageOf(row),
    },
    user: row.user_name === null ? null : { name: row.user_name, imageUrl: row.user_image_url ?? '' },
  };
}

export function toQuestion(row: QuestionRow): QuestionRecord {
  const question: QuestionRecord = {
    id: row.id,
    identify: row.identify,
    userId: row.user_id,
    title: row.title,
    labels: JSON.parse(row.labels) as string[],
    status: row.status as QuestionStatus,
    servId: row.serv_id,
    createdAt: row.created_at,
    statusAt: row.status_at,
    lastActivityAt: row.last_activity_at,
    finishRequestedAt: row.finish_requested_at,
    lastSeq: row.last_seq,
    lastMessage: lastMessageOf(row),
  };
  if (row.quit_serv_id !== null && row.quit_serv_id !== undefined) question.quitServId = row.quit_serv_id;
  return question;
}

export function toMessage(row: MessageRow): MessageRecord {
  const message: MessageRecord = {
    id: row.id,
    questionId: row.question_id,
    seq: row.seq,
    sender: row.sender,
    senderType: row.sender_type as SenderType,
    type: row.type as MessageType,
    createdAt: row.created_at,
  };
  if (row.text !== null) message.text = row.text;
  if (row.media_path !== null) message.mediaPath = row.media_path;
  if (row.audio_len !== null) message.audioLen = row.audio_len;
  if (row.action !== null) message.action = row.action as NoticeAction;
  if (row.from_serv_id !== null) message.fromServId = row.from_serv_id;
  if (row.action === 6) message.servId = row.serv_id ?? null;
  else if (row.serv_id !== null) message.servId = row.serv_id;
  return message;
}

export function toSession(row: SessionRow): SessionRecord {
  return {
    digest: row.digest,
    userId: row.user_id,
    identify: row.identify,
    servId: row.serv_id,
    kind: row.kind as SessionKind,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

export function toAgent(row: AgentRow, identifies: string[]): AgentRecord {
  const agent: AgentRecord = { servId: row.serv_id, passwordHash: row.password_hash, name: row.name, identifies, maxConcurrent: row.max_concurrent, role: row.role === 'supervisor' ? 'supervisor' : 'agent' };
  if (row.last_assigned_at !== null && row.last_assigned_at !== undefined) agent.lastAssignedAt = row.last_assigned_at;
  return agent;
}

export function toEvent(row: EventRow): OutboxEvent {
  return {
    id: row.id,
    type: row.type as OutboxEventType,
    questionId: row.question_id,
    messageId: row.message_id,
    previous: row.previous_status === null ? null : { status: row.previous_status as QuestionStatus, servId: row.previous_serv_id },
    to: row.to_status === null ? null : { status: row.to_status as QuestionStatus, servId: row.to_serv_id },
    createdAt: row.created_at,
    attempts: row.attempts,
  };
}

export function toDelivery(row: DeliveryRow): OutboxEntry {
  return { id: row.id, payload: row.payload, attempts: row.attempts, nextAttemptAt: row.next_attempt_at, createdAt: row.created_at };
}

export function toChange(row: ChangeRow): ChangeRecord {
  return { seq: row.seq, kind: row.kind as ChangeKind, key: row.key, at: row.at };
}
