/**
 * Helpers for the webhook tests: creating a webhook over the admin API and checking a received
 * call's signature exactly as docs/api.md tells a receiver to.
 */
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { webhookCreatedReply } from '../../shared/schemas/responses.js';
import { assertOk } from '../support/envelope.js';
import { client } from '../support/http.js';
import { ADMIN_TOKEN } from '../support/server.js';

export const ADMIN = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };

export const ALL_EVENTS = ['question.created', 'question.updated', 'message.created', 'question.rated'];

/** Env of a node whose webhooks may call the local receiver; no question times out while clocks move. */
export const WEBHOOK_ENV = { WEBHOOK_ALLOW_PRIVATE: 'on', QUESTION_PENDING_TIMEOUT_S: '1000000000', QUESTION_IDLE_TIMEOUT_S: '1000000000' };

/** POST /v1/admin/webhooks on `baseUrl`; the id and the secret shown this once. */
export async function createWebhook(baseUrl: string, identify: string, url: string, events: string[] = ALL_EVENTS) {
  return assertOk(await client(baseUrl).post('/v1/admin/webhooks', { identify, url, events }, ADMIN), webhookCreatedReply);
}

/** Verifies X-Kefu-Signature over the raw body, as the docs' snippet does; returns its time. */
export function verifySignature(secret: string, headers: IncomingHttpHeaders, raw: string): number {
  const header = String(headers['x-kefu-signature'] ?? '');
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  assert.ok(match, `a signature header: ${header}`);
  const expected = createHmac('sha256', secret).update(`${match[1]}.${raw}`).digest();
  assert.ok(timingSafeEqual(expected, Buffer.from(match[2]!, 'hex')), 'the signature verifies');
  return Number(match[1]);
}
