/**
 * The Prometheus metrics of one kefu node, kept only when METRICS_TOKEN is set (off, nothing is
 * created or counted). Each startServer makes its own Registry, so the many nodes a test process
 * starts never see each other's counts; GET /metrics (server/http/routes/metrics.ts) reads it.
 *
 * Label values are bounded by construction: route templates (never paths), method and status,
 * event, message type, sink, outcome and action names, store subjects and operations, and app
 * identifies (provisioned, few). A question, user or session id is never a label.
 *
 * Gauges of state that lives elsewhere (queue depth, outbox, sockets, Redis) are read when scraped,
 * so they are right on every node whichever node made the change.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ACTION, MESSAGE_TYPE, type MessageType, type NoticeAction } from '../../shared/limits.js';
import type { DomainEvents } from '../domain/events.js';
import type { Store } from '../stores/types.js';
import { processRegistry } from './processMetrics.js';

/** What the scrape-time gauges read; known only once the node's parts are up. */
export interface MetricSources {
  store: Store;
  /** Sockets connected to this node. */
  socketsConnected(): number;
  /** Whether both Redis connections are ready; absent without REDIS_URL (no gauge then). */
  redisConnected?: () => boolean;
}

/** Outcomes of one delivery attempt: sent, failed with a retry scheduled, failed for good. */
export type DeliveryOutcome = 'delivered' | 'retried' | 'failed';

/**
 * The label of every request no route matched: unknown paths, and requests refused before routing
 * (rate limits, unreadable bodies, CORS preflights).
 */
export const UNMATCHED_ROUTE = '(unmatched)';

const TYPE_NAMES = Object.fromEntries(Object.entries(MESSAGE_TYPE).map(([name, code]) => [code, name])) as Record<MessageType, string>;
const ACTION_NAMES = Object.fromEntries(Object.entries(ACTION).map(([name, code]) => [code, name])) as Record<NoticeAction, string>;

/** The notice action's name, as a label (`timedOut`, `finished`). */
export const actionName = (action: NoticeAction): string => ACTION_NAMES[action];

/** Seconds; from a fast store read to a slow media send. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A node's metrics on a registry of its own; startServer makes one only when METRICS_TOKEN is set. */
export function createMetrics() {
  const registry = new Registry();
  const registers = [registry];
  let sources: MetricSources | undefined;

  const httpRequestDuration = new Histogram({
    name: 'kefu_http_request_duration_seconds',
    help: 'HTTP requests by route template, method and status, from arrival to the last byte of the reply.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const socketEventsEmitted = new Counter({
    name: 'kefu_socket_events_emitted_total',
    help: 'Socket.IO events this node emitted (one per emit, however many sockets it reached), by event name.',
    labelNames: ['event'] as const,
    registers,
  });
  const messagesStored = new Counter({
    name: 'kefu_messages_stored_total',
    help: 'Messages stored by this node, by type (text, image, audio, notice, note); retried sends are counted once.',
    labelNames: ['type'] as const,
    registers,
  });
  const outboxDeliveries = new Counter({
    name: 'kefu_outbox_deliveries_total',
    help: 'Delivery attempts of this node by sink and outcome: delivered, retried (failed, will retry) or failed (given up).',
    labelNames: ['sink', 'outcome'] as const,
    registers,
  });
  const sweeperRuns = new Counter({
    name: 'kefu_sweeper_runs_total',
    help: 'Timeout sweeps this node ran.',
    registers,
  });
  const sweeperTransitions = new Counter({
    name: 'kefu_sweeper_transitions_total',
    help: 'Transitions the timeout sweeper of this node applied, by notice action (timedOut, finished).',
    labelNames: ['action'] as const,
    registers,
  });
  const storeOperationDuration = new Histogram({
    name: 'kefu_store_operation_duration_seconds',
    help: 'Store operations by subject (accounts, conversations, templates, media, outbox) and operation, failed ones included.',
    labelNames: ['subject', 'operation'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });

  const readFailures = new Counter({
    name: 'kefu_metrics_read_failures_total',
    help: 'Scrape-time reads that failed (the store did not answer); the gauge they feed is left out of that scrape.',
    labelNames: ['gauge'] as const,
    registers,
  });
  /** Sets a gauge from a read of the store; a failed read drops its series rather than failing the whole scrape. */
  async function readInto(name: string, gauge: Gauge<string>, read: (store: Store) => Promise<void>): Promise<void> {
    if (!sources) return;
    try {
      await read(sources.store);
    } catch {
      gauge.reset();
      readFailures.inc({ gauge: name });
    }
  }

  new Gauge({
    name: 'kefu_sockets_connected',
    help: 'Sockets connected to this node.',
    registers,
    collect() {
      if (sources) this.set(sources.socketsConnected());
    },
  });
  new Gauge({
    name: 'kefu_queue_depth',
    help: 'Pending questions per app (every node reports the same store).',
    labelNames: ['identify'] as const,
    registers,
    async collect() {
      await readInto('kefu_queue_depth', this, async (store) => {
        const depths = await store.conversations.queueDepths();
        // Reset first: a removed app leaves the output instead of keeping its last depth.
        this.reset();
        for (const [identify, depth] of depths) this.set({ identify }, depth);
      });
    },
  });
  new Gauge({
    name: 'kefu_outbox_events',
    help: 'Recorded domain events not yet relayed into deliveries.',
    registers,
    async collect() {
      await readInto('kefu_outbox_events', this, async (store) => this.set(await store.outbox.countEvents()));
    },
  });
  new Gauge({
    name: 'kefu_outbox_deliveries',
    help: 'Deliveries in the outbox: pending (waiting or retrying) and dead (given up, kept for inspection).',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      await readInto('kefu_outbox_deliveries', this, async (store) => {
        const { pending, dead } = await store.outbox.countDeliveries();
        this.set({ state: 'pending' }, pending);
        this.set({ state: 'dead' }, dead);
      });
    },
  });
  new Gauge({
    name: 'kefu_webhooks',
    help: 'Host-app webhooks by state: active, failing (no success since a failure) or disabled (failed for 24 h).',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      await readInto('kefu_webhooks', this, async (store) => {
        const counts = { active: 0, failing: 0, disabled: 0 };
        for (const w of await store.webhooks.listWebhooks()) counts[w.disabledAt !== null ? 'disabled' : w.failingSince !== null ? 'failing' : 'active'] += 1;
        for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
      });
    },
  });
  const redisConnected = new Gauge({
    name: 'kefu_redis_connected',
    help: 'Whether both connections of the Redis adapter are ready (1) or not (0); present only with REDIS_URL.',
    registers: [],
    collect() {
      if (sources?.redisConnected) this.set(sources.redisConnected() ? 1 : 0);
    },
  });

  return {
    httpRequestDuration,
    socketEventsEmitted,
    messagesStored,
    outboxDeliveries,
    sweeperRuns,
    sweeperTransitions,
    storeOperationDuration,
    contentType: registry.contentType,

    /** Points the scrape-time gauges at the node's parts, once they are up. */
    readFrom(parts: MetricSources): void {
      sources = parts;
      if (parts.redisConnected) registry.registerMetric(redisConnected);
    },

    /** Counts the messages this node stores (chat messages, notices and private notes) as their writes commit. */
    follow(events: DomainEvents): void {
      events.subscribe((event) => {
        if (event.type === 'message.created') messagesStored.inc({ type: TYPE_NAMES[event.message.type] });
        if (event.type === 'question.transitioned') messagesStored.inc({ type: TYPE_NAMES[event.notice.type] });
        if (event.type === 'note.created') messagesStored.inc({ type: 'note' });
      });
    },

    /** The exposition text: this node's metrics, then the process's (prom-client's default metrics). */
    scrape(): Promise<string> {
      return Registry.merge([registry, processRegistry()]).metrics();
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
