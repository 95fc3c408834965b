/**
 * How a write lands together with what it causes: a question write with its message (a notice or a
 * chat message) and its outbox event, a provisioning write with its change-feed entries.
 *
 * - With transactions (replica set or sharded cluster, i.e. every production deployment): all of it
 *   runs in one transaction. Two writers on one question conflict on its document, so the second
 *   waits for the first to commit or retries: messages become visible in seq order, and a failed
 *   insert rolls the seq back. Change seqs come from one counter document incremented in the same
 *   transaction, so two provisioning writes conflict on it and seqs follow commit order.
 * - Without (a standalone mongod, typical of development): a retry-safe order of single-document
 *   writes. The question update is the commit point: in the same single-document write it appends
 *   the message, id and seq already chosen, together with its outbox event, to the question's
 *   `pending` array. Then the message is inserted, then its event (whose `_id` is the message id),
 *   then the entry is pulled from `pending`. A crash in between leaves it in `pending`, and the next
 *   write on that question, the next read of its messages, or the relay's claim once it is stale
 *   (outbox.ts) settles it; a repeated insert fails on
 *   `_id` (and (question, seq)), so replaying it any number of times yields exactly one message and
 *   one event. Readers bound their read by the `last_seq` they saw after settling, so they never see
 *   seq n+1 before n. What this mode cannot guarantee is listed in docs/mongodb.md.
 */
import type { ClientSession, Connection, mongo } from 'mongoose';
import type { ChangeKind, Seconds } from '../types.js';
import type { ChangeDoc, CounterDoc, MessageDoc, Models, OutboxEventDoc, PendingDoc, PendingEventDoc, QuestionDoc } from './models.js';
import { byObjectId, questionsWithPending, reserveChangeSeqs, settlePending, type QuerySpec } from './queries.js';
import { eventOfPending, isDuplicateKey, isValidationError, messageOfPending } from './records.js';

export interface WriteContext {
  connection: Connection;
  models: Models;
  transactions: boolean;
}

/** Majority writes and snapshot reads, so a committed write survives a primary failover. */
export const TRANSACTION_OPTIONS: mongo.TransactionOptions = {
  readConcern: { level: 'snapshot' },
  writeConcern: { w: 'majority' },
  readPreference: 'primary',
};

/** How long one unit of work may keep retrying its transaction before it gives up. */
export const TRANSACTION_DEADLINE_MS = 10_000;

/** A transaction still retrying after TRANSACTION_DEADLINE_MS: given up (a 500, never a hang). */
export class TransactionDeadlineError extends Error {
  constructor() {
    super(`transaction still retrying after ${TRANSACTION_DEADLINE_MS} ms; given up`);
    this.name = 'TransactionDeadlineError';
  }
}

/** The options every operation of one unit of work passes: its transaction's session, if any. */
export const inSession = (session: ClientSession | null) => (session ? { session } : {});

/**
 * Runs `work` in one transaction when the deployment has them, else directly (its writes then land
 * one by one in the order `work` issues them, which each caller chooses to be retry-safe).
 * withTransaction retries the whole callback on transient errors, so `work` must start from
 * scratch each time and keep no state outside its return value.
 */
export async function atomically<T>(ctx: WriteContext, work: (session: ClientSession | null) => Promise<T>): Promise<T> {
  if (!ctx.transactions) return work(null);
  const session = await ctx.connection.startSession();
  const deadline = Date.now() + TRANSACTION_DEADLINE_MS;
  try {
    let result: T | undefined;
    await session.withTransaction(async () => {
      // The driver retries transient errors for up to 120 s and ignores timeoutMS here (7.x); an
      // error of our own is not transient, so it ends the retries and the request fails fast.
      if (Date.now() > deadline) throw new TransactionDeadlineError();
      result = await work(session);
    }, TRANSACTION_OPTIONS);
    return result as T;
  } finally {
    await session.endSession();
  }
}

/**
 * Appends change-feed entries after the write they describe, in the same unit of work: seqs are
 * reserved from the counter document (`$inc` by the number of entries), then the entries inserted.
 */
export async function appendChanges(
  ctx: WriteContext,
  session: ClientSession | null,
  changes: Array<{ kind: ChangeKind; key: string }>,
  at: Seconds,
): Promise<void> {
  if (changes.length === 0) return;
  const q = reserveChangeSeqs(changes.length);
  const counter = await ctx.models.Counter.findOneAndUpdate(q.filter, q.update!, { ...q.options, ...inSession(session) })
    .lean<CounterDoc>()
    .exec();
  const first = counter!.seq - changes.length + 1;
  const docs: ChangeDoc[] = changes.map((change, i) => ({ _id: first + i, kind: change.kind, key: change.key, at }));
  await ctx.models.Change.insertMany(docs, inSession(session));
}

/**
 * Inserts an event and the document that causes it (a new question). In a transaction, together.
 * Without one the event goes first: a crash after it leaves an event whose question never appears,
 * which the claim recognises and drops after a grace period (outbox.ts), whereas the other order
 * could leave a question whose event is lost for good.
 */
export async function insertWithEvent(ctx: WriteContext, event: OutboxEventDoc, insertCause: (session: ClientSession | null) => Promise<void>): Promise<void> {
  if (ctx.transactions) {
    await atomically(ctx, async (session) => {
      await insertCause(session);
      await ctx.models.OutboxEvent.create([event], { session: session! });
    });
    return;
  }
  await ctx.models.OutboxEvent.create([event]);
  try {
    await insertCause(null);
  } catch (error) {
    await ctx.models.OutboxEvent.deleteOne(byObjectId(event._id.toHexString()).filter).exec().catch(() => undefined);
    throw error;
  }
}

export interface Written {
  question: QuestionDoc;
  message: MessageDoc;
}

/**
 * Applies `build(...)`'s conditional question update, inserts `message` with the seq it assigned,
 * and records its outbox event (`_id` = the message id). Null when the filter matched nothing. A
 * duplicate-key error from the message insert is rethrown after the question write is undone
 * (transaction) or the pending entry dropped (retry-safe order).
 */
/**
 * Writes of other documents that belong to a question write (an agent's seats, seats.ts). With
 * transactions they run inside it: `before` first (a refusal it throws aborts everything, and a
 * question write that then matches nothing rolls its writes back), `after` last. Without, `before`
 * runs just before the question write and `after` once its message is settled; undoing `before`
 * when the question write matched nothing is then the caller's business.
 */
export interface CompanionWrites {
  before?(session: ClientSession | null): Promise<void>;
  after?(session: ClientSession | null, question: QuestionDoc): Promise<void>;
}

/** Thrown inside a transaction to roll back companion writes when the question write matched nothing. */
class NothingMatched extends Error {}

export async function writeWithMessage(
  ctx: WriteContext,
  build: (pending: PendingDoc | null) => QuerySpec,
  message: MessageDoc,
  event: PendingEventDoc,
  companions: CompanionWrites = {},
): Promise<Written | null> {
  // A message the schema refuses must fail here, before the question write spends a seq on it
  // (and, without transactions, before it can sit in `pending` failing every settle).
  await assertStorable(ctx, message);
  if (ctx.transactions) {
    try {
      return await atomically(ctx, async (session) => {
        await companions.before?.(session);
        const spec = build(null);
        const question = await ctx.models.Question.findOneAndUpdate(spec.filter, spec.update!, { ...spec.options, session: session! })
          .lean<QuestionDoc>()
          .exec();
        if (!question) {
          if (companions.before) throw new NothingMatched();
          return null;
        }
        const entry: PendingDoc = { ...message, seq: question.last_seq, event };
        await ctx.models.Message.create([messageOfPending(entry)], { session: session! });
        await ctx.models.OutboxEvent.create([eventOfPending(question._id, entry)!], { session: session! });
        await companions.after?.(session, question);
        return { question, message: messageOfPending(entry) };
      });
    } catch (error) {
      if (error instanceof NothingMatched) return null;
      throw error;
    }
  }
  await companions.before?.(null);
  const spec = build({ ...message, event });
  const question = await ctx.models.Question.findOneAndUpdate(spec.filter, spec.update!, spec.options).lean<QuestionDoc>().exec();
  if (!question) return null;
  const entry = question.pending.find((p) => p._id.equals(message._id));
  if (!entry) throw new Error('pending message missing after its question write');
  const questionId = question._id.toHexString();
  await settleEntry(ctx, questionId, entry);
  // Whatever an earlier writer on this question left behind (a crash) is settled now, not later.
  await settleAll(ctx, questionId, question.pending.filter((p) => !p._id.equals(message._id)));
  await companions.after?.(null, question);
  return { question, message: messageOfPending(entry) };
}

/** Rejects (with Mongoose's ValidationError) a message the `messages` schema would refuse; no round trip. */
export async function assertStorable(ctx: WriteContext, message: MessageDoc): Promise<void> {
  // The seq is assigned by the question write; any valid one stands in for it here.
  await new ctx.models.Message({ ...message, seq: 1 }).validate();
}

/**
 * Inserts one pending message, then its event, then removes it from `pending`. Replays are
 * harmless: an insert that hits `_id` was done before. A conflict on the idempotency key means
 * another retry of the same client message won: the entry is dropped with no event (its seq stays
 * unused) and the error rethrown.
 */
export async function settleEntry(ctx: WriteContext, questionId: string, entry: PendingDoc): Promise<void> {
  const pull = settlePending(questionId, entry._id.toHexString());
  try {
    await ctx.models.Message.create([messageOfPending(entry)]);
  } catch (error) {
    if (isValidationError(error)) {
      // An entry no insert can ever accept (left by a version that did not validate first) would
      // otherwise fail every read of its question: it is dropped, its seq left unused.
      await ctx.models.Question.updateOne(pull.filter, pull.update!).exec();
      return;
    }
    if (!isDuplicateKey(error)) throw error;
    if (!(await ctx.models.Message.exists({ _id: entry._id }).exec())) {
      await ctx.models.Question.updateOne(pull.filter, pull.update!).exec();
      throw error;
    }
  }
  const event = eventOfPending(entry.question, entry);
  if (event) {
    await ctx.models.OutboxEvent.create([event]).catch((error: unknown) => {
      if (!isDuplicateKey(error)) throw error;
    });
  }
  await ctx.models.Question.updateOne(pull.filter, pull.update!).exec();
}

async function settleAll(ctx: WriteContext, questionId: string, entries: PendingDoc[]): Promise<void> {
  for (const entry of entries) {
    await settleEntry(ctx, questionId, entry).catch((error: unknown) => {
      if (!isDuplicateKey(error)) throw error;
    });
  }
}

/**
 * Before reading a question's messages in retry-safe mode: inserts whatever a crashed writer left
 * pending and returns the last seq the read may include (null: no such question).
 */
export async function settleQuestion(ctx: WriteContext, questionId: string): Promise<number | null> {
  const question = await ctx.models.Question.findOne(byObjectId(questionId).filter, { last_seq: 1, pending: 1 })
    .lean<Pick<QuestionDoc, '_id' | 'last_seq' | 'pending'>>()
    .exec();
  if (!question) return null;
  await settleAll(ctx, questionId, question.pending ?? []);
  return question.last_seq;
}

/**
 * Settles every pending entry left on any question: run by `npm run migrate` and on every start.
 * Transaction mode never writes `pending`, so entries a standalone server left before it became a
 * replica set would otherwise keep their messages (and seqs) unwritten for good. Returns how many
 * questions were settled.
 */
export async function drainPending(ctx: WriteContext): Promise<number> {
  let settled = 0;
  const seen = new Set<string>();
  for (;;) {
    const batch = await ctx.models.Question.find(questionsWithPending.filter, questionsWithPending.projection)
      .limit(questionsWithPending.limit!)
      .lean<Array<{ _id: QuestionDoc['_id'] }>>()
      .exec();
    const fresh = batch.map((q) => q._id.toHexString()).filter((id) => !seen.has(id));
    // A question still pending after its settle is being written to right now; its writer settles it.
    if (fresh.length === 0) return settled;
    for (const id of fresh) {
      seen.add(id);
      await settleQuestion(ctx, id);
      settled++;
    }
  }
}
