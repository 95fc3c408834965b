/**
 * How a question write and the message it produces (a notice, or a chat message) land together.
 *
 * - With transactions (replica set or sharded cluster, i.e. every production deployment): the
 *   conditional question update and the message insert run in one transaction. Two writers on one
 *   question conflict on its document, so the second waits for the first to commit or retries:
 *   messages become visible in seq order, and a failed insert rolls the seq back.
 * - Without (a standalone mongod, typical of development): a retry-safe order of writes. The
 *   question update is the commit point: in the same single-document write it appends the message,
 *   id and seq already chosen, to the question's `pending` array. Then the message is inserted and
 *   pulled from `pending`. A crash in between leaves it in `pending`, and whoever reads the question's
 *   messages next inserts it; a repeated insert fails on `_id` (and (question, seq)), so replaying
 *   it any number of times yields exactly one copy. Readers bound their read by the `last_seq` they
 *   saw after settling, so they never see seq n+1 before n.
 */
import type { ClientSession, Connection, mongo } from 'mongoose';
import type { MessageDoc, Models, QuestionDoc } from './models.js';
import { isDuplicateKey } from './records.js';
import { byObjectId, settlePending, type QuerySpec } from './queries.js';

export interface WriteContext {
  connection: Connection;
  models: Models;
  transactions: boolean;
}

/** Majority writes and snapshot reads, so a committed transition survives a primary failover. */
export const TRANSACTION_OPTIONS: mongo.TransactionOptions = {
  readConcern: { level: 'snapshot' },
  writeConcern: { w: 'majority' },
  readPreference: 'primary',
};

export interface Written {
  question: QuestionDoc;
  message: MessageDoc;
}

/**
 * Applies `build(...)`'s conditional question update and inserts `message` with the seq it assigned.
 * Null when the filter matched nothing. A duplicate-key error from the insert is rethrown after the
 * question write is undone (transaction) or the pending entry dropped (retry-safe order).
 */
export async function writeWithMessage(
  ctx: WriteContext,
  build: (pending: MessageDoc | null) => QuerySpec,
  message: MessageDoc,
): Promise<Written | null> {
  if (ctx.transactions) return inTransaction(ctx, build, message);
  const spec = build(message);
  const question = await ctx.models.Question.findOneAndUpdate(spec.filter, spec.update!, spec.options)
    .lean<QuestionDoc>()
    .exec();
  if (!question) return null;
  const entry = question.pending.find((p) => p._id.equals(message._id));
  if (!entry) throw new Error('pending message missing after its question write');
  await insertPending(ctx, question._id.toHexString(), entry);
  return { question, message: entry };
}

async function inTransaction(
  ctx: WriteContext,
  build: (pending: MessageDoc | null) => QuerySpec,
  message: MessageDoc,
): Promise<Written | null> {
  const session: ClientSession = await ctx.connection.startSession();
  try {
    let written: Written | null = null;
    // withTransaction retries the whole callback on transient errors (write conflicts), so it
    // must start from scratch each time.
    await session.withTransaction(async () => {
      written = null;
      const spec = build(null);
      const question = await ctx.models.Question.findOneAndUpdate(spec.filter, spec.update!, { ...spec.options, session })
        .lean<QuestionDoc>()
        .exec();
      if (!question) return;
      const doc = { ...message, seq: question.last_seq };
      await ctx.models.Message.create([doc], { session });
      written = { question, message: doc };
    }, TRANSACTION_OPTIONS);
    return written;
  } finally {
    await session.endSession();
  }
}

/**
 * Inserts one pending message and removes it from `pending`. Replays are harmless: an insert that
 * hits `_id` was done before. A conflict on the idempotency key means another retry of the same
 * client message won: the entry is dropped (its seq stays unused) and the error rethrown.
 */
export async function insertPending(ctx: WriteContext, questionId: string, entry: MessageDoc): Promise<void> {
  const pull = settlePending(questionId, entry._id.toHexString());
  try {
    await ctx.models.Message.create([entry]);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    if (!(await ctx.models.Message.exists({ _id: entry._id }).exec())) {
      await ctx.models.Question.updateOne(pull.filter, pull.update!).exec();
      throw error;
    }
  }
  await ctx.models.Question.updateOne(pull.filter, pull.update!).exec();
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
  for (const entry of question.pending ?? []) {
    await insertPending(ctx, questionId, entry).catch((error: unknown) => {
      if (!isDuplicateKey(error)) throw error;
    });
  }
  return question.last_seq;
}
