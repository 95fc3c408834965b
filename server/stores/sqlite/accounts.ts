/** Apps, users, device sessions and agents in the embedded store. */
import type { AgentRecord, AppRecord, SessionRecord, UserRecord } from '../types.js';
import { SqliteDb } from './db.js';
import { toSession, type SessionRow } from './rows.js';

export class SqliteAccounts extends SqliteDb {
  async upsertApp(app: AppRecord): Promise<void> {
    this.run(
      `INSERT INTO apps (identify, name, created_at) VALUES (?, ?, ?)
       ON CONFLICT (identify) DO UPDATE SET name = excluded.name`,
      [app.identify, app.name, app.createdAt],
    );
  }

  async getApp(identify: string): Promise<AppRecord | null> {
    const row = this.get<{ identify: string; name: string; created_at: number }>(
      'SELECT * FROM apps WHERE identify = ?',
      [identify],
    );
    return row ? { identify: row.identify, name: row.name, createdAt: row.created_at } : null;
  }

  async upsertUser(user: UserRecord): Promise<void> {
    this.run(
      `INSERT INTO users (user_id, name, image_url, device_count, group_count) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, image_url = excluded.image_url,
         device_count = excluded.device_count, group_count = excluded.group_count`,
      [user.userId, user.name, user.imageUrl, user.deviceCount, user.groupCount],
    );
  }

  async getUser(userId: string): Promise<UserRecord | null> {
    return (await this.getUsers([userId])).get(userId) ?? null;
  }

  async getUsers(userIds: string[]): Promise<Map<string, UserRecord>> {
    const users = new Map<string, UserRecord>();
    const unique = [...new Set(userIds)];
    if (unique.length === 0) return users;
    const rows = this.all<{ user_id: string; name: string; image_url: string; device_count: number; group_count: number }>(
      `SELECT * FROM users WHERE user_id IN (SELECT value FROM json_each(?))`,
      [JSON.stringify(unique)],
    );
    for (const row of rows) {
      users.set(row.user_id, {
        userId: row.user_id,
        name: row.name,
        imageUrl: row.image_url,
        deviceCount: row.device_count,
        groupCount: row.group_count,
      });
    }
    return users;
  }

  async createSession(session: SessionRecord): Promise<void> {
    this.run('INSERT INTO sessions (session, user_id, identify, serv_id, created_at) VALUES (?, ?, ?, ?, ?)', [
      session.session,
      session.userId,
      session.identify,
      session.servId,
      session.createdAt,
    ]);
  }

  async getSession(session: string): Promise<SessionRecord | null> {
    const row = this.get<SessionRow>('SELECT * FROM sessions WHERE session = ?', [session]);
    return row ? toSession(row) : null;
  }

  async deleteSession(session: string): Promise<boolean> {
    return this.run('DELETE FROM sessions WHERE session = ?', [session]).changes > 0;
  }

  async bindSession(session: string, servId: string): Promise<void> {
    this.run('UPDATE sessions SET serv_id = ? WHERE session = ?', [servId, session]);
  }

  async unbindSession(session: string, servId: string): Promise<boolean> {
    return this.run('UPDATE sessions SET serv_id = NULL WHERE session = ? AND serv_id = ?', [session, servId]).changes > 0;
  }

  async listAgentSessions(servId: string): Promise<SessionRecord[]> {
    return this.all<SessionRow>('SELECT * FROM sessions WHERE serv_id = ? ORDER BY session', [servId]).map(toSession);
  }

  async listUserSessions(userId: string, identify: string): Promise<SessionRecord[]> {
    return this.all<SessionRow>('SELECT * FROM sessions WHERE user_id = ? AND identify = ? ORDER BY session', [
      userId,
      identify,
    ]).map(toSession);
  }

  async upsertAgent(agent: AgentRecord): Promise<void> {
    this.write(() => {
      this.run(
        `INSERT INTO agents (serv_id, password_hash, name) VALUES (?, ?, ?)
         ON CONFLICT (serv_id) DO UPDATE SET password_hash = excluded.password_hash, name = excluded.name`,
        [agent.servId, agent.passwordHash, agent.name],
      );
      this.run('DELETE FROM agent_apps WHERE serv_id = ?', [agent.servId]);
      for (const identify of new Set(agent.identifies)) {
        this.run('INSERT INTO agent_apps (serv_id, identify) VALUES (?, ?)', [agent.servId, identify]);
      }
    });
  }

  async getAgent(servId: string): Promise<AgentRecord | null> {
    const row = this.get<{ serv_id: string; password_hash: string; name: string }>(
      'SELECT * FROM agents WHERE serv_id = ?',
      [servId],
    );
    if (!row) return null;
    return { servId: row.serv_id, passwordHash: row.password_hash, name: row.name, identifies: this.appsOf(row.serv_id) };
  }

  protected appsOf(servId: string): string[] {
    return this.all<{ identify: string }>('SELECT identify FROM agent_apps WHERE serv_id = ? ORDER BY identify', [
      servId,
    ]).map((r) => r.identify);
  }

  async listAgentsOfApp(identify: string): Promise<AgentRecord[]> {
    const rows = this.all<{ serv_id: string; password_hash: string; name: string }>(
      `SELECT a.* FROM agents a JOIN agent_apps aa ON aa.serv_id = a.serv_id WHERE aa.identify = ? ORDER BY a.serv_id`,
      [identify],
    );
    return rows.map((row) => ({
      servId: row.serv_id,
      passwordHash: row.password_hash,
      name: row.name,
      identifies: this.appsOf(row.serv_id),
    }));
  }
}
