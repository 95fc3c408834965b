/**
 * The MongoDB store (production): the same domain operations and guarantees as the SQLite store.
 * Races resolve in MongoDB: every state change is one conditional findOneAndUpdate with the status
 * in its filter, seq comes from the same atomic write on the question, and unique indexes on
 * (question, seq) and (session, client_msg_id) back ordering and idempotency. How a write and its
 * message land together (transaction, or retry-safe order) is explained in writes.ts.
 *
 * Queries are built by the pure functions of queries.ts; this class only executes them.
 */
import type { Connection } from 'mongoose';
import { MESSAGE_TYPE } from '../../../shared/limits.js';
import { isObjectId, newObjectId } from '../objectId.js';
import type {
  AppendResult,
  ItemRecord,
  MediaKind,
  MediaRecord,
  MessageRecord,
  NewMessage,
  NewQuestion,
  OutboxEntry,
  Page,
  QuestionFilter,
  QuestionRecord,
  SendGuard,
  Store,
  TemplateRecord,
  TimeoutScan,
  TransitionResult,
  TransitionWrite,
} from '../types.js';
import { MongoAccounts } from './accounts.js';
import { ensureIndexes, openConnection, supportsTransactions } from './connection.js';
import { MongoMedia } from './gridfs.js';
import type { ItemDoc, MessageDoc, Models, QuestionDoc, TemplateDoc } from './models.js';
import { MongoOutbox } from './outbox.js';
import * as Q from './queries.js';
import { isDuplicateKey, toMessage, toQuestion, toTemplate } from './records.js';
import { settleQuestion, writeWithMessage, type WriteContext } from './writes.js';

export interface MongoConnectOptions {
  /** Force the write mode; by default transactions are used whenever the deployment has them. */
  transactions?: boolean;
  /** The database to use instead of the one named in the URI (tests use one per run). */
  dbName?: string;
}

export class MongoStore extends MongoAccounts implements Store {
  readonly kind = 'mongo' as const;
  private readonly ctx: WriteContext;
  private readonly media: MongoMedia;
  private readonly outbox: MongoOutbox;

  private constructor(
    connection: Connection,
    models: Models,
    /** Whether notices and messages are written in a transaction (see writes.ts). */
    readonly transactions: boolean,
  ) {
    super(connection, models);
    this.ctx = { connection, models, transactions };
    this.media = new MongoMedia(connection, models);
    this.outbox = new MongoOutbox(models);
  }

  /** Connects, creates missing indexes and picks the write mode. */
  static async connect(uri: string, options: MongoConnectOptions = {}): Promise<MongoStore> {
    const { connection, models } = await openConnection(uri, options.dbName);
    try {
      await ensureIndexes(models);
      const transactions = options.transactions ?? (await supportsTransactions(connection));
      return new MongoStore(connection, models, transactions);
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
  }

  async ping(): Promise<void> {
    const db = this.connection.db;
    if (!db || this.connection.readyState !== 1) throw new Error('MongoDB is not connected');
    await db.admin().ping();
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  // ---- questions ----

  async createQuestion(input: NewQuestion): Promise<QuestionRecord> {
    const [doc] = await this.models.Question.create([
      {
        _id: Q.oid(newObjectId(input.now * 1000)),
        identify: input.identify,
        user_id: input.userId,
        title: input.title,
        labels: input.labels,
        status: 1,
        serv_id: null,
        created_at: input.now,
        status_at: input.now,
        last_activity_at: input.now,
        finish_requested_at: null,
        last_seq: 0,
      },
    ]);
    return toQuestion(doc!.toObject() as QuestionDoc);
  }

  async getQuestion(id: string): Promise<QuestionRecord | null> {
    if (!isObjectId(id)) return null;
    const doc = await this.one<QuestionDoc>(this.models.Question, Q.byObjectId(id));
    return doc ? toQuestion(doc) : null;
  }

  async listQuestions(filter: QuestionFilter, page: Page): Promise<QuestionRecord[]> {
    return (await this.find<QuestionDoc>(this.models.Question, Q.listQuestions(filter, page))).map(toQuestion);
  }

  async transition(write: TransitionWrite): Promise<TransitionResult | null> {
    if (!isObjectId(write.questionId)) return null;
    const notice = Q.messageDoc({
      id: newObjectId(write.now * 1000),
      questionId: write.questionId,
      seq: 0, // assigned by the question write
      sender: write.notice.sender,
      sender_type: write.notice.senderType,
      type: MESSAGE_TYPE.notice,
      created_at: write.now,
      action: write.notice.action,
    });
    const written = await writeWithMessage(this.ctx, (pending) => Q.transition(write, pending), notice);
    return written ? { question: toQuestion(written.question), notice: toMessage(written.message) } : null;
  }

  async scanTimeouts(scan: TimeoutScan): Promise<{ pending: string[]; idle: string[]; finishRequested: string[] }> {
    const specs = Q.scanTimeouts(scan);
    const ids = async (spec: Q.QuerySpec) =>
      (await this.find<{ _id: QuestionDoc['_id'] }>(this.models.Question, spec)).map((d) => d._id.toHexString());
    const [pending, idle, finishRequested] = await Promise.all([ids(specs.pending), ids(specs.idle), ids(specs.finishRequested)]);
    return { pending, idle, finishRequested };
  }

  // ---- messages ----

  async appendMessage(input: NewMessage, guard: SendGuard): Promise<AppendResult | null> {
    if (!isObjectId(input.questionId)) return null;
    const earlier = await this.duplicateOf(input);
    if (earlier) return earlier;
    const message = Q.messageDoc({
      id: newObjectId(input.now * 1000),
      questionId: input.questionId,
      seq: 0, // assigned by the question write
      sender: input.sender,
      sender_type: input.senderType,
      type: input.type,
      created_at: input.now,
      text: input.text,
      media_path: input.mediaPath,
      audio_len: input.audioLen,
      session: input.session,
      client_msg_id: input.clientMsgId,
    });
    try {
      const written = await writeWithMessage(this.ctx, (pending) => Q.appendMessage(input, guard, pending), message);
      if (!written) return null;
      return { message: toMessage(written.message), question: toQuestion(written.question), duplicate: false };
    } catch (error) {
      // Two retries of one client message raced: the idempotency index let one in; return that one.
      const winner = isDuplicateKey(error) ? await this.duplicateOf(input) : null;
      if (winner) return winner;
      throw error;
    }
  }

  /** The message an earlier try with the same (session, client_msg_id) stored, if any. */
  private async duplicateOf(input: NewMessage): Promise<AppendResult | null> {
    if (input.clientMsgId === undefined) return null;
    const doc = await this.one<MessageDoc>(this.models.Message, Q.messageByClientId(input.session, input.clientMsgId));
    if (!doc) return null;
    const question = await this.getQuestion(doc.question.toHexString());
    return question ? { message: toMessage(doc), question, duplicate: true } : null;
  }

  async findMessageByClientId(session: string, clientMsgId: string): Promise<MessageRecord | null> {
    const doc = await this.one<MessageDoc>(this.models.Message, Q.messageByClientId(session, clientMsgId));
    return doc ? toMessage(doc) : null;
  }

  async getMessage(id: string): Promise<MessageRecord | null> {
    if (!isObjectId(id)) return null;
    const doc = await this.one<MessageDoc>(this.models.Message, Q.byObjectId(id));
    return doc ? toMessage(doc) : null;
  }

  async listMessages(questionId: string, page: Omit<Page, 'after'> & { afterSeq?: number }): Promise<MessageRecord[]> {
    if (!isObjectId(questionId)) return [];
    let maxSeq: number | undefined;
    if (!this.transactions) {
      const lastSeq = await settleQuestion(this.ctx, questionId);
      if (lastSeq === null) return [];
      maxSeq = lastSeq;
    }
    return (await this.find<MessageDoc>(this.models.Message, Q.listMessages(questionId, page, maxSeq))).map(toMessage);
  }

  // ---- templates ----

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
    const doc = await this.one<TemplateDoc>(this.models.Template, Q.byObjectId(id));
    return doc ? toTemplate(doc) : null;
  }

  async listTemplates(identifies: string[]): Promise<TemplateRecord[]> {
    return (await this.find<TemplateDoc>(this.models.Template, Q.listTemplates(identifies))).map(toTemplate);
  }

  async createItem(item: ItemRecord): Promise<void> {
    await this.models.Item.create({ _id: Q.oid(item.id), template: Q.oid(item.templateId), question: item.question, content: item.content });
  }

  async listItems(templateId: string, page: Page): Promise<ItemRecord[]> {
    if (!isObjectId(templateId)) return [];
    const docs = await this.find<ItemDoc>(this.models.Item, Q.listItems(templateId, page));
    return docs.map((d) => ({ id: d._id.toHexString(), templateId: d.template.toHexString(), question: d.question, content: d.content }));
  }

  // ---- media (GridFS) and push outbox ----

  putMedia(media: MediaRecord): Promise<void> {
    return this.media.put(media);
  }

  getMedia(kind: MediaKind, id: string): Promise<MediaRecord | null> {
    return this.media.get(kind, id);
  }

  enqueueOutbox(entry: { id: string; payload: string; now: number }): Promise<void> {
    return this.outbox.enqueue(entry);
  }

  claimOutbox(now: number, leaseS: number, limit: number): Promise<OutboxEntry[]> {
    return this.outbox.claim(now, leaseS, limit);
  }

  completeOutbox(id: string): Promise<void> {
    return this.outbox.complete(id);
  }

  retryOutbox(id: string, retry: { attempts: number; nextAttemptAt: number | null; error: string }): Promise<void> {
    return this.outbox.retry(id, retry);
  }

  countOutbox(): Promise<{ pending: number; dead: number }> {
    return this.outbox.count();
  }
}
