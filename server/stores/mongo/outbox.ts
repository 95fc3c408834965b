/**
 * The push outbox in MongoDB. MongoDB has no "update up to N documents and return them", so a claim
 * is up to `limit` single-document findOneAndUpdate's, each atomic: a due, unleased entry is leased
 * and returned in one step, so two nodes claiming at once never get the same entry while it is leased.
 */
import mongoose from 'mongoose';
import type { OutboxEntry } from '../types.js';
import type { Models, OutboxDoc } from './models.js';
import { AFTER, n, s, type QuerySpec } from './queries.js';

const { trusted } = mongoose;

/** Idempotent enqueue: an existing id is left exactly as it is. */
export function enqueueQuery(entry: { id: string; payload: string; now: number }): QuerySpec {
  return {
    filter: { _id: s(entry.id) },
    update: {
      $setOnInsert: {
        payload: s(entry.payload),
        attempts: 0,
        next_attempt_at: n(entry.now),
        leased_until: null,
        created_at: n(entry.now),
        last_error: null,
      },
    },
    options: { upsert: true },
  };
}

/** Leases the oldest due entry that no live lease holds. */
export function claimQuery(now: number, leaseS: number): QuerySpec {
  return {
    filter: {
      next_attempt_at: trusted({ $lte: n(now) }),
      $or: [{ leased_until: null }, { leased_until: trusted({ $lte: n(now) }) }],
    },
    update: { $set: { leased_until: n(now) + n(leaseS) } },
    sort: { next_attempt_at: 1 },
    options: AFTER,
  };
}

export function retryQuery(id: string, retry: { attempts: number; nextAttemptAt: number | null; error: string }): QuerySpec {
  return {
    filter: { _id: s(id) },
    update: {
      $set: {
        attempts: n(retry.attempts),
        next_attempt_at: retry.nextAttemptAt === null ? null : n(retry.nextAttemptAt),
        leased_until: null,
        last_error: s(retry.error).slice(0, 500),
      },
    },
  };
}

export const countQueries = {
  pending: { filter: { next_attempt_at: trusted({ $type: 'number' }) } } as QuerySpec,
  dead: { filter: { next_attempt_at: null } } as QuerySpec,
};

export class MongoOutbox {
  constructor(private readonly models: Models) {}

  async enqueue(entry: { id: string; payload: string; now: number }): Promise<void> {
    const q = enqueueQuery(entry);
    await this.models.Outbox.updateOne(q.filter, q.update!, q.options).exec();
  }

  async claim(now: number, leaseS: number, limit: number): Promise<OutboxEntry[]> {
    const claimed: OutboxEntry[] = [];
    while (claimed.length < limit) {
      const q = claimQuery(now, leaseS);
      const doc = await this.models.Outbox.findOneAndUpdate(q.filter, q.update!, q.options).sort(q.sort!).lean<OutboxDoc>().exec();
      if (!doc) break;
      claimed.push({
        id: doc._id,
        payload: doc.payload,
        attempts: doc.attempts,
        nextAttemptAt: doc.next_attempt_at as number,
        createdAt: doc.created_at,
      });
    }
    return claimed;
  }

  async complete(id: string): Promise<void> {
    await this.models.Outbox.deleteOne({ _id: s(id) }).exec();
  }

  async retry(id: string, retry: { attempts: number; nextAttemptAt: number | null; error: string }): Promise<void> {
    const q = retryQuery(id, retry);
    await this.models.Outbox.updateOne(q.filter, q.update!).exec();
  }

  async count(): Promise<{ pending: number; dead: number }> {
    const [pending, dead] = await Promise.all([
      this.models.Outbox.countDocuments(countQueries.pending.filter).exec(),
      this.models.Outbox.countDocuments(countQueries.dead.filter).exec(),
    ]);
    return { pending, dead };
  }
}
