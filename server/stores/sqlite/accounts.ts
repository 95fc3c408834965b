/**
 * Apps, users, device sessions (keyed by token digest) and agents in the embedded store. Each write
 * that changes who may hear what appends its change-feed entries in its own transaction.
 */
import type { AccountStore, AgentRecord, AppRecord, AppRouting, AppUpsert, KeyPage, Seconds, SessionRecord, UserRecord } from '../types.js';
import { IN_LIST, keyPage, type SqliteDb } from './db.js';
import { digestPrefixRange } from '../../domain/sessionTokens.js';
import type { SqliteOutbox } from './outbox.js';
import { toAgent, toSession, type AgentRow, type SessionRow } from './rows.js';
import type { SqliteTemplates } from './templates.js';

interface UserRow {
  user_id: string;
  name: string;
  image_url: string;
  device_count: number;
  group_count: number;
}

interface AppRow {
  identify: string;
  name: string;
  created_at: number;
  routing: string;
}

const toApp = (row: AppRow): AppRecord => ({ identify: row.identify, name: row.name, createdAt: row.created_at, routing: row.routing as AppRouting });

const toUser = (row: UserRow): UserRecord => ({
  userId: row.user_id,
  name: row.name,
  imageUrl: row.image_url,
  deviceCount: row.device_count,
  groupCount: row.group_count,
});

export class SqliteAccounts implements AccountStore {
  constructor(
    private readonly db: SqliteDb,
    private readonly outbox: SqliteOutbox,
    private readonly templates: SqliteTemplates,
  ) {}

  // ---- apps ----

  async upsertApp(app: AppUpsert): Promise<void> {
    await this.db.write(() =>
      this.db.run(
        `INSERT INTO apps (identify, name, created_at, routing) VALUES (?, ?, ?, COALESCE(?, 'manual'))
         ON CONFLICT (identify) DO UPDATE SET name = excluded.name, routing = COALESCE(?, routing)`,
        [app.identify, app.name, app.createdAt, app.routing ?? null, app.routing ?? null],
      ),
    );
  }

  async getApp(identify: string): Promise<AppRecord | null> {
    const row = this.db.get<AppRow>('SELECT * FROM apps WHERE identify = ?', [identify]);
    return row ? toApp(row) : null;
  }

  async listApps(page: KeyPage): Promise<AppRecord[]> {
    return keyPage<AppRow>(this.db, 'apps', 'identify', page).map(toApp);
  }

  async deleteApp(identify: string, now: Seconds): Promise<{ sessions: SessionRecord[]; agents: string[] } | null> {
    return this.db.write(() => {
      if (this.db.run('DELETE FROM apps WHERE identify = ?', [identify]).changes === 0) return null;
      const sessions = this.db.all<SessionRow>('DELETE FROM sessions WHERE identify = ? RETURNING *', [identify]).map(toSession);
      sessions.sort(byDigest);
      const agents = this.db
        .all<{ serv_id: string }>('DELETE FROM agent_apps WHERE identify = ? RETURNING serv_id', [identify])
        .map((r) => r.serv_id)
        .sort();
      this.templates.removeAppTemplates(identify);
      this.outbox.recordChange('app', identify, now);
      for (const session of sessions) this.outbox.recordChange('session', session.digest, now);
      for (const servId of agents) this.outbox.recordChange('agent', servId, now);
      return { sessions, agents };
    });
  }

  // ---- users ----

  async upsertUser(user: UserRecord): Promise<void> {
    await this.db.write(() =>
      this.db.run(
        `INSERT INTO users (user_id, name, image_url, device_count, group_count) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, image_url = excluded.image_url,
           device_count = excluded.device_count, group_count = excluded.group_count`,
        [user.userId, user.name, user.imageUrl, user.deviceCount, user.groupCount],
      ),
    );
  }

  async getUser(userId: string): Promise<UserRecord | null> {
    return (await this.getUsers([userId])).get(userId) ?? null;
  }

  async getUsers(userIds: string[]): Promise<Map<string, UserRecord>> {
    const users = new Map<string, UserRecord>();
    const unique = [...new Set(userIds)];
    if (unique.length === 0) return users;
    for (const row of this.db.all<UserRow>(`SELECT * FROM users WHERE user_id ${IN_LIST}`, [JSON.stringify(unique)])) {
      users.set(row.user_id, toUser(row));
    }
    return users;
  }

  async listUsers(page: KeyPage): Promise<UserRecord[]> {
    return keyPage<UserRow>(this.db, 'users', 'user_id', page).map(toUser);
  }

  async deleteUser(userId: string, now: Seconds): Promise<{ user: UserRecord; sessions: SessionRecord[] } | null> {
    return this.db.write(() => {
      const row = this.db.get<UserRow>('DELETE FROM users WHERE user_id = ? RETURNING *', [userId]);
      if (!row) return null;
      const sessions = this.db.all<SessionRow>('DELETE FROM sessions WHERE user_id = ? RETURNING *', [userId]).map(toSession);
      sessions.sort(byDigest);
      for (const session of sessions) this.outbox.recordChange('session', session.digest, now);
      return { user: toUser(row), sessions };
    });
  }

  // ---- device sessions ----

  async createSession(session: SessionRecord): Promise<void> {
    await this.db.write(() =>
      this.db.run(
        `INSERT INTO sessions (digest, user_id, identify, serv_id, kind, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [session.digest, session.userId, session.identify, session.servId, session.kind, session.createdAt, session.lastUsedAt],
      ),
    );
  }

  async getSession(digest: string): Promise<SessionRecord | null> {
    const row = this.db.get<SessionRow>('SELECT * FROM sessions WHERE digest = ?', [digest]);
    return row ? toSession(row) : null;
  }

  async deleteSession(digest: string, now: Seconds): Promise<SessionRecord | null> {
    return this.db.write(() => {
      const row = this.db.get<SessionRow>('DELETE FROM sessions WHERE digest = ? RETURNING *', [digest]);
      if (!row) return null;
      this.outbox.recordChange('session', digest, now);
      return toSession(row);
    });
  }

  async listSessions(page: KeyPage): Promise<SessionRecord[]> {
    return keyPage<SessionRow>(this.db, 'sessions', 'digest', page).map(toSession);
  }

  async findSessionsByDigestPrefix(prefix: string, limit: number): Promise<SessionRecord[]> {
    const { from, to } = digestPrefixRange(prefix);
    return this.db.all<SessionRow>('SELECT * FROM sessions WHERE digest >= ? AND digest < ? ORDER BY digest LIMIT ?', [from, to, limit]).map(toSession);
  }

  async touchSession(digest: string, now: Seconds): Promise<void> {
    await this.db.write(() => this.db.run('UPDATE sessions SET last_used_at = ? WHERE digest = ? AND last_used_at < ?', [now, digest, now]));
  }

  async bindSession(digest: string, servId: string, now: Seconds): Promise<void> {
    await this.db.write(() => {
      if (this.db.run('UPDATE sessions SET serv_id = ? WHERE digest = ?', [servId, digest]).changes === 0) return;
      this.outbox.recordChange('session', digest, now);
    });
  }

  async unbindSession(digest: string, servId: string, now: Seconds): Promise<boolean> {
    return this.db.write(() => {
      if (this.db.run('UPDATE sessions SET serv_id = NULL WHERE digest = ? AND serv_id = ?', [digest, servId]).changes === 0) return false;
      this.outbox.recordChange('session', digest, now);
      return true;
    });
  }

  async listAgentSessions(servIds: string[]): Promise<SessionRecord[]> {
    if (servIds.length === 0) return [];
    return this.db
      .all<SessionRow>(`SELECT * FROM sessions WHERE serv_id ${IN_LIST} ORDER BY digest`, [JSON.stringify([...new Set(servIds)])])
      .map(toSession);
  }

  async listUserSessions(userId: string, identify: string): Promise<SessionRecord[]> {
    return this.db.all<SessionRow>('SELECT * FROM sessions WHERE user_id = ? AND identify = ? ORDER BY digest', [userId, identify]).map(toSession);
  }

  /** Unbinds every session bound to the agent, with a feed entry each; inside the caller's write. */
  private endBindingsOf(servId: string, now: Seconds): SessionRecord[] {
    const unbound = this.db.all<SessionRow>('SELECT * FROM sessions WHERE serv_id = ? ORDER BY digest', [servId]).map(toSession);
    this.db.run('UPDATE sessions SET serv_id = NULL WHERE serv_id = ?', [servId]);
    for (const session of unbound) this.outbox.recordChange('session', session.digest, now);
    return unbound;
  }

  // ---- agents ----

  async upsertAgent(agent: AgentRecord, options: { endBindings: boolean; now: Seconds }): Promise<{ previous: AgentRecord | null; unbound: SessionRecord[] }> {
    return this.db.write(() => {
      const previous = this.agentById(agent.servId);
      this.db.run(
        `INSERT INTO agents (serv_id, password_hash, name, max_concurrent, role) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (serv_id) DO UPDATE SET password_hash = excluded.password_hash, name = excluded.name,
           max_concurrent = excluded.max_concurrent, role = excluded.role`,
        [agent.servId, agent.passwordHash, agent.name, agent.maxConcurrent, agent.role ?? 'agent'],
      );
      this.db.run('DELETE FROM agent_apps WHERE serv_id = ?', [agent.servId]);
      for (const identify of new Set(agent.identifies)) {
        this.db.run('INSERT INTO agent_apps (serv_id, identify) VALUES (?, ?)', [agent.servId, identify]);
      }
      this.outbox.recordChange('agent', agent.servId, options.now);
      const unbound = options.endBindings ? this.endBindingsOf(agent.servId, options.now) : [];
      return { previous, unbound };
    });
  }

  async getAgent(servId: string): Promise<AgentRecord | null> {
    return this.agentById(servId);
  }

  private agentById(servId: string): AgentRecord | null {
    const row = this.db.get<AgentRow>('SELECT * FROM agents WHERE serv_id = ?', [servId]);
    return row ? toAgent(row, this.appsOf(row.serv_id)) : null;
  }

  private appsOf(servId: string): string[] {
    return this.db.all<{ identify: string }>('SELECT identify FROM agent_apps WHERE serv_id = ? ORDER BY identify', [servId]).map((r) => r.identify);
  }

  async listAgents(page: KeyPage): Promise<AgentRecord[]> {
    return keyPage<AgentRow>(this.db, 'agents', 'serv_id', page).map((row) => toAgent(row, this.appsOf(row.serv_id)));
  }

  async listAgentsOfApp(identify: string): Promise<AgentRecord[]> {
    const rows = this.db.all<AgentRow>(
      'SELECT a.* FROM agents a JOIN agent_apps aa ON aa.serv_id = a.serv_id WHERE aa.identify = ? ORDER BY a.serv_id',
      [identify],
    );
    return rows.map((row) => toAgent(row, this.appsOf(row.serv_id)));
  }

  async deleteAgent(servId: string, now: Seconds): Promise<{ agent: AgentRecord; unbound: SessionRecord[] } | null> {
    return this.db.write(() => {
      const agent = this.agentById(servId);
      if (!agent) return null;
      this.db.run('DELETE FROM agent_apps WHERE serv_id = ?', [servId]);
      this.db.run('DELETE FROM agents WHERE serv_id = ?', [servId]);
      this.outbox.recordChange('agent', servId, now);
      return { agent, unbound: this.endBindingsOf(servId, now) };
    });
  }
}

const byDigest = (a: SessionRecord, b: SessionRecord) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0);
