/**
 * Every query the MongoDB store sends, built by pure functions so tests can assert the exact filter,
 * update, sort, limit and options without a server. The store only executes what these return.
 *
 * Injection safety, in layers: (1) every value passes a scalar guard (`s`, `n`, `oid`) before it goes
 * near a query, so an object from a request can never become an operator; (2) operators we write
 * ourselves are marked `trusted()`, and the connection runs with sanitizeFilter, which wraps any other
 * `$` object in `$eq`; (3) update pipelines evaluate strings starting with `$` as field paths, so
 * every caller-supplied string in a pipeline is wrapped in `$literal`.
 */
import mongoose, { Types, type PipelineStage, type UpdateQuery, type UpdateWithAggregationPipeline } from 'mongoose';
import { isObjectId } from '../objectId.js';
import { digestPrefixRange } from '../../domain/sessionTokens.js';
import type { AppRouting, KeyPage, NewMessage, Page, QuestionFilter, SendGuard, TimeoutScan, TransitionWrite } from '../types.js';
import type { MessageDoc, PendingDoc } from './models.js';

const { trusted } = mongoose;
type Doc = Record<string, unknown>;

export interface QuerySpec {
  filter: Doc;
  /** An update document, or an update pipeline (then `options.updatePipeline` is set). */
  update?: UpdateQuery<any> | UpdateWithAggregationPipeline;
  sort?: Record<string, 1 | -1>;
  skip?: number;
  limit?: number;
  projection?: Record<string, 0 | 1>;
  options?: Doc;
}

/** Returns the document as it is after the write; pipeline updates must be declared to Mongoose. */
export const AFTER = { returnDocument: 'after' } as const;
export const AFTER_PIPELINE = { returnDocument: 'after', updatePipeline: true } as const;

export function s(value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`expected a string, got ${typeof value}`);
  return value;
}

export function n(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`expected a number, got ${typeof value}`);
  return value;
}

/** A 24-hex id as an ObjectId; anything else throws (callers answer "not found" before that). */
export function oid(value: unknown): Types.ObjectId {
  if (!isObjectId(s(value))) throw new TypeError('expected a 24-hex id');
  return new Types.ObjectId(value as string);
}

const lit = (value: string | null) => (value === null ? null : { $literal: s(value) });

/** `_id` ordering, offset or cursor, shared by every id-ordered list. */
function paging(filter: Doc, page: Page): Pick<QuerySpec, 'sort' | 'skip' | 'limit'> {
  if (page.after !== undefined) filter._id = trusted(page.sort === 1 ? { $gt: oid(page.after) } : { $lt: oid(page.after) });
  return { sort: { _id: page.sort }, skip: page.after !== undefined ? 0 : n(page.offset), limit: n(page.num) };
}

/**
 * An operator's list (apps, users, sessions, agents, templates): `_id` ascending after a cursor, so
 * the primary index serves both the range and the order. `toKey` turns the cursor into the key's
 * type (a string, or an ObjectId for templates).
 */
export function keyPage(page: KeyPage, toKey: (value: string) => unknown = s): QuerySpec {
  const filter: Doc = page.after === undefined ? {} : { _id: trusted({ $gt: toKey(page.after) }) };
  return { filter, sort: { _id: 1 }, limit: n(page.num) };
}

/** Sessions whose digest starts with a hex prefix: a range on `_id`, never a regex. */
export function sessionsByDigestPrefix(prefix: string, limit: number): QuerySpec {
  const { from, to } = digestPrefixRange(s(prefix));
  return { filter: { _id: trusted({ $gte: from, $lt: to }) }, sort: { _id: 1 }, limit: n(limit) };
}

/** A user's sessions in every app, to delete with the user (served by `sessions_of_user`). */
export const sessionsOfUser = (userId: string): QuerySpec => ({ filter: { user_id: s(userId) }, sort: { _id: 1 } });

export const byId = (id: string): QuerySpec => ({ filter: { _id: s(id) } });
export const byObjectId = (id: string): QuerySpec => ({ filter: { _id: oid(id) } });
export const byObjectIds = (ids: Types.ObjectId[]): QuerySpec => ({ filter: { _id: trusted({ $in: ids }) } });
export const byIds = (ids: string[]): QuerySpec => ({ filter: { _id: trusted({ $in: [...new Set(ids.map(s))] }) } });

/** A routing left out keeps the stored one; a new app without one is manual (the schema's default). */
export function upsertApp(app: { identify: string; name: string; createdAt: number; routing?: AppRouting }): QuerySpec {
  const set: Doc = { name: s(app.name) };
  if (app.routing !== undefined) set.routing = s(app.routing);
  return {
    filter: { _id: s(app.identify) },
    update: { $set: set, $setOnInsert: { created_at: n(app.createdAt) } },
    options: { upsert: true },
  };
}

export function upsertUser(user: { userId: string; name: string; imageUrl: string; deviceCount: number; groupCount: number }): QuerySpec {
  return {
    filter: { _id: s(user.userId) },
    update: {
      $set: { name: s(user.name), image_url: s(user.imageUrl), device_count: n(user.deviceCount), group_count: n(user.groupCount) },
    },
    options: { upsert: true },
  };
}

/** A use of the session; `$max` so a late, older touch never moves it back. */
export function touchSession(digest: string, now: number): QuerySpec {
  return { filter: { _id: s(digest) }, update: { $max: { last_used_at: n(now) } } };
}

export function bindSession(digest: string, servId: string): QuerySpec {
  return { filter: { _id: s(digest) }, update: { $set: { serv_id: s(servId) } } };
}

/** Only the binding the caller names is removed; a re-bind to another agent meanwhile is kept. */
export function unbindSession(digest: string, servId: string): QuerySpec {
  return { filter: { _id: s(digest), serv_id: s(servId) }, update: { $set: { serv_id: null } } };
}

/** The predicate of the `sessions_by_serv` partial index; every query on bound sessions repeats it. */
export const BOUND = { $gt: '' } as const;

/** Sessions bound to any of these agents, in one `$in` on the partial `sessions_by_serv` index. */
export function boundSessions(servIds: string[]): QuerySpec {
  return { filter: { serv_id: trusted({ $in: [...new Set(servIds.map(s))], ...BOUND }) }, sort: { _id: 1 } };
}

/** Unbinds the sessions read a moment ago, each only while it is still bound to this agent. */
export function unbindSessions(servId: string, digests: string[]): QuerySpec {
  return { filter: { _id: trusted({ $in: digests.map(s) }), serv_id: s(servId) }, update: { $set: { serv_id: null } } };
}

export function userSessions(userId: string, identify: string): QuerySpec {
  return { filter: { identify: s(identify), user_id: s(userId) }, sort: { _id: 1 } };
}

/** Replaces the agent and returns it as it was (null when new), so the caller learns what changed. */
export function upsertAgent(agent: { servId: string; passwordHash: string; name: string; identifies: string[]; maxConcurrent: number; role?: 'agent' | 'supervisor' }): QuerySpec {
  return {
    filter: { _id: s(agent.servId) },
    // Its seats are the store's to keep (seats.ts): replacing an agent never touches them.
    update: {
      $set: {
        password_hash: s(agent.passwordHash),
        name: s(agent.name),
        identifies: [...new Set(agent.identifies.map(s))],
        max_concurrent: n(agent.maxConcurrent),
        role: agent.role === 'supervisor' ? 'supervisor' : 'agent',
      },
      $setOnInsert: { serving: [] },
    },
    options: { upsert: true, returnDocument: 'before' },
  };
}

/** Equality on the array matches agents whose identifies contain the app. */
export function agentsOfApp(identify: string): QuerySpec {
  return { filter: { identifies: s(identify) }, sort: { _id: 1 } };
}

/**
 * Removing an app, step by step (accounts.ts runs them in one transaction when it can): read its
 * sessions and templates, then delete exactly those sessions, the templates' items, the templates,
 * take the app out of its agents, and delete the app.
 */
export const deleteApp = {
  sessions: (identify: string): QuerySpec => ({ filter: { identify: s(identify) }, sort: { _id: 1 } }),
  templates: (identify: string): QuerySpec => ({ filter: { identify: s(identify) }, projection: { _id: 1 } }),
  items: (templateIds: Types.ObjectId[]): QuerySpec => ({ filter: { template: trusted({ $in: templateIds }) } }),
  deleteTemplates: (identify: string): QuerySpec => ({ filter: { identify: s(identify) } }),
  deleteSessions: (digests: string[]): QuerySpec => ({ filter: { _id: trusted({ $in: digests.map(s) }) } }),
  agents: (identify: string): QuerySpec => ({ filter: { identifies: s(identify) }, update: { $pull: { identifies: s(identify) } } }),
};

// ---- the change feed ----

/** The counter document that hands out change seqs. */
export const CHANGE_COUNTER = 'changes';

/** Reserves `count` seqs: the counter afterwards holds the last of them. */
export function reserveChangeSeqs(count: number): QuerySpec {
  if (!Number.isInteger(count) || count < 1) throw new TypeError('expected a positive count');
  return { filter: { _id: CHANGE_COUNTER }, update: { $inc: { seq: count } }, options: { upsert: true, returnDocument: 'after' } };
}

export function listChanges(afterSeq: number, limit: number): QuerySpec {
  return { filter: { _id: trusted({ $gt: n(afterSeq) }) }, sort: { _id: 1 }, limit: n(limit) };
}

/** The newest entry (the counter answers when every entry has been pruned). */
export const lastChange: QuerySpec = { filter: {}, projection: { _id: 1 }, sort: { _id: -1 }, limit: 1 };

export function pruneChanges(before: number): QuerySpec {
  return { filter: { at: trusted({ $lt: n(before) }) } };
}

/** Question reads leave out `pending`, internal to the retry-safe write order. */
export const WITHOUT_PENDING = { pending: 0 } as const;

export function listQuestions(filter: QuestionFilter, page: Page): QuerySpec {
  const query: Doc = {};
  if (filter.status !== undefined) query.status = n(filter.status);
  if (filter.identifies !== undefined) query.identify = trusted({ $in: filter.identifies.map(s) });
  if (filter.userId !== undefined) query.user_id = s(filter.userId);
  if (filter.servId !== undefined) query.serv_id = s(filter.servId);
  // Equality on the labels array: exact membership, never a regex or an operator.
  if (filter.label !== undefined) query.labels = s(filter.label);
  return { filter: query, projection: WITHOUT_PENDING, ...paging(query, page) };
}

/**
 * The message a write produces, with its id chosen before the write so that retrying its insert
 * can never create a second copy (the insert of a copy fails on `_id`).
 */
export function messageDoc(fields: Omit<MessageDoc, 'question' | '_id'> & { id: string; questionId: string }): MessageDoc {
  const { id, questionId, ...rest } = fields;
  const doc: Doc = { _id: oid(id), question: oid(questionId) };
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) doc[key] = value;
  return doc as unknown as MessageDoc;
}

/**
 * A value inside an update pipeline: strings (even nested ones) as `$literal`, so a text such as
 * `$last_seq` is stored as text, never read as a field path.
 */
function literal(value: unknown): unknown {
  if (typeof value === 'string') return { $literal: value };
  if (value === null || typeof value !== 'object' || value instanceof Types.ObjectId) return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, literal(inner)]));
}

/**
 * The pending-message stage of the retry-safe write order: appends the message (and the event to
 * record after it), with the seq the previous stage just assigned, to the question's `pending`
 * array in the same document write.
 */
function pendingStage(message: PendingDoc): Doc {
  const entry: Doc = { seq: '$last_seq' };
  for (const [key, value] of Object.entries(message)) if (key !== 'seq') entry[key] = literal(value);
  return { $set: { pending: { $concatArrays: [{ $ifNull: ['$pending', []] }, [entry]] } } };
}

/** The predicate of the `questions_finish_requested` partial index: a request is pending. */
export const REQUESTED = { $gte: 0 } as const;

/**
 * One state transition: every guard in the filter, the new state and the next seq in one pipeline
 * update (a pipeline because status_at only moves when the status changes). `pending` adds the
 * notice to the question document itself when the deployment has no transactions.
 */
export function transition(write: TransitionWrite, notice: PendingDoc | null): QuerySpec {
  const filter: Doc = { _id: oid(write.questionId), status: trusted({ $in: write.from.map(n) }) };
  if (write.servId !== undefined) filter.serv_id = write.servId === null ? null : s(write.servId);
  if (write.userId !== undefined) filter.user_id = s(write.userId);
  if (write.finishRequested) filter.finish_requested_at = trusted({ ...REQUESTED });
  if (write.statusBefore !== undefined) filter.status_at = trusted({ $lt: n(write.statusBefore) });
  if (write.lastActivityBefore !== undefined) filter.last_activity_at = trusted({ $lt: n(write.lastActivityBefore) });
  if (write.finishRequestedBefore !== undefined) filter.finish_requested_at = trusted({ $lt: n(write.finishRequestedBefore) });
  // $ne also matches questions nobody quit (the field absent or null).
  if (write.notQuitBy !== undefined) filter.quit_serv_id = trusted({ $ne: s(write.notQuitBy) });

  const now = n(write.now);
  const set: Doc = {
    status: n(write.to),
    status_at: { $cond: [{ $eq: ['$status', n(write.to)] }, '$status_at', now] },
    last_activity_at: now,
    last_seq: { $add: ['$last_seq', 1] },
    finish_requested_at: write.finishRequest === 'set' ? now : null,
  };
  if (write.setServId !== undefined) set.serv_id = lit(write.setServId);
  if (write.setQuitServId !== undefined) set.quit_serv_id = lit(write.setQuitServId);
  const update: Doc[] = [{ $set: set }];
  if (notice) update.push(pendingStage(notice));
  return { filter, update: update as unknown as UpdateWithAggregationPipeline, options: AFTER_PIPELINE };
}

/** The seq increment of a chat message, guarded by who may send in which status. */
export function appendMessage(input: NewMessage, guard: SendGuard, pending: PendingDoc | null): QuerySpec {
  const filter: Doc = { _id: oid(input.questionId), status: trusted({ $in: guard.statuses.map(n) }) };
  if (guard.userId !== undefined) filter.user_id = s(guard.userId);
  if (guard.servId !== undefined) filter.serv_id = s(guard.servId);
  const now = n(input.now);
  const set: Doc = {
    last_seq: { $add: ['$last_seq', 1] },
    last_activity_at: now,
    last_mess_text: lit(input.summaryText),
    last_mess_timestamp: now,
    last_mess_sender: lit(input.sender),
    last_mess_sender_type: n(input.senderType),
  };
  // Decided by the domain (NewMessage.cancelsFinishRequest); the store only applies it.
  if (input.cancelsFinishRequest) set.finish_requested_at = null;
  const update: Doc[] = [{ $set: set }];
  if (pending) update.push(pendingStage(pending));
  return { filter, update: update as unknown as UpdateWithAggregationPipeline, options: AFTER_PIPELINE };
}

/** The idempotency key; `$exists` repeats the partial filter of `messages_idempotency` for the planner. */
export function messageByClientId(sessionDigest: string, clientMsgId: string): QuerySpec {
  return { filter: { session: s(sessionDigest), client_msg_id: trusted({ $eq: s(clientMsgId), $exists: true }) } };
}

/** The `_id` of a client message key (retry-safe mode): the idempotency key as one string. */
export function clientKeyId(sessionDigest: string, clientMsgId: string): string {
  return `${s(sessionDigest)}:${s(clientMsgId)}`;
}

/** Releases a client message key, only while it is still the one this attempt reserved. */
export function releaseClientKey(keyId: string, messageId: Types.ObjectId): QuerySpec {
  return { filter: { _id: s(keyId), message: messageId } };
}

/** Removes a pending message once it is in `messages` (or known to be a duplicate). */
export function settlePending(questionId: string, messageId: string): QuerySpec {
  return { filter: { _id: oid(questionId) }, update: { $pull: { pending: { _id: oid(messageId) } } } };
}

/**
 * Messages of a question by seq. `maxSeq` bounds the read to messages whose question write was seen
 * first (retry-safe mode), so a later message can never be returned ahead of an earlier one.
 */
export function listMessages(
  questionId: string,
  page: Omit<Page, 'after'> & { afterSeq?: number },
  maxSeq?: number,
): QuerySpec {
  const filter: Doc = { question: oid(questionId) };
  const seq: Doc = {};
  if (page.afterSeq !== undefined) seq[page.sort === 1 ? '$gt' : '$lt'] = n(page.afterSeq);
  if (maxSeq !== undefined) seq.$lte = n(maxSeq);
  if (Object.keys(seq).length) filter.seq = trusted(seq);
  return { filter, sort: { seq: page.sort }, skip: page.afterSeq !== undefined ? 0 : n(page.offset), limit: n(page.num) };
}

export function scanTimeouts(scan: TimeoutScan) {
  const ids = (filter: Doc): QuerySpec => ({ filter, projection: { _id: 1 }, limit: n(scan.limit) });
  return {
    pending: ids({ status: 1, status_at: trusted({ $lt: n(scan.pendingSince) }) }),
    idle: ids({ status: 2, last_activity_at: trusted({ $lt: n(scan.idleSince) }) }),
    finishRequested: ids({ status: 2, finish_requested_at: trusted({ ...REQUESTED, $lt: n(scan.finishRequestedSince) }) }),
  };
}

/** Every app's identify (queue depths report each app, empty queues too). */
export const allApps: QuerySpec = { filter: {}, projection: { _id: 1 } };

/**
 * Pending questions per app: the `status` prefix of questions_queue (status, identify, _id), grouped
 * by identify, so the index alone answers it. Constant: nothing from a request goes in.
 */
export const pendingPerApp: PipelineStage[] = [{ $match: { status: 1 } }, { $group: { _id: '$identify', depth: { $sum: 1 } } }];

/** The predicate of the `questions_unsettled` partial index: the question has a pending entry. */
export const UNSETTLED = { $gte: 0 } as const;

/** Questions holding a pending entry older than `before`: a writer that died before settling it. */
export function unsettledQuestions(before: number, limit: number): QuerySpec {
  return { filter: { 'pending.created_at': trusted({ ...UNSETTLED, $lt: n(before) }) }, projection: { _id: 1 }, limit: n(limit) };
}

/** Every question holding any pending entry (the drain at start), on the same partial index. */
export const questionsWithPending: QuerySpec = { filter: { 'pending.created_at': trusted({ ...UNSETTLED }) }, projection: { _id: 1 }, limit: 500 };

export function listTemplates(identifies: string[]): QuerySpec {
  return { filter: { identify: trusted({ $in: identifies.map(s) }) }, sort: { _id: 1 } };
}

/** Every item of a template (removing it), on `items_by_template`. */
export const itemsOfTemplate = (templateId: string): QuerySpec => ({ filter: { template: oid(templateId) } });

export function listItems(templateId: string, page: Page): QuerySpec {
  const filter: Doc = { template: oid(templateId) };
  return { filter, ...paging(filter, page) };
}

// ---- media (GridFS; run on the driver's collections, so ids are ObjectIds already) ----

export function mediaFile(id: string): QuerySpec {
  return { filter: { _id: oid(id) } };
}

/** Every chunk of one file in order; the `files_id_1_n_1` index GridFS creates serves it. */
export function mediaChunks(fileId: Types.ObjectId): QuerySpec {
  return { filter: { files_id: fileId }, sort: { n: 1 } };
}

// ---- the outbox: events and deliveries ----

/** The predicate of the `outbox_due` partial index (not given up); every due-query repeats it. */
export const NOT_DEAD = { $gte: 0 } as const;

/**
 * The server's clock in float seconds, as every stored time: `$$NOW` is the time the server began
 * the command, the same for every document it touches. `offsetS` is 0 but in tests (ClockOffset).
 */
export function serverNow(offsetS: number): Doc {
  const now = { $divide: [{ $toLong: '$$NOW' }, 1000] };
  return n(offsetS) === 0 ? now : { $add: [now, offsetS] };
}

/**
 * A claim is three steps, none of which can hand one row to two claimers: pick the candidates
 * (`candidates`), lease those still free in one updateMany that re-checks freedom per document
 * against the server's clock and stamps a random token (`lease`), then read back what carries the
 * token (`leased`).
 *
 * No filter reads a clock: the candidates are the first rows of an index whose order puts the free
 * ones first (whatever the time), and the freedom check is a `$cond` on `$$NOW` inside the lease's
 * update pipeline, where it is atomic per document. So every filter stays a plain index range the
 * planner can bound and match against partial filters, and no node's clock decides anything.
 */
export interface ClaimQueries {
  candidates: QuerySpec;
  lease: (ids: unknown[], token: string) => QuerySpec;
  leased: (ids: unknown[], token: string) => QuerySpec;
}

/** Sets each field to its value when `free` holds, else leaves it as it is. */
function whenFree(free: Doc, fields: Record<string, unknown>): Doc {
  return Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, { $cond: [free, value, `$${name}`] }]));
}

/**
 * Events: `outbox_events_by_lease` orders never-leased events (leased_until 0) oldest first, then
 * leased ones by lease end, so the first `limit` rows hold every free event up to `limit`.
 */
export function claimEvents(leaseS: number, limit: number, offsetS: number): ClaimQueries {
  const now = serverNow(offsetS);
  const free = { $lte: ['$leased_until', now] };
  return {
    candidates: { filter: {}, projection: { _id: 1 }, sort: { leased_until: 1, created_at: 1, _id: 1 }, limit: n(limit) },
    lease: (ids, token) => ({
      filter: { _id: trusted({ $in: ids }) },
      update: [{ $set: whenFree(free, { leased_until: { $add: [now, n(leaseS)] }, lease: { $literal: s(token) }, attempts: { $add: ['$attempts', 1] } }) }],
      options: { updatePipeline: true },
    }),
    leased: (ids, token) => ({ filter: { _id: trusted({ $in: ids }), lease: s(token) }, sort: { created_at: 1, _id: 1 } }),
  };
}

/** Every recorded event, processed or not yet (`completeEvent` deletes by `_id`). */
export const allEvents: QuerySpec = { filter: {} };

/** Gives an event back unprocessed (its cause is not visible yet): free again, the claim not counted. */
export function releaseEvent(id: Types.ObjectId, token: string): QuerySpec {
  return { filter: { _id: id, lease: s(token) }, update: { $set: { leased_until: 0, lease: null }, $inc: { attempts: -1 } } };
}

/** Drops an event this claim holds (a question.created whose question never arrived). */
export function dropEvent(id: Types.ObjectId, token: string): QuerySpec {
  return { filter: { _id: id, lease: s(token) } };
}

/**
 * Deliveries: a lease moves `next_attempt_at` to the lease's end (when the entry is next tried
 * should its claimer die), so `outbox_due` in order lists every due entry first, leased or not.
 * `leased_until` is still checked: an entry leased by a node of the previous version (which left
 * `next_attempt_at` alone) stays held until its lease ends.
 */
export function claimDeliveries(leaseS: number, limit: number, offsetS: number): ClaimQueries {
  const now = serverNow(offsetS);
  const free = { $and: [{ $lte: ['$next_attempt_at', now] }, { $lte: [{ $ifNull: ['$leased_until', 0] }, now] }] };
  const sort = { next_attempt_at: 1, _id: 1 } as const;
  const leaseEnd = { $add: [now, n(leaseS)] };
  return {
    candidates: { filter: { next_attempt_at: trusted({ ...NOT_DEAD }) }, projection: { _id: 1 }, sort, limit: n(limit) },
    lease: (ids, token) => ({
      filter: { _id: trusted({ $in: ids.map(s) }), next_attempt_at: trusted({ ...NOT_DEAD }) },
      update: [{ $set: whenFree(free, { next_attempt_at: leaseEnd, leased_until: leaseEnd, lease: { $literal: s(token) } }) }],
      options: { updatePipeline: true },
    }),
    leased: (ids, token) => ({ filter: { _id: trusted({ $in: ids.map(s) }), lease: s(token) }, sort }),
  };
}

/**
 * A pipeline upsert of a queued delivery, timed by the server's clock: an entry that exists (it has
 * a `created_at`) is replaced by itself, that is left exactly as it is; a new one gets `fields` and
 * is due at once. `fields` are values to store, never expressions (each is `$literal`-wrapped by the caller).
 */
export function enqueueOnce(id: string, fields: Record<string, unknown>, now: unknown) {
  const entry = { _id: '$_id', ...fields, attempts: 0, next_attempt_at: now, leased_until: null, lease: null, created_at: now, last_error: null };
  return {
    updateOne: {
      filter: { _id: s(id) },
      update: [{ $replaceWith: { $cond: [{ $eq: [{ $type: '$created_at' }, 'missing'] }, entry, '$$ROOT'] } }],
      upsert: true,
    },
  };
}

/** One bulkWrite of the outbox's pipeline upserts (enqueueOnce). */
export function enqueueDeliveries(entries: Array<{ id: string; payload: string }>, offsetS: number) {
  const now = serverNow(offsetS);
  return entries.map((entry) => enqueueOnce(entry.id, { payload: { $literal: s(entry.payload) } }, now));
}

/** A failed attempt: the lease released, the next one `retryInS` after the server's now (or never: dead). */
export function retryDelivery(id: string, retry: { attempts: number; retryInS: number | null; error: string }, offsetS: number): QuerySpec {
  return {
    filter: { _id: s(id) },
    update: [
      {
        $set: {
          attempts: n(retry.attempts),
          next_attempt_at: retry.retryInS === null ? null : { $add: [serverNow(offsetS), n(retry.retryInS)] },
          leased_until: null,
          lease: null,
          last_error: { $literal: s(retry.error).slice(0, 500) },
        },
      },
    ],
    options: { updatePipeline: true },
  };
}

export const countDeliveries = {
  pending: { filter: { next_attempt_at: trusted({ ...NOT_DEAD }) } } as QuerySpec,
  dead: { filter: { next_attempt_at: null } } as QuerySpec,
};
