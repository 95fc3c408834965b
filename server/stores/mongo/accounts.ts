/**
 * Apps, users, device sessions (by digest) and agents in MongoDB. Writes that change who may hear
 * what append their change-feed entries in the same unit of work (writes.ts: one transaction, or
 * the write first and its entries right after on a standalone server).
 */
import type { ClientSession, Types } from 'mongoose';
import type { AccountStore, AgentRecord, AppRecord, ChangeKind, KeyPage, Seconds, SessionRecord, UserRecord } from '../types.js';
import type { AgentDoc, AppDoc, SessionDoc, UserDoc } from './models.js';
import * as Q from './queries.js';
import { findAll, findFirst } from './reads.js';
import { toAgent, toApp, toSession, toSessionDoc, toUser } from './records.js';
import { appendChanges, atomically, inSession, type WriteContext } from './writes.js';

type Change = { kind: ChangeKind; key: string };
const sessionChanges = (sessions: SessionRecord[]): Change[] => sessions.map((s) => ({ kind: 'session', key: s.digest }));

export class MongoAccounts implements AccountStore {
  constructor(private readonly ctx: WriteContext) {}

  private get models() {
    return this.ctx.models;
  }

  async upsertApp(app: AppRecord): Promise<void> {
    const q = Q.upsertApp(app);
    await this.models.App.updateOne(q.filter, q.update!, q.options).exec();
  }

  async getApp(identify: string): Promise<AppRecord | null> {
    const doc = await findFirst<AppDoc>(this.models.App, Q.byId(identify));
    return doc ? toApp(doc) : null;
  }

  async listApps(page: KeyPage): Promise<AppRecord[]> {
    return (await findAll<AppDoc>(this.models.App, Q.keyPage(page))).map(toApp);
  }

  async deleteApp(identify: string, now: Seconds): Promise<{ sessions: SessionRecord[]; agents: string[] } | null> {
    const m = this.models;
    return atomically(this.ctx, async (session) => {
      const opts = inSession(session);
      if (!(await findFirst<AppDoc>(m.App, Q.byId(identify), session))) return null;
      const sessions = (await findAll<SessionDoc>(m.Session, Q.deleteApp.sessions(identify), session)).map(toSession);
      const agents = (await findAll<AgentDoc>(m.Agent, Q.agentsOfApp(identify), session)).map((a) => a._id);
      const templates = await findAll<{ _id: Types.ObjectId }>(m.Template, Q.deleteApp.templates(identify), session);
      const items = Q.deleteApp.items(templates.map((t) => t._id));
      const pull = Q.deleteApp.agents(identify);
      // The app goes last: on a standalone server a crash midway leaves it in place, so deleting
      // it again finishes the job.
      if (sessions.length) await m.Session.deleteMany(Q.deleteApp.deleteSessions(sessions.map((s) => s.digest)).filter, opts).exec();
      if (templates.length) await m.Item.deleteMany(items.filter, opts).exec();
      await m.Template.deleteMany(Q.deleteApp.deleteTemplates(identify).filter, opts).exec();
      await m.Agent.updateMany(pull.filter, pull.update!, opts).exec();
      await m.App.deleteOne(Q.byId(identify).filter, opts).exec();
      const changes: Change[] = [{ kind: 'app', key: identify }, ...sessionChanges(sessions), ...agents.map((key): Change => ({ kind: 'agent', key }))];
      await appendChanges(this.ctx, session, changes, now);
      return { sessions, agents };
    });
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
    for (const doc of await findAll<UserDoc>(this.models.User, Q.byIds(userIds))) users.set(doc._id, toUser(doc));
    return users;
  }

  async listUsers(page: KeyPage): Promise<UserRecord[]> {
    return (await findAll<UserDoc>(this.models.User, Q.keyPage(page))).map(toUser);
  }

  async deleteUser(userId: string, now: Seconds): Promise<{ user: UserRecord; sessions: SessionRecord[] } | null> {
    const m = this.models;
    return atomically(this.ctx, async (session) => {
      const opts = inSession(session);
      const user = await findFirst<UserDoc>(m.User, Q.byId(userId), session);
      if (!user) return null;
      const sessions = (await findAll<SessionDoc>(m.Session, Q.sessionsOfUser(userId), session)).map(toSession);
      // The user goes last: on a standalone server a crash midway leaves it, so deleting it again finishes the job.
      if (sessions.length) await m.Session.deleteMany(Q.deleteApp.deleteSessions(sessions.map((s) => s.digest)).filter, opts).exec();
      await m.User.deleteOne(Q.byId(userId).filter, opts).exec();
      await appendChanges(this.ctx, session, sessionChanges(sessions), now);
      return { user: toUser(user), sessions };
    });
  }

  async createSession(session: SessionRecord): Promise<void> {
    await this.models.Session.create(toSessionDoc(session));
  }

  async getSession(digest: string): Promise<SessionRecord | null> {
    const doc = await findFirst<SessionDoc>(this.models.Session, Q.byId(digest));
    return doc ? toSession(doc) : null;
  }

  async deleteSession(digest: string, now: Seconds): Promise<SessionRecord | null> {
    return atomically(this.ctx, async (session) => {
      const doc = await this.models.Session.findOneAndDelete(Q.byId(digest).filter, inSession(session)).lean<SessionDoc>().exec();
      if (!doc) return null;
      await appendChanges(this.ctx, session, [{ kind: 'session', key: doc._id }], now);
      return toSession(doc);
    });
  }

  async listSessions(page: KeyPage): Promise<SessionRecord[]> {
    return (await findAll<SessionDoc>(this.models.Session, Q.keyPage(page))).map(toSession);
  }

  async findSessionsByDigestPrefix(prefix: string, limit: number): Promise<SessionRecord[]> {
    return (await findAll<SessionDoc>(this.models.Session, Q.sessionsByDigestPrefix(prefix, limit))).map(toSession);
  }

  async touchSession(digest: string, now: Seconds): Promise<void> {
    const q = Q.touchSession(digest, now);
    await this.models.Session.updateOne(q.filter, q.update!).exec();
  }

  async bindSession(digest: string, servId: string, now: Seconds): Promise<void> {
    await atomically(this.ctx, async (session) => {
      const q = Q.bindSession(digest, servId);
      const result = await this.models.Session.updateOne(q.filter, q.update!, inSession(session)).exec();
      if (result.matchedCount > 0) await appendChanges(this.ctx, session, [{ kind: 'session', key: digest }], now);
    });
  }

  async unbindSession(digest: string, servId: string, now: Seconds): Promise<boolean> {
    return atomically(this.ctx, async (session) => {
      const q = Q.unbindSession(digest, servId);
      const result = await this.models.Session.updateOne(q.filter, q.update!, inSession(session)).exec();
      if (result.matchedCount === 0) return false;
      await appendChanges(this.ctx, session, [{ kind: 'session', key: digest }], now);
      return true;
    });
  }

  async listAgentSessions(servIds: string[]): Promise<SessionRecord[]> {
    if (servIds.length === 0) return [];
    return (await findAll<SessionDoc>(this.models.Session, Q.boundSessions(servIds))).map(toSession);
  }

  async listUserSessions(userId: string, identify: string): Promise<SessionRecord[]> {
    return (await findAll<SessionDoc>(this.models.Session, Q.userSessions(userId, identify))).map(toSession);
  }

  async upsertAgent(agent: AgentRecord, options: { endBindings: boolean; now: Seconds }): Promise<{ previous: AgentRecord | null; unbound: SessionRecord[] }> {
    return atomically(this.ctx, async (session) => {
      const q = Q.upsertAgent(agent);
      const before = await this.models.Agent.findOneAndUpdate(q.filter, q.update!, { ...q.options, ...inSession(session) })
        .lean<AgentDoc>()
        .exec();
      const unbound = options.endBindings ? await this.unbindAll(agent.servId, session) : [];
      await appendChanges(this.ctx, session, [{ kind: 'agent', key: agent.servId }, ...sessionChanges(unbound)], options.now);
      return { previous: before ? toAgent(before) : null, unbound };
    });
  }

  async getAgent(servId: string): Promise<AgentRecord | null> {
    const doc = await findFirst<AgentDoc>(this.models.Agent, Q.byId(servId));
    return doc ? toAgent(doc) : null;
  }

  async listAgents(page: KeyPage): Promise<AgentRecord[]> {
    return (await findAll<AgentDoc>(this.models.Agent, Q.keyPage(page))).map(toAgent);
  }

  async listAgentsOfApp(identify: string): Promise<AgentRecord[]> {
    return (await findAll<AgentDoc>(this.models.Agent, Q.agentsOfApp(identify))).map(toAgent);
  }

  async deleteAgent(servId: string, now: Seconds): Promise<{ agent: AgentRecord; unbound: SessionRecord[] } | null> {
    return atomically(this.ctx, async (session) => {
      const doc = await this.models.Agent.findOneAndDelete(Q.byId(servId).filter, inSession(session)).lean<AgentDoc>().exec();
      if (!doc) return null;
      const unbound = await this.unbindAll(servId, session);
      await appendChanges(this.ctx, session, [{ kind: 'agent', key: servId }, ...sessionChanges(unbound)], now);
      return { agent: toAgent(doc), unbound };
    });
  }

  /**
   * Unbinds every session bound to the agent and returns them as they were (still naming it). The
   * unbind re-checks the binding, so a session re-bound elsewhere meanwhile keeps its new agent.
   */
  private async unbindAll(servId: string, session: ClientSession | null): Promise<SessionRecord[]> {
    const bound = (await findAll<SessionDoc>(this.models.Session, Q.boundSessions([servId]), session)).map(toSession);
    if (bound.length === 0) return [];
    const q = Q.unbindSessions(servId, bound.map((s) => s.digest));
    await this.models.Session.updateMany(q.filter, q.update!, inSession(session)).exec();
    return bound;
  }
}
