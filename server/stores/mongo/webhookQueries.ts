/**
 * The queries of the webhooks object (webhooks.ts), pure builders like those of queries.ts (whose
 * scalar guards they use), so the query-shape tests assert them without a server. Times come from
 * the server's clock (`serverNow`), as the outbox's do.
 */
import mongoose from 'mongoose';
import type { NewWebhookDelivery, WebhookFailure } from '../types.js';
import { NOT_DEAD, enqueueOnce, n, s, serverNow, type QuerySpec } from './queries.js';

const { trusted } = mongoose;

export const webhooksOfApp = (identify?: string): QuerySpec => ({
  filter: identify === undefined ? {} : { identify: s(identify) },
  sort: { created_at: 1, _id: 1 },
});

/** Webhooks that may still be called. */
export const enabledWebhooks: QuerySpec = { filter: { disabled_at: null }, projection: { _id: 1 } };

/** Soonest due first among the pending deliveries of these webhooks (`webhook_deliveries_due`). */
export function dueCandidates(webhookIds: string[], limit: number): QuerySpec {
  return {
    filter: { next_attempt_at: trusted({ ...NOT_DEAD }), webhook: trusted({ $in: webhookIds.map(s) }) },
    projection: { _id: 1, webhook: 1, question: 1 },
    sort: { next_attempt_at: 1, _id: 1 },
    limit: n(limit),
  };
}

/** The first pending delivery of one (webhook, question) chain (`webhook_deliveries_chain`). */
export function chainHead(webhookId: string, questionId: string): QuerySpec {
  return {
    filter: { webhook: s(webhookId), question: s(questionId), next_attempt_at: trusted({ ...NOT_DEAD }) },
    projection: { _id: 1 },
    sort: { position: 1, _id: 1 },
  };
}

/** Leases those of `ids` that are due and free, stamped with this claim's token, atomically per document. */
export function leaseDeliveries(ids: string[], token: string, leaseS: number, offsetS: number): QuerySpec {
  const now = serverNow(offsetS);
  const free = { $and: [{ $lte: ['$next_attempt_at', now] }, { $lte: [{ $ifNull: ['$leased_until', 0] }, now] }] };
  const leaseEnd = { $add: [now, n(leaseS)] };
  const whenFree = (value: unknown, field: string) => ({ $cond: [free, value, `$${field}`] });
  return {
    filter: { _id: trusted({ $in: ids.map(s) }), next_attempt_at: trusted({ ...NOT_DEAD }) },
    update: [
      {
        $set: {
          next_attempt_at: whenFree(leaseEnd, 'next_attempt_at'),
          leased_until: whenFree(leaseEnd, 'leased_until'),
          lease: whenFree({ $literal: s(token) }, 'lease'),
        },
      },
    ],
    options: { updatePipeline: true },
  };
}

export const leasedBy = (ids: string[], token: string): QuerySpec => ({ filter: { _id: trusted({ $in: ids.map(s) }), lease: s(token) }, sort: { _id: 1 } });

/** Upserts that leave an existing entry exactly as it is (enqueueOnce, as the outbox's enqueue). */
export function enqueueDeliveries(entries: NewWebhookDelivery[], offsetS: number) {
  const now = serverNow(offsetS);
  return entries.map((entry) =>
    enqueueOnce(
      entry.id,
      {
        webhook: { $literal: s(entry.webhookId) },
        question: { $literal: s(entry.questionId) },
        position: n(entry.position),
        event: { $literal: s(entry.event) },
        payload: { $literal: s(entry.payload) },
      },
      now,
    ),
  );
}

/** A failed attempt: released, due again in `retryInS`, or given up once queued longer than the window. */
export function failDelivery(id: string, failure: WebhookFailure, offsetS: number): QuerySpec {
  const now = serverNow(offsetS);
  return {
    filter: { _id: s(id) },
    update: [
      {
        $set: {
          attempts: n(failure.attempts),
          leased_until: null,
          lease: null,
          last_error: { $literal: s(failure.error).slice(0, 500) },
          next_attempt_at: { $cond: [{ $lte: ['$created_at', { $subtract: [now, n(failure.windowS)] }] }, null, { $add: [now, n(failure.retryInS)] }] },
        },
      },
    ],
    options: { returnDocument: 'after', updatePipeline: true, projection: { webhook: 1, next_attempt_at: 1 } },
  };
}

/** Marks the webhook failing (since its first failure) and disables it once that is a window ago. */
export function markFailing(webhookId: string, error: string, windowS: number, offsetS: number): QuerySpec {
  const now = serverNow(offsetS);
  const since = { $ifNull: ['$failing_since', now] };
  return {
    filter: { _id: s(webhookId) },
    update: [
      {
        $set: {
          failing_since: since,
          last_error: { $literal: s(error).slice(0, 500) },
          disabled_at: { $cond: [{ $and: [{ $eq: ['$disabled_at', null] }, { $lte: [since, { $subtract: [now, n(windowS)] }] }] }, now, '$disabled_at'] },
        },
      },
    ],
    options: { updatePipeline: true },
  };
}

export const markHealthy = (webhookId: string): QuerySpec => ({ filter: { _id: s(webhookId) }, update: { $set: { failing_since: null } } });

export const deliveriesOfWebhook = (webhookId: string): QuerySpec => ({ filter: { webhook: s(webhookId) } });

export const countDeliveries = {
  pending: { filter: { next_attempt_at: trusted({ ...NOT_DEAD }) } } as QuerySpec,
  dead: { filter: { next_attempt_at: null } } as QuerySpec,
};
