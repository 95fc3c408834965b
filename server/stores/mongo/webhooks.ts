/**
 * Webhooks and their deliveries in MongoDB. A claim picks the soonest due deliveries of enabled
 * webhooks, keeps those that head their (webhook, question) chain, and leases them by token in one
 * updateMany that checks due and free per document against the server's `$$NOW` (as the outbox's
 * claims do), so two nodes never hold one entry. Entries of one chain are inserted in order (an
 * ordered bulkWrite), so a later one is never visible before an earlier one.
 */
import { randomBytes } from 'node:crypto';
import type {
  ClockOffset,
  NewWebhookDelivery,
  WebhookDelivery,
  WebhookEventName,
  WebhookFailure,
  WebhookRecord,
  WebhookStore,
} from '../types.js';
import type { Models, WebhookDeliveryDoc, WebhookDoc } from './models.js';
import * as Q from './queries.js';
import { findAll, findFirst } from './reads.js';
import * as W from './webhookQueries.js';

const toWebhook = (doc: WebhookDoc): WebhookRecord => ({
  id: doc._id,
  identify: doc.identify,
  url: doc.url,
  events: doc.events as WebhookEventName[],
  salt: doc.salt,
  createdAt: doc.created_at,
  disabledAt: doc.disabled_at ?? null,
  failingSince: doc.failing_since ?? null,
  lastError: doc.last_error ?? null,
});

const toDelivery = (doc: WebhookDeliveryDoc): WebhookDelivery => ({
  id: doc._id,
  webhookId: doc.webhook,
  questionId: doc.question,
  position: doc.position,
  event: doc.event as WebhookEventName,
  payload: doc.payload,
  attempts: doc.attempts,
  nextAttemptAt: doc.next_attempt_at ?? 0,
  createdAt: doc.created_at,
});

export class MongoWebhooks implements WebhookStore {
  constructor(
    private readonly models: Models,
    /** Tests only (ClockOffset): shifts the server clock this store reads. */
    private readonly clockOffset: ClockOffset = { seconds: 0 },
  ) {}

  private get offset(): number {
    return this.clockOffset.seconds;
  }

  async createWebhook(webhook: WebhookRecord): Promise<void> {
    await this.models.Webhook.create({
      _id: webhook.id,
      identify: webhook.identify,
      url: webhook.url,
      events: webhook.events,
      salt: webhook.salt,
      created_at: webhook.createdAt,
      disabled_at: webhook.disabledAt,
      failing_since: webhook.failingSince,
      last_error: webhook.lastError,
    });
  }

  async getWebhook(id: string): Promise<WebhookRecord | null> {
    const doc = await findFirst<WebhookDoc>(this.models.Webhook, Q.byId(id));
    return doc ? toWebhook(doc) : null;
  }

  async listWebhooks(identify?: string): Promise<WebhookRecord[]> {
    return (await findAll<WebhookDoc>(this.models.Webhook, W.webhooksOfApp(identify))).map(toWebhook);
  }

  /** The webhook first, then its deliveries: a crash in between leaves entries no claim takes (no enabled webhook). */
  async deleteWebhook(id: string): Promise<WebhookRecord | null> {
    const doc = await this.models.Webhook.findOneAndDelete(Q.byId(id).filter).lean<WebhookDoc>().exec();
    if (!doc) return null;
    await this.models.WebhookDelivery.deleteMany(W.deliveriesOfWebhook(id).filter).exec();
    return toWebhook(doc);
  }

  async enqueueDeliveries(entries: NewWebhookDelivery[]): Promise<void> {
    if (entries.length === 0) return;
    await this.models.WebhookDelivery.bulkWrite(W.enqueueDeliveries(entries, this.offset) as never, { ordered: true });
  }

  async claimDeliveries(leaseS: number, limit: number): Promise<WebhookDelivery[]> {
    const enabled = (await findAll<{ _id: string }>(this.models.Webhook, W.enabledWebhooks)).map((w) => w._id);
    if (enabled.length === 0) return [];
    const candidates = await findAll<Pick<WebhookDeliveryDoc, '_id' | 'webhook' | 'question'>>(this.models.WebhookDelivery, W.dueCandidates(enabled, limit));
    const heads: string[] = [];
    const seen = new Set<string>();
    for (const candidate of candidates) {
      const chain = `${candidate.webhook}\n${candidate.question}`;
      if (seen.has(chain)) continue;
      seen.add(chain);
      const head = await findFirst<{ _id: string }>(this.models.WebhookDelivery, W.chainHead(candidate.webhook, candidate.question));
      if (head?._id === candidate._id) heads.push(candidate._id);
    }
    if (heads.length === 0) return [];
    const token = randomBytes(12).toString('hex');
    const lease = W.leaseDeliveries(heads, token, leaseS, this.offset);
    const { modifiedCount } = await this.models.WebhookDelivery.updateMany(lease.filter, lease.update!, lease.options).exec();
    if (modifiedCount === 0) return [];
    return (await findAll<WebhookDeliveryDoc>(this.models.WebhookDelivery, W.leasedBy(heads, token))).map(toDelivery);
  }

  async completeDelivery(id: string): Promise<void> {
    const doc = await this.models.WebhookDelivery.findOneAndDelete(Q.byId(id).filter).lean<WebhookDeliveryDoc>().exec();
    if (!doc) return;
    const healthy = W.markHealthy(doc.webhook);
    await this.models.Webhook.updateOne(healthy.filter, healthy.update!).exec();
  }

  async failDelivery(id: string, failure: WebhookFailure): Promise<{ disabled: boolean; gaveUp: boolean }> {
    const q = W.failDelivery(id, failure, this.offset);
    const delivery = await this.models.WebhookDelivery.findOneAndUpdate(q.filter, q.update!, q.options).lean<WebhookDeliveryDoc>().exec();
    if (!delivery) return { disabled: false, gaveUp: false };
    const before = await findFirst<WebhookDoc>(this.models.Webhook, Q.byId(delivery.webhook));
    const mark = W.markFailing(delivery.webhook, failure.error, failure.windowS, this.offset);
    await this.models.Webhook.updateOne(mark.filter, mark.update!, mark.options).exec();
    const after = await findFirst<WebhookDoc>(this.models.Webhook, Q.byId(delivery.webhook));
    return { disabled: before?.disabled_at === null && typeof after?.disabled_at === 'number', gaveUp: delivery.next_attempt_at === null };
  }

  async countDeliveries(): Promise<{ pending: number; dead: number }> {
    const [pending, dead] = await Promise.all([
      this.models.WebhookDelivery.countDocuments(W.countDeliveries.pending.filter).exec(),
      this.models.WebhookDelivery.countDocuments(W.countDeliveries.dead.filter).exec(),
    ]);
    return { pending, dead };
  }
}
