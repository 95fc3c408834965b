/**
 * The embedded store: SQLite through better-sqlite3, one file under DATA_DIR, media files beside it.
 * Its parts are layered by subject (db → accounts → conversations → this file: templates, media
 * and the push outbox); the connection, pragmas and the cross-process guarantees are in db.ts.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { ItemRecord, MediaKind, MediaRecord, OutboxEntry, Page, Store, TemplateRecord } from '../types.js';
import { SqliteConversations } from './conversations.js';
import { pageClause } from './db.js';

export type { SqliteStoreOptions } from './db.js';

export class SqliteStore extends SqliteConversations implements Store {
  readonly kind = 'sqlite' as const;

  async createTemplate(template: TemplateRecord): Promise<void> {
    this.run('INSERT INTO templates (id, identify, title, created_at) VALUES (?, ?, ?, ?)', [
      template.id,
      template.identify,
      template.title,
      template.createdAt,
    ]);
  }

  async getTemplate(id: string): Promise<TemplateRecord | null> {
    const row = this.get<{ id: string; identify: string; title: string; created_at: number }>(
      'SELECT * FROM templates WHERE id = ?',
      [id],
    );
    return row ? { id: row.id, identify: row.identify, title: row.title, createdAt: row.created_at } : null;
  }

  async listTemplates(identifies: string[]): Promise<TemplateRecord[]> {
    return this.all<{ id: string; identify: string; title: string; created_at: number }>(
      'SELECT * FROM templates WHERE identify IN (SELECT value FROM json_each(?)) ORDER BY id',
      [JSON.stringify(identifies)],
    ).map((row) => ({ id: row.id, identify: row.identify, title: row.title, createdAt: row.created_at }));
  }

  async createItem(item: ItemRecord): Promise<void> {
    this.run('INSERT INTO items (id, template_id, question, content) VALUES (?, ?, ?, ?)', [
      item.id,
      item.templateId,
      item.question,
      item.content,
    ]);
  }

  async listItems(templateId: string, page: Page): Promise<ItemRecord[]> {
    const where = ['template_id = ?'];
    const params: unknown[] = [templateId];
    const { clause, limit } = pageClause('id', page, where, params);
    return this.all<{ id: string; template_id: string; question: string; content: string }>(
      `SELECT * FROM items ${clause}`,
      [...params, ...limit],
    ).map((row) => ({ id: row.id, templateId: row.template_id, question: row.question, content: row.content }));
  }

  // ---- media: bytes in files under DATA_DIR/media, the index in the database ----

  private mediaFile(kind: MediaKind, id: string, ext: string): string {
    return path.join(this.mediaDir, kind, `${id}.${ext}`);
  }

  async putMedia(media: MediaRecord): Promise<void> {
    const file = this.mediaFile(media.kind, media.id, media.ext);
    const temporary = `${file}.${process.pid}.tmp`;
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, media.bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
    this.run('INSERT INTO media (id, kind, content_type, ext) VALUES (?, ?, ?, ?)', [
      media.id,
      media.kind,
      media.contentType,
      media.ext,
    ]);
  }

  async getMedia(kind: MediaKind, id: string): Promise<MediaRecord | null> {
    const row = this.get<{ id: string; kind: MediaKind; content_type: string; ext: string }>(
      'SELECT * FROM media WHERE id = ? AND kind = ?',
      [id, kind],
    );
    if (!row) return null;
    const file = this.mediaFile(kind, id, row.ext);
    if (!existsSync(file)) return null;
    return { id: row.id, kind: row.kind, contentType: row.content_type, ext: row.ext, bytes: readFileSync(file) };
  }

  // ---- push outbox ----

  async enqueueOutbox(entry: { id: string; payload: string; now: number }): Promise<void> {
    this.run(
      `INSERT INTO outbox (id, payload, attempts, next_attempt_at, created_at) VALUES (?, ?, 0, ?, ?)
       ON CONFLICT (id) DO NOTHING`,
      [entry.id, entry.payload, entry.now, entry.now],
    );
  }

  async claimOutbox(now: number, leaseS: number, limit: number): Promise<OutboxEntry[]> {
    return this.write(() => {
      const rows = this.all<{ id: string; payload: string; attempts: number; next_attempt_at: number; created_at: number }>(
        `UPDATE outbox SET leased_until = ?
         WHERE id IN (SELECT id FROM outbox WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ?
                        AND (leased_until IS NULL OR leased_until <= ?) ORDER BY next_attempt_at LIMIT ?)
         RETURNING id, payload, attempts, next_attempt_at, created_at`,
        [now + leaseS, now, now, limit],
      );
      return rows.map((r) => ({
        id: r.id,
        payload: r.payload,
        attempts: r.attempts,
        nextAttemptAt: r.next_attempt_at,
        createdAt: r.created_at,
      }));
    });
  }

  async completeOutbox(id: string): Promise<void> {
    this.run('DELETE FROM outbox WHERE id = ?', [id]);
  }

  async retryOutbox(id: string, retry: { attempts: number; nextAttemptAt: number | null; error: string }): Promise<void> {
    this.run('UPDATE outbox SET attempts = ?, next_attempt_at = ?, leased_until = NULL, last_error = ? WHERE id = ?', [
      retry.attempts,
      retry.nextAttemptAt,
      retry.error.slice(0, 500),
      id,
    ]);
  }

  async countOutbox(): Promise<{ pending: number; dead: number }> {
    const row = this.get<{ pending: number; dead: number }>(
      `SELECT COALESCE(SUM(next_attempt_at IS NOT NULL), 0) AS pending, COALESCE(SUM(next_attempt_at IS NULL), 0) AS dead
       FROM outbox`,
    )!;
    return { pending: row.pending, dead: row.dead };
  }
}
