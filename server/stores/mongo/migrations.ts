/**
 * Bringing an existing MongoDB database up to this version, run by `npm run migrate` and by every
 * node on start (MongoStore.connect). Every step is idempotent, and safe when two nodes run it at
 * once: running it again finds nothing left to do.
 *
 * Sessions hashed at rest: a session stored under its raw 12-character token moves under its
 * digest (the new document is inserted first, the old one deleted after, so a crash in between
 * leaves both and the next run deletes the old one); messages and pending entries that name a raw
 * token get its digest; deliveries whose JSON payload carries `"session": <token>` carry
 * `"device": <digest>` instead.
 *
 * Migrations go through the driver's collections, not the models: they read what older versions
 * wrote, which the current schemas would refuse.
 */
import { isSessionDigest, sessionDigest } from '../../domain/sessionTokens.js';
import { ensureIndexes } from './connection.js';
import type { Models } from './models.js';
import { CHANGE_COUNTER } from './queries.js';

/** A raw session token as versions before hashing stored it. */
const RAW_TOKEN = '^[A-Za-z0-9]{12}$';
const BATCH = 500;

/** The queries of the data migration (plain driver filters: no request data reaches them). */
export const legacy = {
  sessions: { filter: { _id: { $regex: RAW_TOKEN } }, limit: BATCH },
  /** Distinct raw tokens still named by messages. */
  messageTokens: [{ $match: { session: { $regex: RAW_TOKEN } } }, { $group: { _id: '$session' } }],
  messages: (token: string, digest: string) => ({ updateMany: { filter: { session: token }, update: { $set: { session: digest } } } }),
  pending: (token: string, digest: string) => ({
    updateMany: {
      filter: { 'pending.session': token },
      update: { $set: { 'pending.$[entry].session': digest } },
      arrayFilters: [{ 'entry.session': token }],
    },
  }),
  payloads: { filter: { payload: { $regex: '"session":' } } },
  counter: { filter: { _id: CHANGE_COUNTER }, update: { $setOnInsert: { seq: 0 } }, options: { upsert: true } },
  /** The mark of a finished message rewrite (a counter at 1), so later starts skip its full scan. */
  messagesDone: { filter: { _id: 'migrated.message_sessions' }, update: { $set: { seq: 1 } }, options: { upsert: true } },
};

/** The session document under its digest, with the fields older versions did not have. */
export function hashedSession(doc: Record<string, unknown>): Record<string, unknown> {
  const { _id, ...rest } = doc;
  return { _id: sessionDigest(String(_id)), kind: 'app', last_used_at: rest.created_at ?? 0, ...rest };
}

/**
 * A delivery payload with its raw `session` replaced by `device` (the digest) in the same position,
 * or null when there is nothing to change (not JSON, no raw token).
 */
export function devicePayload(payload: string): string | null {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const token = (body as Record<string, unknown>).session;
  if (typeof token !== 'string' || isSessionDigest(token)) return null;
  const entries = Object.entries(body).map(([key, value]) => (key === 'session' ? ['device', sessionDigest(token)] : [key, value]));
  return JSON.stringify(Object.fromEntries(entries));
}

/** True when every write error of a bulk insert is a duplicate key (that document was migrated before). */
function onlyDuplicates(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: Array<{ code?: number }> | { code?: number } }).writeErrors;
  if (writeErrors === undefined) return (error as { code?: number }).code === 11000;
  const list = Array.isArray(writeErrors) ? writeErrors : [writeErrors];
  return list.length > 0 && list.every((e) => e.code === 11000);
}

export interface MigrationReport {
  indexesCreated: string[];
  indexesDropped: string[];
  sessions: number;
  messageTokens: number;
  payloads: number;
}

/** Collections and indexes first (dropping those whose definition changed), then the data. */
export async function migrate(models: Models): Promise<MigrationReport> {
  const indexes = await ensureIndexes(models);
  // The counter exists before any transaction reserves a seq, so two first changes never race to insert it.
  const counter = legacy.counter;
  await models.Counter.updateOne(counter.filter, counter.update, counter.options).exec();
  return {
    indexesCreated: indexes.created,
    indexesDropped: indexes.dropped,
    sessions: await hashSessions(models),
    messageTokens: await hashMessageSessions(models),
    payloads: await hashPayloads(models),
  };
}

async function hashSessions(models: Models): Promise<number> {
  const sessions = models.Session.collection;
  let moved = 0;
  for (;;) {
    const batch = await sessions.find(legacy.sessions.filter as never).limit(legacy.sessions.limit).toArray();
    if (batch.length === 0) return moved;
    await sessions.insertMany(batch.map((doc) => hashedSession(doc) as never), { ordered: false }).catch((error: unknown) => {
      if (!onlyDuplicates(error)) throw error;
    });
    await sessions.deleteMany({ _id: { $in: batch.map((doc) => doc._id) } } as never);
    moved += batch.length;
  }
}

/**
 * Messages have no index on `session` alone, so finding raw tokens scans them all: done once, then
 * marked. (Old nodes of a rolling deploy may still store raw tokens after it; those only matter to a
 * retry of that very send, minutes at most.)
 */
async function hashMessageSessions(models: Models): Promise<number> {
  const done = legacy.messagesDone;
  if (await models.Counter.exists(done.filter).exec()) return 0;
  let tokens = 0;
  let messageOps: object[] = [];
  let pendingOps: object[] = [];
  const flush = async () => {
    if (messageOps.length) await models.Message.collection.bulkWrite(messageOps as never, { ordered: false });
    if (pendingOps.length) await models.Question.collection.bulkWrite(pendingOps as never, { ordered: false });
    messageOps = [];
    pendingOps = [];
  };
  for await (const group of models.Message.collection.aggregate<{ _id: string }>(legacy.messageTokens, { allowDiskUse: true })) {
    const digest = sessionDigest(group._id);
    messageOps.push(legacy.messages(group._id, digest));
    pendingOps.push(legacy.pending(group._id, digest));
    tokens++;
    if (messageOps.length >= BATCH) await flush();
  }
  await flush();
  await models.Counter.updateOne(done.filter, done.update, done.options).exec();
  return tokens;
}

async function hashPayloads(models: Models): Promise<number> {
  const outbox = models.Outbox.collection;
  let ops: object[] = [];
  let changed = 0;
  for await (const doc of outbox.find(legacy.payloads.filter as never, { projection: { payload: 1 } })) {
    const payload = devicePayload(String(doc.payload));
    if (payload === null) continue;
    // Conditional on the old payload: a delivery retried meanwhile is not overwritten.
    ops.push({ updateOne: { filter: { _id: doc._id, payload: doc.payload }, update: { $set: { payload } } } });
    changed++;
    if (ops.length >= BATCH) {
      await outbox.bulkWrite(ops as never, { ordered: false });
      ops = [];
    }
  }
  if (ops.length) await outbox.bulkWrite(ops as never, { ordered: false });
  return changed;
}
