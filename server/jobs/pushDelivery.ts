/**
 * Delivers the push outbox to PUSH_WEBHOOK_URL: claim due entries under a lease (so two nodes never
 * send one entry at once), POST each signed body, then remove it on 2xx or schedule a retry with
 * exponential backoff; after MAX_ATTEMPTS failures the entry is kept as dead.
 *
 * Nothing is lost on a crash: entries are persisted before delivery, and the lease of an entry
 * claimed by a node that died expires, so another node (or this one, restarted) takes it.
 */
import { createHmac } from 'node:crypto';
import type { Deps } from '../deps.js';
import type { DeliveryOutcome, Metrics } from '../metrics/index.js';
import type { OutboxEntry } from '../stores/types.js';

export interface PushDeliveryOptions {
  url: string;
  secret: string;
  /** How often an idle loop looks for due entries (retries, other nodes' entries). @default 1000 */
  pollIntervalMs?: number;
  /** Per-request timeout. @default 5000 */
  timeoutMs?: number;
  /** Counts each attempt's outcome under sink `push`, when metrics are on. */
  metrics?: Metrics;
}

/** Failed attempts before an entry is given up (kept as dead): about 17 minutes of retries. */
export const MAX_ATTEMPTS = 10;
/** Longest wait between two attempts, in seconds. */
export const BACKOFF_CAP_S = 3600;
/** Entries claimed per round; delivered concurrently so the batch ends well within its lease. */
const BATCH = 20;
/** Lease of a claimed entry, by the store's clock: far longer than one request may take. */
const LEASE_S = 60;

export interface PushDelivery {
  /** Looks for due entries now (after an enqueue) instead of at the next poll. */
  wake(): void;
  /** Stops the loop after the round in flight (its requests finish and are recorded). */
  stop(): Promise<void>;
}

/** `sha256=<hex>`: the X-Kefu-Signature of a body, HMAC-SHA256 under the webhook secret. */
export function signature(secret: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

/** Seconds until attempt `attempts + 1`: 2^attempts, capped, with ±25% jitter so retries spread. */
export function backoffSeconds(attempts: number, random: () => number = Math.random): number {
  return Math.min(BACKOFF_CAP_S, 2 ** attempts) * (0.75 + random() * 0.5);
}

export function startPushDelivery(deps: Deps, options: PushDeliveryOptions): PushDelivery {
  const log = deps.logger.child({ job: 'pushDelivery' });
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 5000;
  const outcome = (name: DeliveryOutcome) => options.metrics?.outboxDeliveries.inc({ sink: 'push', outcome: name });
  let stopped = false;
  let woken = false;
  let wakeUp: (() => void) | undefined;

  const nap = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, pollIntervalMs);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });

  async function round(): Promise<number> {
    const entries = await deps.store.outbox.claimDeliveries(LEASE_S, BATCH);
    // allSettled: every request is finished and recorded before the round ends, even if one failed.
    const results = await Promise.allSettled(entries.map((entry) => deliver(entry)));
    for (const result of results) {
      if (result.status === 'rejected') log.error({ err: result.reason }, 'recording a push delivery failed');
    }
    return entries.length;
  }

  async function deliver(entry: OutboxEntry): Promise<void> {
    let failure: string;
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'kefu-push',
          'x-kefu-delivery': entry.id,
          'x-kefu-signature': signature(options.secret, entry.payload),
        },
        body: entry.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel().catch(() => {});
      if (response.status >= 200 && response.status < 300) {
        await deps.store.outbox.completeDelivery(entry.id);
        outcome('delivered');
        return;
      }
      failure = `HTTP ${response.status}`;
    } catch (error) {
      failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    const attempts = entry.attempts + 1;
    const dead = attempts >= MAX_ATTEMPTS;
    await deps.store.outbox.retryDelivery(entry.id, {
      attempts,
      retryInS: dead ? null : backoffSeconds(attempts),
      error: failure,
    });
    outcome(dead ? 'failed' : 'retried');
    if (dead) log.warn({ delivery: entry.id, attempts, failure }, 'push delivery given up');
    else log.info({ delivery: entry.id, attempts, failure }, 'push delivery failed; will retry');
  }

  const loop = (async () => {
    while (!stopped) {
      woken = false;
      let claimed = 0;
      try {
        claimed = await round();
      } catch (error) {
        log.error({ err: error }, 'push delivery round failed');
      }
      // A full batch may have more behind it; otherwise wait for the poll or an enqueue.
      if (!stopped && claimed < BATCH && !woken) await nap();
    }
  })();

  return {
    wake() {
      woken = true;
      wakeUp?.();
    },
    async stop() {
      stopped = true;
      wakeUp?.();
      await loop;
    },
  };
}
