/**
 * Webhook signing secrets, never stored. A webhook keeps only a random salt; its secret is
 * HMAC-SHA256(key, "<webhook_id>:<salt>"), where the key is WEBHOOK_KEY, or on the embedded store,
 * when that is unset, 32 random bytes generated once into DATA_DIR/webhook.key (mode 0600). A copy
 * of the database alone therefore cannot sign as kefu, and every node derives the same secret.
 *
 * MongoDB without WEBHOOK_KEY has no key: nodes share no directory, and a key kept in the database
 * would sit beside the salts it turns into secrets. Webhooks are then unavailable (creation answers
 * 404 `not_found`, nothing is delivered) until WEBHOOK_KEY is set.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';

/** The file the embedded store's generated key lives in, under DATA_DIR. */
export const KEY_FILE = 'webhook.key';

const generated = new Map<string, string>();

/** Whether this configuration has a key for webhooks (all but MongoDB without WEBHOOK_KEY). */
export function webhooksAvailable(config: Pick<Config, 'webhookKey' | 'mongodbUri'>): boolean {
  return Boolean(config.webhookKey || !config.mongodbUri);
}

/** The key secrets derive from, or null when webhooks are unavailable (MongoDB without WEBHOOK_KEY). */
export function webhookKey(config: Pick<Config, 'webhookKey' | 'mongodbUri' | 'dataDir'>): string | null {
  if (config.webhookKey) return config.webhookKey;
  if (config.mongodbUri) return null;
  const file = path.join(config.dataDir, KEY_FILE);
  let key = generated.get(file);
  if (key === undefined) {
    key = readOrCreate(file);
    generated.set(file, key);
  }
  return key;
}

/** Created exclusively ('wx'), so two processes opening one DATA_DIR at once keep the same key. */
function readOrCreate(file: string): string {
  try {
    writeFileSync(file, randomBytes(32).toString('hex') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const key = readFileSync(file, 'utf8').trim();
  if (key.length < 32) throw new Error(`${file} holds no webhook key`);
  return key;
}

/** A random salt for a new webhook. */
export const newSalt = (): string => randomBytes(16).toString('hex');

/** The webhook's signing secret: `whsec_` and 64 hex characters. */
export function webhookSecret(key: string, webhookId: string, salt: string): string {
  return 'whsec_' + createHmac('sha256', key).update(`${webhookId}:${salt}`).digest('hex');
}

/**
 * The X-Kefu-Signature of a body sent at `t` (unix seconds): `t=<t>,v1=<hex HMAC-SHA256 of "t.body">`.
 * Signing the time with the body lets a receiver refuse a replayed request.
 */
export function signWebhook(secret: string, t: number, body: string): string {
  return `t=${t},v1=` + createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
}
