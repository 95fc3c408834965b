/**
 * The account half of the MongoDB store (apps, users, device sessions and their agent bindings,
 * agents) and the two helpers every read uses. MongoStore extends it with questions, messages,
 * templates, media and the outbox. Each of these is a single-document write, atomic by itself.
 */
import type { Connection, Model } from 'mongoose';
import type { AgentRecord, AppRecord, SessionRecord, UserRecord } from '../types.js';
import type { AgentDoc, AppDoc, Models, SessionDoc, UserDoc } from './models.js';
import * as Q from './queries.js';
import { toAgent, toSession, toUser } from './records.js';

/** Any of our models; the helpers below only build and run queries on them. */
export type AnyModel = Model<any, any, any, any>;

export class MongoAccounts {
  constructor(
    protected readonly connection: Connection,
    protected readonly models: Models,
  ) {}

  /** Runs a find spec: filter, projection, sort, skip, limit, as lean documents. */
  protected find<T>(model: AnyModel, spec: Q.QuerySpec): Promise<T[]> {
    const query = model.find(spec.filter, spec.projection);
    if (spec.sort) query.sort(spec.sort);
    if (spec.skip) query.skip(spec.skip);
    if (spec.limit !== undefined) query.limit(spec.limit);
    return query.lean().exec() as Promise<T[]>;
  }

  protected one<T>(model: AnyModel, spec: Q.QuerySpec): Promise<T | null> {
    return model.findOne(spec.filter).lean().exec() as Promise<T | null>;
  }

  async upsertApp(app: AppRecord): Promise<void> {
    const q = Q.upsertApp(app);
    await this.models.App.updateOne(q.filter, q.update!, q.options).exec();
  }

  async getApp(identify: string): Promise<AppRecord | null> {
    const doc = await this.one<AppDoc>(this.models.App, Q.byId(identify));
    return doc ? { identify: doc._id, name: doc.name, createdAt: doc.created_at } : null;
  }

  async upsertUser(user: UserRecord): Promise<void> {
    const q = Q.upsertUser(user);
    await this.models.User.updateOne(q.filter, q.update!, q.options).exec();
  }

  async getUser(userId: string): Promise<UserRecord | null> {
    return (await this.getUsers([userId])).get(userId) ?? null;
  }

  async getUsers(userIds: string[]): Promise<Map<string, UserRecord>> {
    const users = new Map<string, UserRecord>();
    if (userIds.length === 0) return users;
    for (const doc of await this.find<UserDoc>(this.models.User, Q.byIds(userIds))) users.set(doc._id, toUser(doc));
    return users;
  }

  async createSession(session: SessionRecord): Promise<void> {
    await this.models.Session.create({
      _id: session.session,
      user_id: session.userId,
      identify: session.identify,
      serv_id: session.servId,
      created_at: session.createdAt,
    });
  }

  async getSession(session: string): Promise<SessionRecord | null> {
    const doc = await this.one<SessionDoc>(this.models.Session, Q.byId(session));
    return doc ? toSession(doc) : null;
  }

  async deleteSession(session: string): Promise<boolean> {
    return (await this.models.Session.deleteOne(Q.byId(session).filter).exec()).deletedCount > 0;
  }

  async bindSession(session: string, servId: string): Promise<void> {
    const q = Q.bindSession(session, servId);
    await this.models.Session.updateOne(q.filter, q.update!).exec();
  }

  async unbindSession(session: string, servId: string): Promise<boolean> {
    const q = Q.unbindSession(session, servId);
    return (await this.models.Session.updateOne(q.filter, q.update!).exec()).matchedCount > 0;
  }

  async listAgentSessions(servId: string): Promise<SessionRecord[]> {
    return (await this.find<SessionDoc>(this.models.Session, Q.agentSessions(servId))).map(toSession);
  }

  async listUserSessions(userId: string, identify: string): Promise<SessionRecord[]> {
    return (await this.find<SessionDoc>(this.models.Session, Q.userSessions(userId, identify))).map(toSession);
  }

  async upsertAgent(agent: AgentRecord): Promise<void> {
    const q = Q.upsertAgent(agent);
    await this.models.Agent.updateOne(q.filter, q.update!, q.options).exec();
  }

  async getAgent(servId: string): Promise<AgentRecord | null> {
    const doc = await this.one<AgentDoc>(this.models.Agent, Q.byId(servId));
    return doc ? toAgent(doc) : null;
  }

  async listAgentsOfApp(identify: string): Promise<AgentRecord[]> {
    return (await this.find<AgentDoc>(this.models.Agent, Q.agentsOfApp(identify))).map(toAgent);
  }
}
