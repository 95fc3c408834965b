/**
 * The one store interface. Operations are domain-level ("move this question from pending to in
 * progress if it is still pending, and write its notice"), so SQLite and MongoDB each resolve races
 * in their own engine and the domain never sees SQL or query objects.
 */
import type { MessageType, NoticeAction, QuestionStatus, SenderType } from '../../shared/limits.js';

/** Float seconds since the epoch, as every timestamp of the API. */
export type Seconds = number;

export interface AppRecord {
  identify: string;
  name: string;
  createdAt: Seconds;
}

export interface UserRecord {
  userId: string;
  name: string;
  imageUrl: string;
  deviceCount: number;
  groupCount: number;
}

export interface SessionRecord {
  session: string;
  userId: string;
  identify: string;
  /** The agent this device session is bound to (logged in as), or null. */
  servId: string | null;
  createdAt: Seconds;
}

export interface AgentRecord {
  servId: string;
  /** scrypt hash, never leaves the server. */
  passwordHash: string;
  name: string;
  /** The apps this agent serves. */
  identifies: string[];
}

export interface LastMessage {
  text: string;
  timestamp: Seconds;
  sender: string;
  senderType: SenderType;
}

export interface QuestionRecord {
  id: string;
  identify: string;
  userId: string;
  title: string;
  labels: string[];
  status: QuestionStatus;
  /** The serving agent while in progress; kept when resolved (so reopen returns to it); null otherwise. */
  servId: string | null;
  createdAt: Seconds;
  /** When the question entered its current status. */
  statusAt: Seconds;
  /** The last message or notice, for the idle timeout. */
  lastActivityAt: Seconds;
  /** Set by request_finish (action 3) until confirmed, refused by a user message, or timed out. */
  finishRequestedAt: Seconds | null;
  /** The last chat message (not notice); null before the first. */
  lastMessage: LastMessage | null;
  /** The seq of the newest message; the next message gets lastSeq + 1. */
  lastSeq: number;
}

export interface MessageRecord {
  id: string;
  questionId: string;
  seq: number;
  sender: string;
  senderType: SenderType;
  type: MessageType;
  createdAt: Seconds;
  text?: string;
  /** Path of an image or audio file under the media routes, e.g. `/v1/media/image/<id>.jpg`. */
  mediaPath?: string;
  audioLen?: number;
  action?: NoticeAction;
}

export interface TemplateRecord {
  id: string;
  identify: string;
  title: string;
  createdAt: Seconds;
}

export interface ItemRecord {
  id: string;
  templateId: string;
  question: string;
  content: string;
}

export type MediaKind = 'image' | 'audio';

export interface MediaRecord {
  id: string;
  kind: MediaKind;
  contentType: string;
  /** File extension without dot, part of the public file name. */
  ext: string;
  bytes: Buffer;
}

/** Offset paging or cursor paging over ids (sort 1 ascending, -1 descending). */
export interface Page {
  num: number;
  /** Rows to skip; ignored when `after` is set. */
  offset: number;
  sort: 1 | -1;
  /** Continue after this id in the chosen order. */
  after?: string;
}

export interface QuestionFilter {
  status?: QuestionStatus;
  /** Restrict to these apps; an empty array matches nothing. */
  identifies?: string[];
  userId?: string;
  servId?: string;
  /** Exact label equality. */
  label?: string;
}

export interface NewQuestion {
  identify: string;
  userId: string;
  title: string;
  labels: string[];
  now: Seconds;
}

export interface Notice {
  sender: string;
  senderType: SenderType;
  action: NoticeAction;
}

/**
 * One state transition as a single conditional write plus its notice message. Every condition is
 * checked by the store in the same atomic step as the write; if any fails nothing is written.
 */
export interface TransitionWrite {
  questionId: string;
  /** The status must be one of these. */
  from: QuestionStatus[];
  /** When present (null included), the current serving agent must equal it. */
  servId?: string | null;
  /** When present, the question must belong to this user. */
  userId?: string;
  /** When true, a finish request must be pending. */
  finishRequested?: boolean;
  /** Sweeper guards: each must hold at write time, so a late message cancels a timeout. */
  statusBefore?: Seconds;
  lastActivityBefore?: Seconds;
  finishRequestedBefore?: Seconds;
  to: QuestionStatus;
  /** New serving agent; undefined keeps the current one. */
  setServId?: string | null;
  /** Set or clear the pending finish request; undefined clears it whenever the status changes. */
  finishRequest?: 'set' | 'clear';
  notice: Notice;
  now: Seconds;
}

export interface TransitionResult {
  question: QuestionRecord;
  notice: MessageRecord;
}

/** Who may post: the guard is checked atomically with the seq increment. */
export interface SendGuard {
  statuses: QuestionStatus[];
  /** The question must belong to this user (user sends). */
  userId?: string;
  /** The question must be served by this agent (agent sends). */
  servId?: string;
}

export interface NewMessage {
  questionId: string;
  sender: string;
  senderType: SenderType;
  type: 1 | 2 | 3;
  text?: string;
  mediaPath?: string;
  audioLen?: number;
  /** Idempotency: a retry with the same (session, clientMsgId) returns the first message. */
  session: string;
  clientMsgId?: string;
  /** What the queue summary shows for this message. */
  summaryText: string;
  now: Seconds;
}

export interface AppendResult {
  message: MessageRecord;
  question: QuestionRecord;
  /** True when clientMsgId matched an earlier message, which is returned instead. */
  duplicate: boolean;
}

export interface TimeoutScan {
  pendingSince: Seconds;
  idleSince: Seconds;
  finishRequestedSince: Seconds;
  limit: number;
}

/** A push notification waiting to be delivered to the host app's webhook. */
export interface OutboxEntry {
  id: string;
  /** The JSON body to POST, exactly as it will be signed and sent. */
  payload: string;
  attempts: number;
  nextAttemptAt: Seconds;
  createdAt: Seconds;
}

export interface Store {
  readonly kind: 'sqlite' | 'mongo';
  /** Resolves while the backing database answers; rejects otherwise (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;

  upsertApp(app: AppRecord): Promise<void>;
  getApp(identify: string): Promise<AppRecord | null>;

  upsertUser(user: UserRecord): Promise<void>;
  getUser(userId: string): Promise<UserRecord | null>;
  getUsers(userIds: string[]): Promise<Map<string, UserRecord>>;

  createSession(session: SessionRecord): Promise<void>;
  getSession(session: string): Promise<SessionRecord | null>;
  deleteSession(session: string): Promise<boolean>;
  /** Binds the device session to an agent (log in); replaces an earlier binding. */
  bindSession(session: string, servId: string): Promise<void>;
  /** Unbinds only if currently bound to servId; false otherwise. */
  unbindSession(session: string, servId: string): Promise<boolean>;
  /** Device sessions currently bound to the agent (for pushes). */
  listAgentSessions(servId: string): Promise<SessionRecord[]>;
  /** Device sessions of a user in one app, bound or not (for message pushes to the asking user). */
  listUserSessions(userId: string, identify: string): Promise<SessionRecord[]>;

  upsertAgent(agent: AgentRecord): Promise<void>;
  getAgent(servId: string): Promise<AgentRecord | null>;
  /** Agents serving an app (for queue pushes). */
  listAgentsOfApp(identify: string): Promise<AgentRecord[]>;

  createQuestion(question: NewQuestion): Promise<QuestionRecord>;
  getQuestion(id: string): Promise<QuestionRecord | null>;
  listQuestions(filter: QuestionFilter, page: Page): Promise<QuestionRecord[]>;
  transition(write: TransitionWrite): Promise<TransitionResult | null>;
  /** Ids of questions a timeout may apply to; the transition itself re-checks every guard. */
  scanTimeouts(scan: TimeoutScan): Promise<{ pending: string[]; idle: string[]; finishRequested: string[] }>;

  /** Appends a chat message with the next seq if the guard holds; null if it does not. */
  appendMessage(message: NewMessage, guard: SendGuard): Promise<AppendResult | null>;
  getMessage(id: string): Promise<MessageRecord | null>;
  /** The message an earlier send with this (session, clientMsgId) stored, if any. */
  findMessageByClientId(session: string, clientMsgId: string): Promise<MessageRecord | null>;
  /** Messages of a question in seq order; `afterSeq` continues after a cursor. */
  listMessages(questionId: string, page: Omit<Page, 'after'> & { afterSeq?: number }): Promise<MessageRecord[]>;

  createTemplate(template: TemplateRecord): Promise<void>;
  getTemplate(id: string): Promise<TemplateRecord | null>;
  listTemplates(identifies: string[]): Promise<TemplateRecord[]>;
  createItem(item: ItemRecord): Promise<void>;
  listItems(templateId: string, page: Page): Promise<ItemRecord[]>;

  putMedia(media: MediaRecord): Promise<void>;
  getMedia(kind: MediaKind, id: string): Promise<MediaRecord | null>;

  /** Queues a delivery; an entry with an existing id is left as it is (idempotent enqueue). */
  enqueueOutbox(entry: { id: string; payload: string; now: Seconds }): Promise<void>;
  /**
   * Leases up to `limit` due entries (nextAttemptAt <= now, no live lease) for `leaseS` seconds in
   * one atomic step, so two nodes never deliver the same entry at once.
   */
  claimOutbox(now: Seconds, leaseS: number, limit: number): Promise<OutboxEntry[]>;
  /** Delivered: the entry is removed. */
  completeOutbox(id: string): Promise<void>;
  /** Failed: try again at nextAttemptAt, or give up (entry kept as dead, with its error) when null. */
  retryOutbox(id: string, retry: { attempts: number; nextAttemptAt: Seconds | null; error: string }): Promise<void>;
  /**
   * Entries waiting for delivery (pending) and given up (dead). No server code reads it: the store
   * contract suite and the push job tests do, to see what the outbox holds.
   */
  countOutbox(): Promise<{ pending: number; dead: number }>;
}
