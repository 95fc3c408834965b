/** Quick-answer templates and their items in the embedded store. */
import type { ItemRecord, KeyPage, Page, TemplateRecord, TemplateStore } from '../types.js';
import { IN_LIST, keyPage, pageClause, type SqliteDb } from './db.js';

interface TemplateRow {
  id: string;
  identify: string;
  title: string;
  created_at: number;
}

const toTemplate = (row: TemplateRow): TemplateRecord => ({ id: row.id, identify: row.identify, title: row.title, createdAt: row.created_at });

export class SqliteTemplates implements TemplateStore {
  constructor(private readonly db: SqliteDb) {}

  async createTemplate(template: TemplateRecord): Promise<void> {
    await this.db.write(() =>
      this.db.run('INSERT INTO templates (id, identify, title, created_at) VALUES (?, ?, ?, ?)', [
        template.id,
        template.identify,
        template.title,
        template.createdAt,
      ]),
    );
  }

  async getTemplate(id: string): Promise<TemplateRecord | null> {
    const row = this.db.get<TemplateRow>('SELECT * FROM templates WHERE id = ?', [id]);
    return row ? toTemplate(row) : null;
  }

  async listTemplates(identifies: string[]): Promise<TemplateRecord[]> {
    return this.db.all<TemplateRow>(`SELECT * FROM templates WHERE identify ${IN_LIST} ORDER BY id`, [JSON.stringify(identifies)]).map(toTemplate);
  }

  async listAllTemplates(page: KeyPage): Promise<TemplateRecord[]> {
    return keyPage<TemplateRow>(this.db, 'templates', 'id', page).map(toTemplate);
  }

  async deleteTemplate(id: string): Promise<TemplateRecord | null> {
    return this.db.write(() => {
      const row = this.db.get<TemplateRow>('DELETE FROM templates WHERE id = ? RETURNING *', [id]);
      if (!row) return null;
      this.db.run('DELETE FROM items WHERE template_id = ?', [id]);
      return toTemplate(row);
    });
  }

  async createItem(item: ItemRecord): Promise<void> {
    await this.db.write(() =>
      this.db.run('INSERT INTO items (id, template_id, question, content) VALUES (?, ?, ?, ?)', [
        item.id,
        item.templateId,
        item.question,
        item.content,
      ]),
    );
  }

  async listItems(templateId: string, page: Page): Promise<ItemRecord[]> {
    const where = ['template_id = ?'];
    const params: unknown[] = [templateId];
    const { clause, limit } = pageClause('id', page, where, params);
    return this.db
      .all<{ id: string; template_id: string; question: string; content: string }>(`SELECT * FROM items ${clause}`, [...params, ...limit])
      .map((row) => ({ id: row.id, templateId: row.template_id, question: row.question, content: row.content }));
  }

  /** Removes an app's templates and their items; runs inside the caller's write (deleteApp). */
  removeAppTemplates(identify: string): void {
    this.db.run('DELETE FROM items WHERE template_id IN (SELECT id FROM templates WHERE identify = ?)', [identify]);
    this.db.run('DELETE FROM templates WHERE identify = ?', [identify]);
  }
}
