/**
 * The background jobs of one node: the timeout sweeper always, push delivery when PUSH_WEBHOOK_URL
 * is set. Started after the node listens; stopped before its store closes.
 */
import type { Deps } from '../deps.js';
import type { Presence } from '../realtime/presence.js';
import { startPushDelivery } from './pushDelivery.js';
import { NOBODY_ONLINE, startPushNotifier } from './pushNotifications.js';
import { startTimeoutSweeper, type TimeoutSweeper } from './timeoutSweeper.js';

export interface JobsOptions {
  /** Base of media URLs in events the sweeper records: PUBLIC_URL or the node's own URL. */
  baseUrl: string;
  /** Who has a live socket; without real time nobody does, so every device gets its push. */
  presence?: Presence;
}

export interface Jobs {
  sweeper: TimeoutSweeper;
  /** Resolves once every push enqueue started so far is persisted (tests). */
  pushIdle(): Promise<void>;
  /** Stops sweeping, finishes enqueues and the delivery round in flight. */
  stop(): Promise<void>;
}

export function startJobs(deps: Deps, options: JobsOptions): Jobs {
  const sweeper = startTimeoutSweeper(deps, { baseUrl: options.baseUrl });
  const { pushWebhookUrl: url, pushWebhookSecret: secret } = deps.config;
  const delivery = url && secret ? startPushDelivery(deps, { url, secret }) : undefined;
  const notifier = delivery ? startPushNotifier(deps, options.presence ?? NOBODY_ONLINE, () => delivery.wake()) : undefined;
  return {
    sweeper,
    pushIdle: async () => notifier?.idle(),
    async stop() {
      // In this order: a last sweep may record events, whose pushes must be persisted before the
      // delivery loop and then the store go away.
      await sweeper.stop();
      await notifier?.stop();
      await delivery?.stop();
    },
  };
}
