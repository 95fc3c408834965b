/**
 * The webhook sink of the outbox relay: an outbox event → one delivery per enabled webhook of the
 * question's app that subscribed to its webhook event, queued in the webhooks store (its own
 * table, claimed in order per question by webhookDelivery.ts).
 *
 * Outbox event → webhook event:
 * - question.created → `question.created`, data `{question}`;
 * - question.transitioned → `question.updated`, data `{action, status, serv_id, previous, notice, question}`
 *   (status and serv_id as the transition left them; the question as it is when relayed);
 * - message.created → `message.created`, data `{message, question}`; never a private note (notes
 *   record no outbox event, and a type 5 message would be dropped here);
 * - question.rated (recorded by ratings) → `question.rated`, data `{rating, question}`.
 *
 * The body is `{id, event, created_at, identify, data}`; `id` is the delivery id, derived from the
 * event and the webhook, so relaying one event twice queues nothing new.
 */
import { createHash } from 'node:crypto';
import { NOTE_TYPE } from '../../shared/limits.js';
import type { Deps } from '../deps.js';
import { presentMessage, presentRating, presentSummary } from '../domain/presenters.js';
import type { NewWebhookDelivery, QuestionRecord, WebhookEventName } from '../stores/types.js';
import type { OutboxSink, RelayedEvent } from './outboxRelay.js';

export interface WebhookSinkOptions {
  /** Called after deliveries were queued, so delivery starts at once. */
  onEnqueued?: () => void;
}

/** The JSON body of every webhook call (docs/api.md, "Webhooks"). */
export interface WebhookPayload {
  /** The delivery id, also sent as X-Kefu-Delivery. */
  id: string;
  event: WebhookEventName;
  created_at: number;
  identify: string;
  data: Record<string, unknown>;
}

/** The webhook event of an outbox event, or null when it has none (a note, should one ever be recorded). */
export function webhookEventOf(relayed: RelayedEvent): WebhookEventName | null {
  const type: string = relayed.event.type;
  if (type === 'question.created') return 'question.created';
  if (type === 'question.transitioned') return 'question.updated';
  if (type === 'message.created') return relayed.message && (relayed.message.type as number) !== NOTE_TYPE ? 'message.created' : null;
  if (type === 'question.rated') return 'question.rated';
  return null;
}

/**
 * A delivery's place in its question's chain: the seq of the message or notice behind it; 0 for
 * question.created; for an event without a message (a rating), just after the question's last
 * message when relayed.
 */
export function positionOf(relayed: RelayedEvent): number {
  if (relayed.message) return relayed.message.seq;
  return relayed.event.type === 'question.created' ? 0 : relayed.question.lastSeq + 0.5;
}

export function webhookSink(deps: Deps, options: WebhookSinkOptions = {}): OutboxSink {
  const baseUrl = deps.config.publicUrl ?? '';
  return {
    name: 'webhooks',
    /** Queues its deliveries itself (they go to the webhooks store, not the push queue), so it returns none. */
    async fanOut(relayed) {
      const event = webhookEventOf(relayed);
      if (!event) return [];
      const webhooks = (await deps.store.webhooks.listWebhooks(relayed.question.identify)).filter((w) => w.disabledAt === null && w.events.includes(event));
      if (webhooks.length === 0) return [];
      const data = await dataOf(deps, relayed, event, baseUrl);
      const deliveries: NewWebhookDelivery[] = webhooks.map((webhook) => {
        const id = createHash('sha256').update(`${relayed.event.id}\n${event}\n${webhook.id}`).digest('hex').slice(0, 32);
        const payload: WebhookPayload = { id, event, created_at: relayed.event.createdAt, identify: relayed.question.identify, data };
        return { id, webhookId: webhook.id, questionId: relayed.question.id, position: positionOf(relayed), event, payload: JSON.stringify(payload) };
      });
      await deps.store.webhooks.enqueueDeliveries(deliveries);
      options.onEnqueued?.();
      return [];
    },
  };
}

/** The question as the REST API presents it to agents: its summary, plus its status and agent. */
async function presentQuestion(deps: Deps, question: QuestionRecord) {
  const user = await deps.store.accounts.getUser(question.userId);
  return { ...presentSummary(question, user ?? undefined), status: question.status, serv_id: question.servId };
}

async function dataOf(deps: Deps, relayed: RelayedEvent, event: WebhookEventName, baseUrl: string): Promise<Record<string, unknown>> {
  const { event: outboxEvent, question, message } = relayed;
  const presented = await presentQuestion(deps, question);
  switch (event) {
    case 'question.created':
      return { question: presented };
    case 'question.updated':
      return {
        action: message?.action ?? null,
        status: outboxEvent.to?.status ?? question.status,
        serv_id: outboxEvent.to ? outboxEvent.to.servId : question.servId,
        previous: outboxEvent.previous ? { status: outboxEvent.previous.status, serv_id: outboxEvent.previous.servId } : null,
        notice: message ? presentMessage(message, baseUrl) : null,
        question: presented,
      };
    case 'message.created':
      return { message: presentMessage(message!, baseUrl), question: presented };
    case 'question.rated': {
      // The event's id is its cycle's (CycleStore.rate records both in one write).
      const cycle = await deps.store.cycles.getCycle(outboxEvent.id);
      return { cycle: cycle?.n ?? null, rating: cycle?.rating ? presentRating(cycle.rating) : null, question: presented };
    }
  }
}
