/**
 * The outbox in MongoDB: domain events (`outbox_events`, recorded with their causes by writes.ts),
 * the deliveries they fan out to (`outbox`), and the provisioning change feed (`changes`).
 *
 * MongoDB has no "update up to N documents and return them", so a claim leases by token
 * (queries.ts, ClaimQueries): pick the candidates, lease those still free in one updateMany stamped
 * with a random token, read back what carries the token. The updateMany checks freedom per document
 * atomically, against the server's `$$NOW`, so two claimers never hold one row at once, whatever
 * their own clocks say.
 */
import { randomBytes } from 'node:crypto';
import type { ChangeRecord, ClockOffset, OutboxEntry, OutboxEvent, OutboxStore, Seconds } from '../types.js';
import type { ChangeDoc, CounterDoc, OutboxDoc, OutboxEventDoc } from './models.js';
import * as Q from './queries.js';
import { findAll, findFirst, type AnyModel } from './reads.js';
import { toChange, toDelivery, toOutboxEvent } from './records.js';
import { settleQuestion, type WriteContext } from './writes.js';

/**
 * How long a hole in the change feed, a question.created event without its question, or a pending
 * message may be a write still under way (retry-safe mode: single-document writes in a row). Past
 * it, the write is taken to have crashed: the hole is skipped, the event dropped, the message settled.
 */
export const IN_FLIGHT_GRACE_S = 30;

async function claim<T extends { _id: unknown }>(model: AnyModel, queries: Q.ClaimQueries): Promise<{ docs: T[]; token: string }> {
  const token = randomBytes(12).toString('hex');
  const candidates = await findAll<{ _id: unknown }>(model, queries.candidates);
  if (candidates.length === 0) return { docs: [], token };
  const ids = candidates.map((c) => c._id);
  const lease = queries.lease(ids, token);
  const { modifiedCount } = await model.updateMany(lease.filter, lease.update!, lease.options).exec();
  // Nothing was free (candidates that are leased or not yet due): no read-back needed.
  if (modifiedCount === 0) return { docs: [], token };
  return { docs: await findAll<T>(model, queries.leased(ids, token)), token };
}

export class MongoOutbox implements OutboxStore {
  constructor(
    private readonly ctx: WriteContext,
    /** Tests only (ClockOffset): shifts the server clock this store reads. */
    private readonly clockOffset: ClockOffset = { seconds: 0 },
  ) {}

  private get models() {
    return this.ctx.models;
  }

  async claimEvents(leaseS: number, limit: number): Promise<OutboxEvent[]> {
    // The grace periods compare with times that writers stamped by their own clocks, so this node's
    // serves: a wrong guess settles a write early (settling is idempotent) or drops a ghost late.
    const now = Date.now() / 1000;
    if (!this.ctx.transactions) await this.settleUnsettled(now, limit);
    const { docs, token } = await claim<OutboxEventDoc>(this.models.OutboxEvent, Q.claimEvents(leaseS, limit, this.clockOffset.seconds));
    const ready = this.ctx.transactions ? docs : await this.withoutGhosts(docs, token, now);
    return ready.map(toOutboxEvent);
  }

  /**
   * Retry-safe mode: a message whose writer died after its question write is still pending on the
   * question, with its event. Settled here once it is older than the grace period (a live writer
   * settles its own in milliseconds), so its event is not left waiting for the next read of that
   * question.
   */
  private async settleUnsettled(now: Seconds, limit: number): Promise<void> {
    const stale = await findAll<{ _id: OutboxEventDoc['_id'] }>(this.models.Question, Q.unsettledQuestions(now - IN_FLIGHT_GRACE_S, limit));
    for (const question of stale) await settleQuestion(this.ctx, question._id.toHexString());
  }

  /**
   * Retry-safe mode records question.created before the question (writes.ts, insertWithEvent): an
   * event whose question is not there yet goes back unclaimed, and one still without it after the
   * grace period is dropped (its question insert failed or crashed).
   */
  private async withoutGhosts(docs: OutboxEventDoc[], token: string, now: Seconds): Promise<OutboxEventDoc[]> {
    const created = docs.filter((d) => d.type === 'question.created');
    if (created.length === 0) return docs;
    const found = await findAll<{ _id: OutboxEventDoc['_id'] }>(this.models.Question, {
      ...Q.byObjectIds(created.map((d) => d.question)),
      projection: { _id: 1 },
    });
    const exists = new Set(found.map((q) => q._id.toHexString()));
    const ready: OutboxEventDoc[] = [];
    for (const doc of docs) {
      if (doc.type !== 'question.created' || exists.has(doc.question.toHexString())) {
        ready.push(doc);
      } else if (now - doc.created_at < IN_FLIGHT_GRACE_S) {
        const release = Q.releaseEvent(doc._id, token);
        await this.models.OutboxEvent.updateOne(release.filter, release.update!).exec();
      } else {
        await this.models.OutboxEvent.deleteOne(Q.dropEvent(doc._id, token).filter).exec();
      }
    }
    return ready;
  }

  async completeEvent(id: string): Promise<void> {
    let q;
    try {
      q = Q.byObjectId(id);
    } catch {
      return; // not an id we could have handed out
    }
    await this.models.OutboxEvent.deleteOne(q.filter).exec();
  }

  countEvents(): Promise<number> {
    return this.models.OutboxEvent.countDocuments(Q.allEvents.filter).exec();
  }

  async enqueueDeliveries(entries: Array<{ id: string; payload: string }>): Promise<void> {
    if (entries.length === 0) return;
    await this.models.Outbox.bulkWrite(Q.enqueueDeliveries(entries, this.clockOffset.seconds), { ordered: false });
  }

  async claimDeliveries(leaseS: number, limit: number): Promise<OutboxEntry[]> {
    const { docs } = await claim<OutboxDoc>(this.models.Outbox, Q.claimDeliveries(leaseS, limit, this.clockOffset.seconds));
    return docs.map(toDelivery);
  }

  async completeDelivery(id: string): Promise<void> {
    await this.models.Outbox.deleteOne(Q.byId(id).filter).exec();
  }

  async retryDelivery(id: string, retry: { attempts: number; retryInS: number | null; error: string }): Promise<void> {
    const q = Q.retryDelivery(id, retry, this.clockOffset.seconds);
    await this.models.Outbox.updateOne(q.filter, q.update!, q.options).exec();
  }

  async countDeliveries(): Promise<{ pending: number; dead: number }> {
    const [pending, dead] = await Promise.all([
      this.models.Outbox.countDocuments(Q.countDeliveries.pending.filter).exec(),
      this.models.Outbox.countDocuments(Q.countDeliveries.dead.filter).exec(),
    ]);
    return { pending, dead };
  }

  async lastChangeSeq(): Promise<number> {
    const newest = await findFirst<{ _id: number }>(this.models.Change, Q.lastChange);
    if (newest) return newest._id;
    const counter = await findFirst<CounterDoc>(this.models.Counter, Q.byId(Q.CHANGE_COUNTER));
    return counter?.seq ?? 0;
  }

  /**
   * Changes after `afterSeq`, stopping before a hole: in retry-safe mode a seq is reserved before its
   * entry is inserted, so seq n+1 can be visible while n is still on its way, and a tailer that
   * moved past n would never see it. A hole older than the grace period is a crashed write and is
   * skipped. With transactions there are no holes to wait for (seq and entry commit together).
   */
  async listChanges(afterSeq: number, limit: number): Promise<ChangeRecord[]> {
    const docs = await findAll<ChangeDoc>(this.models.Change, Q.listChanges(afterSeq, limit));
    return (this.ctx.transactions ? docs : contiguousChanges(afterSeq, docs, Date.now() / 1000)).map(toChange);
  }

  async pruneChanges(before: Seconds): Promise<void> {
    await this.models.Change.deleteMany(Q.pruneChanges(before).filter).exec();
  }
}

/** The run of `docs` (sorted by seq) that follows `afterSeq` without a hole younger than the grace period. */
export function contiguousChanges(afterSeq: number, docs: ChangeDoc[], now: Seconds): ChangeDoc[] {
  const run: ChangeDoc[] = [];
  let expected = afterSeq + 1;
  for (const doc of docs) {
    if (doc._id !== expected && now - doc.at < IN_FLIGHT_GRACE_S) break;
    run.push(doc);
    expected = doc._id + 1;
  }
  return run;
}
