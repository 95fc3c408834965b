/**
 * Webhooks and their deliveries in the embedded store. Due times, leases and failure windows are
 * read from SQLite's clock inside the statement that uses them (as the outbox does), so every
 * process on one DATA_DIR agrees on them.
 */
import type {
  ClockOffset,
  NewWebhookDelivery,
  WebhookDelivery,
  WebhookEventName,
  WebhookFailure,
  WebhookRecord,
  WebhookStore,
} from '../types.js';
import type { SqliteDb } from './db.js';

/** The database's time in float seconds, plus the tests' offset (bound as `@offset`). */
const NOW = "(unixepoch('subsec') + @offset)";

interface WebhookRow {
  id: string;
  identify: string;
  url: string;
  events: string;
  salt: string;
  created_at: number;
  disabled_at: number | null;
  failing_since: number | null;
  last_error: string | null;
}

interface DeliveryRow {
  id: string;
  webhook_id: string;
  question_id: string;
  position: number;
  event: string;
  payload: string;
  attempts: number;
  next_attempt_at: number;
  created_at: number;
}

const toWebhook = (row: WebhookRow): WebhookRecord => ({
  id: row.id,
  identify: row.identify,
  url: row.url,
  events: JSON.parse(row.events) as WebhookEventName[],
  salt: row.salt,
  createdAt: row.created_at,
  disabledAt: row.disabled_at,
  failingSince: row.failing_since,
  lastError: row.last_error,
});

const toDelivery = (row: DeliveryRow): WebhookDelivery => ({
  id: row.id,
  webhookId: row.webhook_id,
  questionId: row.question_id,
  position: row.position,
  event: row.event as WebhookEventName,
  payload: row.payload,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  createdAt: row.created_at,
});

const DELIVERY_COLUMNS = 'id, webhook_id, question_id, position, event, payload, attempts, next_attempt_at, created_at';

export class SqliteWebhooks implements WebhookStore {
  constructor(
    private readonly db: SqliteDb,
    /** Tests only (ClockOffset): shifts the clock the statements read. */
    private readonly clockOffset: ClockOffset = { seconds: 0 },
  ) {}

  private get offset(): number {
    return this.clockOffset.seconds;
  }

  async createWebhook(webhook: WebhookRecord): Promise<void> {
    await this.db.write(() =>
      this.db.run(
        `INSERT INTO webhooks (id, identify, url, events, salt, created_at, disabled_at, failing_since, last_error)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [webhook.id, webhook.identify, webhook.url, JSON.stringify(webhook.events), webhook.salt, webhook.createdAt, webhook.disabledAt, webhook.failingSince, webhook.lastError],
      ),
    );
  }

  async getWebhook(id: string): Promise<WebhookRecord | null> {
    const row = this.db.get<WebhookRow>('SELECT * FROM webhooks WHERE id = ?', [id]);
    return row ? toWebhook(row) : null;
  }

  async listWebhooks(identify?: string): Promise<WebhookRecord[]> {
    const rows =
      identify === undefined
        ? this.db.all<WebhookRow>('SELECT * FROM webhooks ORDER BY created_at, id')
        : this.db.all<WebhookRow>('SELECT * FROM webhooks WHERE identify = ? ORDER BY created_at, id', [identify]);
    return rows.map(toWebhook);
  }

  async deleteWebhook(id: string): Promise<WebhookRecord | null> {
    return this.db.write(() => {
      const row = this.db.get<WebhookRow>('DELETE FROM webhooks WHERE id = ? RETURNING *', [id]);
      if (!row) return null;
      this.db.run('DELETE FROM webhook_deliveries WHERE webhook_id = ?', [id]);
      return toWebhook(row);
    });
  }

  async enqueueDeliveries(entries: NewWebhookDelivery[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db.write(() => {
      for (const entry of entries) {
        this.db.run(
          `INSERT INTO webhook_deliveries (id, webhook_id, question_id, position, event, payload, attempts, next_attempt_at, created_at)
           VALUES (@id, @webhookId, @questionId, @position, @event, @payload, 0, ${NOW}, ${NOW}) ON CONFLICT (id) DO NOTHING`,
          { ...entry, offset: this.offset },
        );
      }
    });
  }

  /**
   * The head of each chain: no pending delivery of the same webhook and question sits before it
   * (a leased one still exists, so it holds its followers back until it is done). One statement,
   * so two nodes never lease one entry, nor two entries of one chain.
   */
  async claimDeliveries(leaseS: number, limit: number): Promise<WebhookDelivery[]> {
    const rows = await this.db.write(() =>
      this.db.all<DeliveryRow>(
        `UPDATE webhook_deliveries SET leased_until = ${NOW} + @lease, next_attempt_at = ${NOW} + @lease
         WHERE id IN (
           SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id AND w.disabled_at IS NULL
           WHERE d.next_attempt_at IS NOT NULL AND d.next_attempt_at <= ${NOW}
             AND (d.leased_until IS NULL OR d.leased_until <= ${NOW})
             AND NOT EXISTS (
               SELECT 1 FROM webhook_deliveries e
               WHERE e.webhook_id = d.webhook_id AND e.question_id = d.question_id AND e.next_attempt_at IS NOT NULL
                 AND (e.position < d.position OR (e.position = d.position AND e.id < d.id)))
           ORDER BY d.next_attempt_at LIMIT @limit)
         RETURNING ${DELIVERY_COLUMNS}`,
        { offset: this.offset, lease: leaseS, limit },
      ),
    );
    return rows.map(toDelivery).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async completeDelivery(id: string): Promise<void> {
    await this.db.write(() => {
      const row = this.db.get<{ webhook_id: string }>('DELETE FROM webhook_deliveries WHERE id = ? RETURNING webhook_id', [id]);
      if (row) this.db.run('UPDATE webhooks SET failing_since = NULL WHERE id = ?', [row.webhook_id]);
    });
  }

  async failDelivery(id: string, failure: WebhookFailure): Promise<{ disabled: boolean; gaveUp: boolean }> {
    const error = failure.error.slice(0, 500);
    return this.db.write(() => {
      const delivery = this.db.get<{ webhook_id: string; given_up: number }>(
        `UPDATE webhook_deliveries
           SET attempts = @attempts, leased_until = NULL, last_error = @error,
               next_attempt_at = CASE WHEN created_at <= ${NOW} - @window THEN NULL ELSE ${NOW} + @retryIn END
         WHERE id = @id RETURNING webhook_id, next_attempt_at IS NULL AS given_up`,
        { id, offset: this.offset, window: failure.windowS, error, attempts: failure.attempts, retryIn: failure.retryInS },
      );
      if (!delivery) return { disabled: false, gaveUp: false };
      const disabledAt = () => this.db.get<{ at: number | null }>('SELECT disabled_at AS at FROM webhooks WHERE id = ?', [delivery.webhook_id])?.at ?? null;
      const before = disabledAt();
      this.db.run(
        `UPDATE webhooks
           SET failing_since = COALESCE(failing_since, ${NOW}), last_error = @error,
               disabled_at = CASE WHEN disabled_at IS NULL AND COALESCE(failing_since, ${NOW}) <= ${NOW} - @window THEN ${NOW} ELSE disabled_at END
         WHERE id = @webhookId`,
        { webhookId: delivery.webhook_id, offset: this.offset, window: failure.windowS, error },
      );
      return { disabled: before === null && disabledAt() !== null, gaveUp: delivery.given_up === 1 };
    });
  }

  async countDeliveries(): Promise<{ pending: number; dead: number }> {
    const row = this.db.get<{ pending: number; dead: number }>(
      `SELECT COALESCE(SUM(next_attempt_at IS NOT NULL), 0) AS pending, COALESCE(SUM(next_attempt_at IS NULL), 0) AS dead
       FROM webhook_deliveries`,
    )!;
    return { pending: row.pending, dead: row.dead };
  }
}
