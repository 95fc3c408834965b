/** Quick-answer templates and their items in MongoDB: single-document writes, id-ordered reads. */
import { isObjectId } from '../objectId.js';
import type { ItemRecord, KeyPage, Page, TemplateRecord, TemplateStore } from '../types.js';
import type { ItemDoc, Models, TemplateDoc } from './models.js';
import * as Q from './queries.js';
import { findAll, findFirst } from './reads.js';
import { toItem, toTemplate } from './records.js';

export class MongoTemplates implements TemplateStore {
  constructor(private readonly models: Models) {}

  async createTemplate(template: TemplateRecord): Promise<void> {
    await this.models.Template.create({
      _id: Q.oid(template.id),
      identify: template.identify,
      title: template.title,
      created_at: template.createdAt,
    });
  }

  async getTemplate(id: string): Promise<TemplateRecord | null> {
    if (!isObjectId(id)) return null;
    const doc = await findFirst<TemplateDoc>(this.models.Template, Q.byObjectId(id));
    return doc ? toTemplate(doc) : null;
  }

  async listTemplates(identifies: string[]): Promise<TemplateRecord[]> {
    return (await findAll<TemplateDoc>(this.models.Template, Q.listTemplates(identifies))).map(toTemplate);
  }

  async listAllTemplates(page: KeyPage): Promise<TemplateRecord[]> {
    return (await findAll<TemplateDoc>(this.models.Template, Q.keyPage(page, Q.oid))).map(toTemplate);
  }

  /** The template first, then its items: a crash in between leaves items nothing lists or reads. */
  async deleteTemplate(id: string): Promise<TemplateRecord | null> {
    if (!isObjectId(id)) return null;
    const doc = await this.models.Template.findOneAndDelete(Q.byObjectId(id).filter).lean<TemplateDoc>().exec();
    if (!doc) return null;
    await this.models.Item.deleteMany(Q.itemsOfTemplate(id).filter).exec();
    return toTemplate(doc);
  }

  async createItem(item: ItemRecord): Promise<void> {
    await this.models.Item.create({ _id: Q.oid(item.id), template: Q.oid(item.templateId), question: item.question, content: item.content });
  }

  async listItems(templateId: string, page: Page): Promise<ItemRecord[]> {
    if (!isObjectId(templateId)) return [];
    return (await findAll<ItemDoc>(this.models.Item, Q.listItems(templateId, page))).map(toItem);
  }
}
