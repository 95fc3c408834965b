/**
 * The outbox of the embedded store: domain events recorded in the transaction of their cause, the
 * deliveries they fan out to, and the provisioning change feed. The other subjects write events
 * and changes through recordEvent / recordChange, inside their own write, never with SQL of their own.
 *
 * Leases and due times are read from SQLite's clock inside the statement that uses them (NOW), never
 * from the caller: every process on one DATA_DIR shares the machine's clock, read in this one place.
 */
import type { ChangeKind, ChangeRecord, ClockOffset, OutboxEntry, OutboxEvent, OutboxStore, Seconds } from '../types.js';
import type { SqliteDb } from './db.js';
import { toChange, toDelivery, toEvent, type ChangeRow, type DeliveryRow, type EventRow } from './rows.js';

/**
 * The database's time in float seconds, plus the tests' offset (bound as `@offset`). SQLite reads
 * the clock once per statement step, so every use in one statement sees the same instant.
 */
const NOW = "(unixepoch('subsec') + @offset)";

export class SqliteOutbox implements OutboxStore {
  constructor(
    private readonly db: SqliteDb,
    /** Tests only (ClockOffset): shifts the clock the statements read. */
    private readonly clockOffset: ClockOffset = { seconds: 0 },
  ) {}

  private get offset(): number {
    return this.clockOffset.seconds;
  }

  /** Records a domain event; must run inside the write of its cause. A repeated id is left as it is. */
  recordEvent(event: Omit<OutboxEvent, 'attempts'>): void {
    this.requireTransaction('recordEvent');
    this.db.run(
      `INSERT INTO outbox_events (id, type, question_id, message_id, previous_status, previous_serv_id, to_status, to_serv_id,
         created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      [
        event.id,
        event.type,
        event.questionId,
        event.messageId,
        event.previous?.status ?? null,
        event.previous?.servId ?? null,
        event.to?.status ?? null,
        event.to?.servId ?? null,
        event.createdAt,
      ],
    );
  }

  /** Appends to the change feed; must run inside the write of the change. */
  recordChange(kind: ChangeKind, key: string, at: Seconds): void {
    this.requireTransaction('recordChange');
    this.db.run('INSERT INTO changes (kind, key, at) VALUES (?, ?, ?)', [kind, key, at]);
  }

  private requireTransaction(name: string): void {
    // Outside a transaction the cause could commit without its event: a bug, not a state to handle.
    if (!this.db.inTransaction) throw new Error(`${name} must run inside the write of its cause`);
  }

  async claimEvents(leaseS: number, limit: number): Promise<OutboxEvent[]> {
    const rows = await this.db.write(() =>
      this.db.all<EventRow>(
        `UPDATE outbox_events SET leased_until = ${NOW} + @lease, attempts = attempts + 1
         WHERE id IN (SELECT id FROM outbox_events WHERE leased_until IS NULL OR leased_until <= ${NOW}
                      ORDER BY created_at, id LIMIT @limit)
         RETURNING id, type, question_id, message_id, previous_status, previous_serv_id, to_status, to_serv_id, created_at, attempts`,
        { offset: this.offset, lease: leaseS, limit },
      ),
    );
    // RETURNING follows no order: oldest first is restored here.
    return rows.map(toEvent).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async completeEvent(id: string): Promise<void> {
    await this.db.write(() => this.db.run('DELETE FROM outbox_events WHERE id = ?', [id]));
  }

  async countEvents(): Promise<number> {
    return this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM outbox_events')!.n;
  }

  async enqueueDeliveries(entries: Array<{ id: string; payload: string }>): Promise<void> {
    if (entries.length === 0) return;
    await this.db.write(() => {
      for (const entry of entries) {
        this.db.run(
          `INSERT INTO deliveries (id, payload, attempts, next_attempt_at, created_at) VALUES (@id, @payload, 0, ${NOW}, ${NOW})
           ON CONFLICT (id) DO NOTHING`,
          { id: entry.id, payload: entry.payload, offset: this.offset },
        );
      }
    });
  }

  /**
   * The lease also moves next_attempt_at to its end (as on MongoDB, where the claim's index order
   * depends on it): the entry's next attempt, should this claimer die.
   */
  async claimDeliveries(leaseS: number, limit: number): Promise<OutboxEntry[]> {
    const rows = await this.db.write(() =>
      this.db.all<DeliveryRow>(
        `UPDATE deliveries SET leased_until = ${NOW} + @lease, next_attempt_at = ${NOW} + @lease
         WHERE id IN (SELECT id FROM deliveries WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ${NOW}
                        AND (leased_until IS NULL OR leased_until <= ${NOW}) ORDER BY next_attempt_at LIMIT @limit)
         RETURNING id, payload, attempts, next_attempt_at, created_at`,
        { offset: this.offset, lease: leaseS, limit },
      ),
    );
    // RETURNING follows no order, and every row now carries the same lease end: restore the id order.
    return rows.map(toDelivery).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async completeDelivery(id: string): Promise<void> {
    await this.db.write(() => this.db.run('DELETE FROM deliveries WHERE id = ?', [id]));
  }

  async retryDelivery(id: string, retry: { attempts: number; retryInS: number | null; error: string }): Promise<void> {
    await this.db.write(() =>
      this.db.run(
        `UPDATE deliveries SET attempts = @attempts, next_attempt_at = ${NOW} + @retryIn, leased_until = NULL, last_error = @error WHERE id = @id`,
        // A null delay makes next_attempt_at null: given up.
        { attempts: retry.attempts, retryIn: retry.retryInS, error: retry.error.slice(0, 500), id, offset: this.offset },
      ),
    );
  }

  async countDeliveries(): Promise<{ pending: number; dead: number }> {
    const row = this.db.get<{ pending: number; dead: number }>(
      `SELECT COALESCE(SUM(next_attempt_at IS NOT NULL), 0) AS pending, COALESCE(SUM(next_attempt_at IS NULL), 0) AS dead
       FROM deliveries`,
    )!;
    return { pending: row.pending, dead: row.dead };
  }

  async lastChangeSeq(): Promise<number> {
    // sqlite_sequence remembers the newest seq even after pruning (AUTOINCREMENT never reuses one).
    return this.db.get<{ seq: number }>(`SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0) AS seq`)!.seq;
  }

  async listChanges(afterSeq: number, limit: number): Promise<ChangeRecord[]> {
    return this.db.all<ChangeRow>('SELECT seq, kind, key, at FROM changes WHERE seq > ? ORDER BY seq LIMIT ?', [afterSeq, limit]).map(toChange);
  }

  async pruneChanges(before: Seconds): Promise<void> {
    await this.db.write(() => this.db.run('DELETE FROM changes WHERE at < ?', [before]));
  }
}
