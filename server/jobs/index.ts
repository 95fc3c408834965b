/**
 * The background jobs of one node: the timeout sweeper, auto-assign, the outbox relay (recorded
 * events → deliveries), push delivery when PUSH_WEBHOOK_URL is set, and host-app webhook delivery
 * whenever there is a webhook key (secrets.ts). Started after the node listens; stopped before its
 * store closes.
 */
import type { Deps } from '../deps.js';
import type { Metrics } from '../metrics/index.js';
import type { Presence } from '../realtime/presence.js';
import { startAutoAssign, type AutoAssign } from './autoAssign.js';
import { startOutboxRelay, type OutboxRelay, type OutboxSink } from './outboxRelay.js';
import { startPushDelivery } from './pushDelivery.js';
import { NOBODY_ONLINE, pushSink } from './pushFanOut.js';
import { startTimeoutSweeper, type TimeoutSweeper } from './timeoutSweeper.js';
import { webhookKey, webhooksAvailable } from '../webhooks/secrets.js';
import { startWebhookDelivery } from './webhookDelivery.js';
import { webhookSink } from './webhookFanOut.js';

export interface JobsOptions {
  /** Who has a live socket; without real time nobody does, so every device gets its push. */
  presence?: Presence;
  /**
   * False: deliveries are queued but this node does not send them (tests that read the queued
   * deliveries themselves). @default true
   */
  deliver?: boolean;
  /** This node's metrics (METRICS_TOKEN set): sweeps, their transitions and delivery outcomes. */
  metrics?: Metrics;
  /** How often every auto app's queue is drained whatever the events (tests shorten it). @default AUTO_ASSIGN_SWEEP_MS */
  autoAssignSweepMs?: number;
  /** Tests only: the first webhook retry delay, in seconds (webhookDelivery.ts). */
  webhookBackoffBaseS?: number;
}

export interface Jobs {
  sweeper: TimeoutSweeper;
  relay: OutboxRelay;
  autoAssign: AutoAssign;
  /** Resolves once every event recorded so far has been fanned out into deliveries (tests). */
  pushIdle(): Promise<void>;
  /** Stops sweeping, then relaying, then the delivery round in flight. */
  stop(): Promise<void>;
}

export function startJobs(deps: Deps, options: JobsOptions = {}): Jobs {
  const sweeper = startTimeoutSweeper(deps, { metrics: options.metrics });
  const { pushWebhookUrl: url, pushWebhookSecret: secret } = deps.config;
  const pushes = Boolean(url && secret);
  const delivery = pushes && options.deliver !== false ? startPushDelivery(deps, { url: url!, secret: secret!, metrics: options.metrics }) : undefined;
  // Without a key (MongoDB without WEBHOOK_KEY) there are no webhooks: no sink, no delivery.
  // The embedded store's generated key is read (or made) only once a webhook call is signed.
  const keyed = webhooksAvailable(deps.config);
  if (!keyed) deps.logger.info('WEBHOOK_KEY is unset on MongoDB: host-app webhooks are unavailable');
  const key = () => webhookKey(deps.config)!;
  const webhooks =
    keyed && options.deliver !== false
      ? startWebhookDelivery(deps, { key, metrics: options.metrics, backoffBaseS: options.webhookBackoffBaseS })
      : undefined;
  // Without a sink the relay still completes events, so the outbox never grows without bound.
  const sinks: OutboxSink[] = pushes ? [pushSink(deps, options.presence ?? NOBODY_ONLINE)] : [];
  if (keyed) sinks.push(webhookSink(deps, { onEnqueued: () => webhooks?.wake() }));
  const relay = startOutboxRelay(deps, { sinks, onEnqueued: () => delivery?.wake() });
  const autoAssign = startAutoAssign(deps, { sweepMs: options.autoAssignSweepMs });
  return {
    sweeper,
    relay,
    autoAssign,
    pushIdle: () => relay.idle(),
    async stop() {
      // In this order: a last sweep may record events, which the relay fans out before the
      // delivery loop and then the store go away.
      await autoAssign.stop();
      await sweeper.stop();
      await relay.idle();
      await relay.stop();
      await delivery?.stop();
      await webhooks?.stop();
    },
  };
}
