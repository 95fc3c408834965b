/**
 * The one store interface. Operations are domain-level ("move this question from pending to in
 * progress if it is still pending, and write its notice"), so SQLite and MongoDB each resolve races
 * in their own engine and the domain never sees SQL or query objects.
 */
import type { MessageType, NoticeAction, QuestionStatus, SENDER_TYPE, SenderType } from '../../shared/limits.js';

/** Float seconds since the epoch, as every timestamp of the API. */
export type Seconds = number;

/**
 * How an app's questions reach agents: `manual` (agents take them from the queue) or `auto` (the
 * server assigns each to an online agent with room, server/domain/commands/autoAssigner.ts).
 */
export type AppRouting = 'manual' | 'auto';

export interface AppRecord {
  identify: string;
  name: string;
  createdAt: Seconds;
  /** @default 'manual' (apps from before issue 12 read as manual). */
  routing: AppRouting;
}

/** What upsertApp writes: routing only when given. */
export type AppUpsert = Omit<AppRecord, 'routing'> & { routing?: AppRouting };

export interface UserRecord {
  userId: string;
  name: string;
  imageUrl: string;
  deviceCount: number;
  groupCount: number;
}

/**
 * A device session. The token itself is never stored: `digest` (hex SHA-256 of the token, see
 * server/domain/sessionTokens.ts) is the key, so a copy of the database cannot act as anyone.
 */
export interface SessionRecord {
  digest: string;
  userId: string;
  identify: string;
  /** The agent this device session is bound to (logged in as), or null. */
  servId: string | null;
  /** `app`: created by the host app's backend; `desk`: an agent's browser sign-in (its own idle TTL). */
  kind: SessionKind;
  createdAt: Seconds;
  /** Last time a request or socket used it (refreshed at most every SESSION_TOUCH_S), for idle expiry. */
  lastUsedAt: Seconds;
}

export type SessionKind = 'app' | 'desk';

export interface AgentRecord {
  servId: string;
  /** scrypt hash, never leaves the server. */
  passwordHash: string;
  name: string;
  /** The apps this agent serves. */
  identifies: string[];
  /** Questions it may serve at once (serves beyond it are refused in the store's write); 0 is no limit. */
  maxConcurrent: number;
  /**
   * When it was last given a question (a serve, an auto-assignment, a reopen back to it), written by
   * the store in the transition itself; absent while it never was. Auto-assign's tie-break ("idle
   * longest" is the oldest of these). Read only: upsertAgent neither needs nor changes it.
   */
  lastAssignedAt?: Seconds;
  /**
   * `supervisor` (issue 13): also reads every conversation of its apps, their reports, and every
   * agent's presence and load; it serves like any agent. `agent` otherwise, and when absent (stores
   * always return it; writers from before roles may leave it out).
   */
  role?: AgentRole;
}

export type AgentRole = 'agent' | 'supervisor';

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
  /**
   * The agent that last quit it (or was released from it), kept while it waits and cleared when an
   * agent takes it; auto-assign never hands it straight back to that agent. Absent when none.
   */
  quitServId?: string;
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
  /** A transfer notice (action 7): the agent who handed the question over. */
  fromServId?: string;
  /**
   * Reopen notices (action 6): the agent the question went back to, null when it went to the queue;
   * transfer notices (action 7): the agent who has it now.
   */
  servId?: string | null;
}

/**
 * A private note (message type 5): agents of the question's app only. It takes no public seq; it
 * sits after the message whose seq is `afterSeq` (0: before the first) and `noteSeq` numbers the
 * question's notes in writing order. `noteSeq` is taken in the same atomic write that reads the
 * question's last seq, so a later note never sits before an earlier one. A number may be skipped
 * (a write that failed after taking it), so it orders notes and does not count them.
 */
export interface NoteRecord {
  id: string;
  questionId: string;
  afterSeq: number;
  noteSeq: number;
  sender: string;
  senderType: typeof SENDER_TYPE.agent;
  createdAt: Seconds;
  text: string;
}

export interface NewNote {
  questionId: string;
  sender: string;
  text: string;
  /** Idempotency: a retry with the same (sessionDigest, clientMsgId) returns the first note (notes have their own keys). */
  sessionDigest: string;
  clientMsgId?: string;
  now: Seconds;
}

/**
 * A place in a question's timeline: [public seq, note number], a message being [seq, 0] and a note
 * [afterSeq, noteSeq] (shared/timeline.ts orders presented entries the same way).
 */
export type TimelinePosition = readonly [seq: number, noteSeq: number];

/** Notes of one question in timeline order, strictly after (sort 1) or before (sort -1) `from` when given. */
export interface NoteRange {
  sort: 1 | -1;
  num: number;
  from?: TimelinePosition;
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

/**
 * Keyset paging over a primary key, ascending: the operator's lists (the CLI) read every row this
 * way, a page at a time, so no list loads a whole table at once.
 */
export interface KeyPage {
  num: number;
  /** Continue after this key (an identify, user_id, digest, serv_id or template id). */
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

/** A question as a list shows it, with its user's name and image: what a queue or a task list reads. */
export interface QuestionSummaryRecord {
  question: Pick<QuestionRecord, 'id' | 'identify' | 'userId' | 'title' | 'labels' | 'createdAt' | 'lastMessage'>;
  /** Null when the question's user is not (or no longer) known. */
  user: Pick<UserRecord, 'name' | 'imageUrl'> | null;
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
  /** A transfer (action 7): the agent who handed it over; stored on the notice message. */
  fromServId?: string;
  /** Stored on the notice message as MessageRecord.servId (reopen: where the question went; transfer: to whom). */
  servId?: string | null;
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
  /**
   * When true, the agent the write sets (`setServId`) must be serving fewer questions than its
   * maxConcurrent (0: no limit), checked in the same atomic step: serve, later transfer and
   * auto-assignment. Otherwise the write answers 'at_capacity' and changes nothing.
   */
  withinCapacity?: boolean;
  /** When present, the question must not have been quit last by this agent (auto-assign). */
  notQuitBy?: string;
  /** Records who quit it (a string) or clears that (null); undefined leaves it. */
  setQuitServId?: string | null;
  /** How the write moves the question's cycle metrics (the row's `metrics` facet); see CycleStore. */
  cycle?: CycleEffect;
  notice: Notice;
  now: Seconds;
}

export interface TransitionResult {
  question: QuestionRecord;
  notice: MessageRecord;
}

/** Why a transition wrote nothing: a condition on the question failed (null), or the agent is at capacity. */
export type TransitionRefusal = null | 'at_capacity';

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
  /** Idempotency: a retry with the same (sessionDigest, clientMsgId) returns the first message. */
  sessionDigest: string;
  clientMsgId?: string;
  /** What the queue summary shows for this message. */
  summaryText: string;
  /**
   * Whether this message withdraws a pending finish request (decided by the domain: a user who
   * writes after "may I close this?" is not done). The store only applies it.
   */
  cancelsFinishRequest: boolean;
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

// ---- the outbox: what must happen later, written in the same transaction as its cause ----

/** The domain events the outbox records; each names the write that caused it. */
export type OutboxEventType = 'question.created' | 'question.transitioned' | 'message.created' | 'question.rated';

/**
 * A domain event recorded in the same transaction as its cause (createQuestion, transition,
 * appendMessage), so a crash after the commit cannot lose what must be delivered because of it
 * (pushes now, webhooks next). The relay (server/jobs) claims events, fans them out into
 * deliveries, then completes them. Ids are those of the cause: the question id for
 * question.created, the message or notice id otherwise, the rated cycle's id for question.rated
 * (its `messageId` is null; the rating is read with CycleStore.getCycle), so recording is idempotent.
 */
export interface OutboxEvent {
  id: string;
  type: OutboxEventType;
  questionId: string;
  /** The notice or chat message; null for question.created. */
  messageId: string | null;
  /** The question's status and agent before a transition (as the domain loaded it); null otherwise. */
  previous: { status: QuestionStatus; servId: string | null } | null;
  /** Its status and agent right after the transition (the question may have moved on since); null otherwise. */
  to: { status: QuestionStatus; servId: string | null } | null;
  createdAt: Seconds;
  /** Claims so far (a relay that crashed mid-event leaves its lease to expire). */
  attempts: number;
}

/**
 * Seconds added to the database's clock wherever a store reads it (the outbox's leases and due
 * times). Tests only: the contract suite moves it to let a lease run out without waiting.
 * Production never sets one, so every node reads the same clock, the database's.
 */
export interface ClockOffset {
  seconds: number;
}

/** A delivery waiting to be POSTed (one push to one device, later one webhook call). */
export interface OutboxEntry {
  id: string;
  /** The JSON body to POST, exactly as it will be signed and sent. */
  payload: string;
  attempts: number;
  /** When it is (next) due, by the database's clock. */
  nextAttemptAt: Seconds;
  /** When it was queued, by the database's clock. */
  createdAt: Seconds;
}

/** What a provisioning change touched; nodes re-check the sockets it concerns. */
export type ChangeKind = 'session' | 'agent' | 'app';

/**
 * One entry of the change feed: a provisioning change that may alter who may hear what (a session
 * bound, unbound or deleted; an agent's apps or password changed, or the agent removed; an app
 * removed). Written in the same transaction as the change, by whichever process made it (a node,
 * the CLI), so every node can tail the feed and re-home its own sockets.
 */
export interface ChangeRecord {
  /** Increases by one per change, in commit order. */
  seq: number;
  kind: ChangeKind;
  /** The session digest, serv_id or identify. */
  key: string;
  at: Seconds;
}

// ---- cycle metrics: kept as the conversation happens, one row per resolution cycle ----

/** How a cycle ended: the agent finished it, the user confirmed a finish request, or it timed out. */
export type CycleOutcome = 'finished' | 'confirmed' | 'timed_out';

/**
 * What a transition does to the cycle metrics, from its row of the transition table (the `metrics`
 * facet). Serving needs no flag: whenever a write leaves the question in progress with an agent, the
 * store records the cycle's first serve (if none yet) and adds the agent to those involved, so
 * serve, reopen back to the agent, and later transfer or assignment rows are counted alike.
 */
export interface CycleEffect {
  /** The write starts a new cycle (reopen). */
  opens?: boolean;
  /** The write resolves the question and ends the open cycle this way. */
  ends?: CycleOutcome;
}

/** A user's rating of one resolved cycle. */
export interface CycleRating {
  score: number;
  comment: string;
  ratedAt: Seconds;
}

/**
 * One resolution cycle of a question: from its ask (cycle 1) or a reopen (2, 3, …) to its
 * resolution. Written in the same transaction as the ask, the transitions and the messages, never
 * derived from the history at read time.
 */
export interface CycleRecord {
  /** `<question id>.<n>`: stable, also the id of its question.rated outbox event. */
  id: string;
  questionId: string;
  identify: string;
  /** 1 for the ask, then one more per reopen. */
  n: number;
  /** The question's labels (for reports by label). */
  labels: string[];
  startedAt: Seconds;
  /** The cycle's FIRST serve (a quit and a later serve keep it); null while nobody has served. */
  servedAt: Seconds | null;
  /** The first agent text, image or audio message of the cycle (not a notice, not a note). */
  firstResponseAt: Seconds | null;
  resolvedAt: Seconds | null;
  outcome: CycleOutcome | null;
  userMessages: number;
  agentMessages: number;
  /** Every agent that served in this cycle, in the order they first did. */
  agents: string[];
  /** The agent serving when it ended, else the last one that served; null when nobody did. */
  lastAgent: string | null;
  rating: CycleRating | null;
}

/** The rating write: all of it holds in one atomic step or nothing is written. */
export interface NewRating {
  questionId: string;
  /** The question must belong to this user and be resolved now. */
  userId: string;
  score: number;
  comment: string;
  now: Seconds;
}

/** Why a rating wrote nothing: the question is not resolved (or not the user's), or its cycle is rated. */
export type RatingRefusal = 'not_resolved' | 'already_rated';

/** Cycles of one app for reports: those started in [from, to). */
export interface CycleScan {
  identify: string;
  from: Seconds;
  to: Seconds;
  /** Whether the report needs each cycle's labels (grouping by label); otherwise they come back empty. */
  labels?: boolean;
}

/** What a report reads of one cycle (the columns of the reports index). */
export interface CycleFacts {
  startedAt: Seconds;
  n: number;
  servedAt: Seconds | null;
  firstResponseAt: Seconds | null;
  resolvedAt: Seconds | null;
  outcome: CycleOutcome | null;
  lastAgent: string | null;
  labels: string[];
  score: number | null;
}

export type ReportGroupBy = 'day' | 'agent' | 'label';

/** A duration's count, sum (for the mean) and nearest-rank median and p90; null medians when count is 0. */
export interface DurationAggregate {
  count: number;
  sum: number;
  median: number | null;
  p90: number | null;
}

/** What a report holds for one group of cycles (or all of them: key null). */
export interface CycleAggregate {
  key: string | null;
  asked: number;
  reopened: number;
  served: number;
  resolved: number;
  timedOut: number;
  wait: DurationAggregate;
  firstResponse: DurationAggregate;
  resolution: DurationAggregate;
  /** Ratings: how many, their score sum, and how many were 4 or 5. */
  ratings: { count: number; sum: number; satisfied: number };
}

/** A report's groups (by key, null last) and its total. */
export interface CycleReport {
  groups: CycleAggregate[];
  total: CycleAggregate;
}

// ---- one interface per subject ----

/** Apps, users, device sessions (by digest) and agents. Writes that change who may hear what append to the change feed. */
export interface AccountStore {
  /** Creates or updates an app; a `routing` left out keeps the stored one (manual for a new app). */
  upsertApp(app: AppUpsert): Promise<void>;
  getApp(identify: string): Promise<AppRecord | null>;
  /**
   * Removes an app with everything that only it gave access to, in one transaction: its device
   * sessions, its agents' membership, its templates and their items. Questions and messages stay
   * (adding the app again brings them back). Feed: one 'app' entry, plus a 'session' entry per
   * deleted session and an 'agent' entry per agent that lost it. Null when there was no such app.
   */
  deleteApp(identify: string, now: Seconds): Promise<{ sessions: SessionRecord[]; agents: string[] } | null>;
  /** Apps by identify. */
  listApps(page: KeyPage): Promise<AppRecord[]>;

  upsertUser(user: UserRecord): Promise<void>;
  getUser(userId: string): Promise<UserRecord | null>;
  getUsers(userIds: string[]): Promise<Map<string, UserRecord>>;
  /** Users by user_id. */
  listUsers(page: KeyPage): Promise<UserRecord[]>;
  /**
   * Removes a user with its device sessions in every app, in one transaction (feed: 'session' per
   * deleted session). Its questions and messages stay. Null when there was no such user.
   */
  deleteUser(userId: string, now: Seconds): Promise<{ user: UserRecord; sessions: SessionRecord[] } | null>;

  createSession(session: SessionRecord): Promise<void>;
  getSession(digest: string): Promise<SessionRecord | null>;
  /** Deletes it (feed: 'session'); returns what was deleted, null when there was nothing. */
  deleteSession(digest: string, now: Seconds): Promise<SessionRecord | null>;
  /** Device sessions by digest. */
  listSessions(page: KeyPage): Promise<SessionRecord[]>;
  /** Up to `limit` sessions whose digest starts with this lowercase hex prefix, by digest (an operator names one by a short id). */
  findSessionsByDigestPrefix(prefix: string, limit: number): Promise<SessionRecord[]>;
  /** Records a use (idle expiry); no feed entry. */
  touchSession(digest: string, now: Seconds): Promise<void>;
  /** Binds the device session to an agent (log in), replacing an earlier binding (feed: 'session'). */
  bindSession(digest: string, servId: string, now: Seconds): Promise<void>;
  /** Unbinds only if currently bound to servId (feed: 'session'); false otherwise. */
  unbindSession(digest: string, servId: string, now: Seconds): Promise<boolean>;
  /** Device sessions currently bound to any of these agents (for pushes), in one query. */
  listAgentSessions(servIds: string[]): Promise<SessionRecord[]>;
  /** Device sessions of a user in one app, bound or not (for message pushes to the asking user). */
  listUserSessions(userId: string, identify: string): Promise<SessionRecord[]>;

  /**
   * Creates or replaces an agent (feed: 'agent'). With `endBindings` (its password changed) every
   * session bound to it is unbound in the same transaction (feed: 'session' each); returns the
   * agent as it was before (null when new) and the sessions unbound.
   */
  upsertAgent(agent: AgentRecord, options: { endBindings: boolean; now: Seconds }): Promise<{ previous: AgentRecord | null; unbound: SessionRecord[] }>;
  getAgent(servId: string): Promise<AgentRecord | null>;
  /** Agents by serv_id. */
  listAgents(page: KeyPage): Promise<AgentRecord[]>;
  /** Agents serving an app (for queue pushes). */
  listAgentsOfApp(identify: string): Promise<AgentRecord[]>;
  /** Removes an agent and unbinds its sessions in one transaction (feed: 'agent', 'session' each). Null when unknown. */
  deleteAgent(servId: string, now: Seconds): Promise<{ agent: AgentRecord; unbound: SessionRecord[] } | null>;
}

/** Questions, their transitions and their messages. Each write also records its outbox event. */
export interface ConversationStore {
  createQuestion(question: NewQuestion): Promise<QuestionRecord>;
  getQuestion(id: string): Promise<QuestionRecord | null>;
  listQuestions(filter: QuestionFilter, page: Page): Promise<QuestionRecord[]>;
  /** The page listQuestions gives for the same filter and page, each question with its user. */
  listQuestionSummaries(filter: QuestionFilter, page: Page): Promise<QuestionSummaryRecord[]>;
  /**
   * The conditional write of one transition and its notice; `previous` goes into the outbox event.
   * Null when a condition on the question failed, 'at_capacity' when `withinCapacity` did.
   */
  transition(write: TransitionWrite, previous: { status: QuestionStatus; servId: string | null }): Promise<TransitionResult | TransitionRefusal>;
  /**
   * Each agent's load: the questions it is serving now (in progress), 0 for those serving none. Read
   * from the questions themselves, so it is exactly what capacity is checked against.
   */
  loadsOf(servIds: string[]): Promise<Map<string, number>>;
  /** Ids of questions a timeout may apply to; the transition itself re-checks every guard. */
  scanTimeouts(scan: TimeoutScan): Promise<{ pending: string[]; idle: string[]; finishRequested: string[] }>;
  /**
   * The pending questions of every app, by identify (0 for an app whose queue is empty), read when
   * metrics are scraped. Apps removed since are left out, though their questions stay.
   */
  queueDepths(): Promise<Map<string, number>>;

  /** Appends a chat message with the next seq if the guard holds; null if it does not. */
  appendMessage(message: NewMessage, guard: SendGuard): Promise<AppendResult | null>;
  getMessage(id: string): Promise<MessageRecord | null>;
  /** The message an earlier send with this (sessionDigest, clientMsgId) stored, if any. */
  findMessageByClientId(sessionDigest: string, clientMsgId: string): Promise<MessageRecord | null>;
  /** Messages of a question in seq order; `afterSeq` continues after a cursor. */
  listMessages(questionId: string, page: Omit<Page, 'after'> & { afterSeq?: number }): Promise<MessageRecord[]>;
}

/**
 * Private notes, kept apart from messages so no read of messages can return one: a question's user
 * reads messages only. Notes write no outbox event (nothing is pushed for them) and touch no
 * summary (`last_mess_*`) and no activity time (a note is no answer to the user).
 */
export interface NoteStore {
  /**
   * Takes the question's next note number and its current last seq in one atomic write and stores
   * the note there; a retry with the same key returns the first note. Null when there is no such question.
   */
  appendNote(note: NewNote): Promise<{ note: NoteRecord; duplicate: boolean } | null>;
  getNote(id: string): Promise<NoteRecord | null>;
  listNotes(questionId: string, range: NoteRange): Promise<NoteRecord[]>;
}

/** Quick-answer templates and their items. */
export interface TemplateStore {
  createTemplate(template: TemplateRecord): Promise<void>;
  getTemplate(id: string): Promise<TemplateRecord | null>;
  listTemplates(identifies: string[]): Promise<TemplateRecord[]>;
  /** Every app's templates by id. */
  listAllTemplates(page: KeyPage): Promise<TemplateRecord[]>;
  /** Removes a template with its items; returns what was removed, null when unknown. */
  deleteTemplate(id: string): Promise<TemplateRecord | null>;
  createItem(item: ItemRecord): Promise<void>;
  listItems(templateId: string, page: Page): Promise<ItemRecord[]>;
}

/** Image and audio bytes. */
export interface MediaStore {
  putMedia(media: MediaRecord): Promise<void>;
  /** Null when unknown, or when its bytes are missing (both stores answer alike). */
  getMedia(kind: MediaKind, id: string): Promise<MediaRecord | null>;
}

/**
 * What must be delivered later: the domain events recorded with their causes, the deliveries they
 * fan out to, and the provisioning change feed every node tails.
 */
export interface OutboxStore {
  /**
   * Leases up to `limit` recorded events (oldest first, no live lease) for `leaseS` seconds in one
   * atomic step, so two relays never process one event at once; each claim counts an attempt.
   * Leases are timed by the database's clock, never the caller's, so nodes whose clocks disagree
   * still never hold one event together.
   */
  claimEvents(leaseS: number, limit: number): Promise<OutboxEvent[]>;
  /** Processed: the event is removed. */
  completeEvent(id: string): Promise<void>;
  /** Events not yet processed (metrics, tests). */
  countEvents(): Promise<number>;

  /** Queues deliveries in one write, due at once; an entry whose id exists is left as it is (idempotent). */
  enqueueDeliveries(entries: Array<{ id: string; payload: string }>): Promise<void>;
  /**
   * Leases up to `limit` due deliveries (soonest due first, no live lease) for `leaseS` seconds,
   * atomically, by the database's clock. A claimed entry's `nextAttemptAt` is its lease's end: when
   * it is tried again should its claimer never report back.
   */
  claimDeliveries(leaseS: number, limit: number): Promise<OutboxEntry[]>;
  /** Delivered: the entry is removed. */
  completeDelivery(id: string): Promise<void>;
  /**
   * Failed: the lease is released and the entry is due again `retryInS` seconds from now by the
   * database's clock, or given up (kept as dead, with its error) when `retryInS` is null.
   */
  retryDelivery(id: string, retry: { attempts: number; retryInS: number | null; error: string }): Promise<void>;
  /** Deliveries waiting and given up (the graceful-shutdown drill, the delivery tests and the metrics read it). */
  countDeliveries(): Promise<{ pending: number; dead: number }>;

  /** The seq of the newest change (0 when none). */
  lastChangeSeq(): Promise<number>;
  /** Changes after `afterSeq`, oldest first. */
  listChanges(afterSeq: number, limit: number): Promise<ChangeRecord[]>;
  /** Drops changes older than `before` (every node has long since seen them). */
  pruneChanges(before: Seconds): Promise<void>;
}

// ---- webhooks: host apps' endpoints and the deliveries the outbox fans out to them ----

/** The events a webhook may subscribe to (docs/api.md, "Webhooks"). */
export type WebhookEventName = 'question.created' | 'question.updated' | 'message.created' | 'question.rated';

/**
 * A host app's webhook endpoint. The signing secret is never stored: it is derived from the
 * server's key (WEBHOOK_KEY) and `salt` (server/webhooks/secrets.ts), so a copy of the database
 * alone cannot sign as kefu.
 */
export interface WebhookRecord {
  id: string;
  identify: string;
  url: string;
  events: WebhookEventName[];
  /** Random, per webhook; with the server's key it gives the secret. */
  salt: string;
  createdAt: Seconds;
  /** Set once it has failed for the whole failure window (24 h): nothing more is sent to it. */
  disabledAt: Seconds | null;
  /** Its first failure since its last success, by the database's clock; null while healthy. */
  failingSince: Seconds | null;
  lastError: string | null;
}

/** A webhook call to make: one event for one webhook. */
export interface NewWebhookDelivery {
  /** Stable per event and webhook (X-Kefu-Delivery): enqueuing one twice keeps the first. */
  id: string;
  webhookId: string;
  questionId: string;
  /**
   * Its place among the question's deliveries to this webhook: a delivery is sent only once every
   * one before it (lower position, then lower id) was delivered or given up.
   */
  position: number;
  event: WebhookEventName;
  /** The JSON body, exactly as it is signed and sent. */
  payload: string;
}

export interface WebhookDelivery extends NewWebhookDelivery {
  attempts: number;
  /** When it is (next) due, by the database's clock. */
  nextAttemptAt: Seconds;
  createdAt: Seconds;
}

/** How a failed attempt is recorded (WebhookStore.failDelivery). */
export interface WebhookFailure {
  attempts: number;
  /** Due again this many seconds from now by the database's clock. */
  retryInS: number;
  error: string;
  /**
   * Seconds of failure after which the webhook is disabled (its first failure since its last
   * success that long ago) and the delivery given up (queued that long ago).
   */
  windowS: number;
}

/** Webhooks of host apps and their deliveries; due times and failure windows by the database's clock. */
export interface WebhookStore {
  createWebhook(webhook: WebhookRecord): Promise<void>;
  getWebhook(id: string): Promise<WebhookRecord | null>;
  /** Every webhook (of one app when given), oldest first; disabled ones included. */
  listWebhooks(identify?: string): Promise<WebhookRecord[]>;
  /** Removes it with its deliveries; returns what was removed, null when unknown. */
  deleteWebhook(id: string): Promise<WebhookRecord | null>;

  /** Queues deliveries in one write, due at once; an id that exists is left as it is (idempotent). */
  enqueueDeliveries(entries: NewWebhookDelivery[]): Promise<void>;
  /**
   * Leases up to `limit` due deliveries for `leaseS` seconds, atomically: only those of enabled
   * webhooks, and only the first pending one of each (webhook, question), so a question's later
   * delivery waits for its earlier one, on every node.
   */
  claimDeliveries(leaseS: number, limit: number): Promise<WebhookDelivery[]>;
  /** Delivered: the entry is removed and its webhook counts as healthy again. */
  completeDelivery(id: string): Promise<void>;
  /**
   * Failed: the lease is released and the entry is due again in `retryInS`, or given up (kept as
   * dead) past the window. The webhook is marked failing, and disabled once failing for the window;
   * `disabled` is true only for the call that disabled it.
   */
  failDelivery(id: string, failure: WebhookFailure): Promise<{ disabled: boolean; gaveUp: boolean }>;
  /** Deliveries waiting (disabled webhooks' included) and given up. */
  countDeliveries(): Promise<{ pending: number; dead: number }>;
}

/**
 * Cycle metrics (CycleRecord). The conversation store writes them inside its own writes (ask,
 * transition, message); this subject reads them, and rates a cycle with its outbox event.
 */
export interface CycleStore {
  /** A question's cycles, oldest first. */
  listCycles(questionId: string): Promise<CycleRecord[]>;
  getCycle(id: string): Promise<CycleRecord | null>;
  /**
   * Rates the question's latest cycle, in one atomic step with its `question.rated` outbox event:
   * only while the question is resolved and the user's, and that cycle has no rating yet.
   */
  rate(rating: NewRating): Promise<CycleRecord | RatingRefusal>;
  /** The facts of every cycle a report covers, through the (identify, started_at) index. */
  scanCycles(scan: CycleScan): Promise<CycleFacts[]>;
  /**
   * The report of the cycles `scanCycles` would return, grouped (day: UTC day of the start; agent:
   * the last agent; label: each label), computed where it is cheapest: the same numbers as
   * test/stores/reportReference.ts's plain reading of those facts.
   */
  reportCycles(scan: CycleScan, groupBy?: ReportGroupBy): Promise<CycleReport>;
}

/** A store: one object per subject, over one database, plus its lifecycle. */
export interface Store {
  readonly kind: 'sqlite' | 'mongo';
  readonly accounts: AccountStore;
  readonly conversations: ConversationStore;
  readonly notes: NoteStore;
  readonly cycles: CycleStore;
  readonly templates: TemplateStore;
  readonly media: MediaStore;
  readonly outbox: OutboxStore;
  readonly webhooks: WebhookStore;
  /** Resolves while the backing database answers; rejects otherwise (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
