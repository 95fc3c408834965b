/**
 * Host-app webhooks (admin API and CLI): created with a secret shown once, listed without it,
 * removed with their pending deliveries. Whether a URL may be called is decided here, by DNS,
 * before anything is stored (server/webhooks/addresses.ts); the delivery job checks again at
 * every connection.
 */
import { ApiError } from '../../../shared/errors.js';
import type { AdminWebhookInput } from '../../../shared/schemas/requests.js';
import type { Deps } from '../../deps.js';
import { newObjectId } from '../../stores/objectId.js';
import type { WebhookRecord } from '../../stores/types.js';
import { refusedUrl } from '../../webhooks/addresses.js';
import { newSalt, webhookKey, webhookSecret } from '../../webhooks/secrets.js';

/** Creates a webhook; its secret is returned this once and never stored. */
export async function webhookCreator(deps: Deps, props: AdminWebhookInput): Promise<{ webhook_id: string; secret: string }> {
  const key = webhookKey(deps.config);
  if (!key) throw new ApiError('not_found', 'webhooks need WEBHOOK_KEY when the store is MongoDB');
  if (!(await deps.store.accounts.getApp(props.identify))) throw new ApiError('not_found', `no app ${props.identify}`, { field: 'identify' });
  const refused = await refusedUrl(props.url, deps.config.webhookAllowPrivate);
  if (refused) throw new ApiError('param_invalid', `url ${refused}`, { field: 'url' });
  const webhook: WebhookRecord = {
    id: newObjectId(),
    identify: props.identify,
    url: props.url,
    events: props.events,
    salt: newSalt(),
    createdAt: deps.now(),
    disabledAt: null,
    failingSince: null,
    lastError: null,
  };
  await deps.store.webhooks.createWebhook(webhook);
  return { webhook_id: webhook.id, secret: webhookSecret(key, webhook.id, webhook.salt) };
}

/** Every webhook, or one app's, oldest first. */
export async function webhookLister(deps: Deps, props: { identify?: string }): Promise<WebhookRecord[]> {
  return deps.store.webhooks.listWebhooks(props.identify);
}

/** Removes a webhook with its pending deliveries: nothing more is sent to it. */
export async function webhookRemover(deps: Deps, props: { webhook_id: string }): Promise<WebhookRecord> {
  const removed = await deps.store.webhooks.deleteWebhook(props.webhook_id);
  if (!removed) throw new ApiError('not_found', 'no such webhook', { field: 'webhook_id' });
  return removed;
}
