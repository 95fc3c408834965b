/**
 * Delivers host-app webhooks: claims due deliveries under a lease (only the first pending one of
 * each question per webhook, so a question's calls arrive in order; two nodes never send one
 * entry), POSTs each with its signature, removes it on 2xx, and otherwise retries it with
 * exponential backoff and jitter. A webhook failing for FAILURE_WINDOW_S (24 h, no success in
 * between) is disabled: logged, shown by GET /v1/admin/webhooks, counted in the metrics.
 *
 * Retry schedule (attempt n failed → next attempt after): base·2^(n−1), at most BACKOFF_CAP_S,
 * times a random factor in [0.5, 1]: 30 s, 1 min, 2 min, … 4 h, then every 4 h until the window
 * ends; an entry queued longer than the window ago is given up (kept as dead) at its next failure.
 */
import type { Deps } from '../deps.js';
import { startPollingWorker } from '../pollingWorker.js';
import type { DeliveryOutcome, Metrics } from '../metrics/index.js';
import type { WebhookDelivery, WebhookRecord } from '../stores/types.js';
import { signWebhook, webhookSecret } from '../webhooks/secrets.js';
import { sendWebhook } from '../webhooks/send.js';

/** First retry delay, in seconds. */
export const BACKOFF_BASE_S = 30;
/** Longest wait between two attempts, in seconds. */
export const BACKOFF_CAP_S = 4 * 3600;
/** Failing this long without a success disables a webhook; an entry this old is given up. */
export const FAILURE_WINDOW_S = 24 * 3600;
/** Entries per claim: different questions, sent concurrently, so a round ends well within its lease. */
const BATCH = 20;
/** Lease of a claimed entry, by the store's clock: far longer than one request may take (10 s). */
const LEASE_S = 60;

export interface WebhookDeliveryOptions {
  /** The key secrets derive from (secrets.ts). */
  key: () => string;
  /** Counts each attempt's outcome under sink `webhook`, when metrics are on. */
  metrics?: Metrics;
  /** How often an idle loop looks for due entries (retries, other nodes' entries). @default 1000 */
  pollIntervalMs?: number;
  /** Tests only: the first retry delay in seconds. @default BACKOFF_BASE_S */
  backoffBaseS?: number;
}

export interface WebhookDeliveryJob {
  /** Looks for due entries now (after an enqueue) instead of at the next poll. */
  wake(): void;
  /** Stops the loop after the round in flight (its requests finish and are recorded). */
  stop(): Promise<void>;
}

/** Seconds until the attempt after `failures` failures (1 or more), with jitter so retries spread. */
export function webhookBackoffSeconds(failures: number, base = BACKOFF_BASE_S, random: () => number = Math.random): number {
  return Math.min(BACKOFF_CAP_S, base * 2 ** Math.max(0, failures - 1)) * (0.5 + random() * 0.5);
}

export function startWebhookDelivery(deps: Deps, options: WebhookDeliveryOptions): WebhookDeliveryJob {
  const log = deps.logger.child({ job: 'webhookDelivery' });
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const outcome = (name: DeliveryOutcome) => options.metrics?.outboxDeliveries.inc({ sink: 'webhook', outcome: name });
  let stopped = false;

  async function round(): Promise<number> {
    const entries = await deps.store.webhooks.claimDeliveries(LEASE_S, BATCH);
    const results = await Promise.allSettled(entries.map((entry) => deliver(entry)));
    for (const result of results) {
      if (result.status === 'rejected') log.error({ err: result.reason }, 'recording a webhook delivery failed');
    }
    return entries.length;
  }

  async function deliver(entry: WebhookDelivery): Promise<void> {
    const webhook = await deps.store.webhooks.getWebhook(entry.webhookId);
    // Removed meanwhile (its entries went with it): nothing to send.
    if (!webhook) return deps.store.webhooks.completeDelivery(entry.id);
    let failure: string;
    try {
      const answer = await sendWebhook(request(webhook, entry), { allowPrivate: deps.config.webhookAllowPrivate });
      if (answer.status >= 200 && answer.status < 300) {
        await deps.store.webhooks.completeDelivery(entry.id);
        outcome('delivered');
        return;
      }
      failure = `HTTP ${answer.status}`;
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    const attempts = entry.attempts + 1;
    const retryInS = webhookBackoffSeconds(attempts, options.backoffBaseS);
    const { disabled, gaveUp } = await deps.store.webhooks.failDelivery(entry.id, { attempts, retryInS, error: failure, windowS: FAILURE_WINDOW_S });
    // A retry due before the next poll is looked for when it is due.
    if (retryInS * 1000 < pollIntervalMs) setTimeout(() => worker.wake(), retryInS * 1000 + 5).unref();
    outcome(gaveUp ? 'failed' : 'retried');
    const context = { webhook: webhook.id, identify: webhook.identify, delivery: entry.id, attempts, failure };
    if (disabled) log.error(context, 'webhook disabled: it has failed for 24 h; create it again once the receiver works');
    else if (gaveUp) log.warn(context, 'webhook delivery given up after 24 h');
    else log.info(context, 'webhook delivery failed; will retry');
  }

  /** The signed request: the signature's time is now, so a receiver can refuse a replay. */
  function request(webhook: WebhookRecord, entry: WebhookDelivery) {
    const t = Math.floor(Date.now() / 1000);
    const secret = webhookSecret(options.key(), webhook.id, webhook.salt);
    return {
      url: webhook.url,
      body: entry.payload,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'kefu-webhooks',
        'x-kefu-delivery': entry.id,
        'x-kefu-event': entry.event,
        'x-kefu-signature': signWebhook(secret, t, entry.payload),
      },
    };
  }

  // Rounds until one claims nothing: each delivery done may make its question's next one due.
  const worker = startPollingWorker(
    async () => {
      while (!stopped && (await round()) > 0);
    },
    { intervalMs: pollIntervalMs, onError: (error) => log.error({ err: error }, 'webhook delivery round failed') },
  );
  worker.wake();

  return {
    wake: () => worker.wake(),
    async stop() {
      stopped = true;
      await worker.stop();
    },
  };
}
