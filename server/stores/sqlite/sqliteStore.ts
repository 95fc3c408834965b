/**
 * The embedded store: SQLite through better-sqlite3, one file under DATA_DIR, media files beside it.
 *
 * Two processes may open the same directory (multi-node tests do): WAL lets readers run beside the
 * writer, every write transaction starts with BEGIN IMMEDIATE so it takes the write lock up front
 * (no deadlocking lock upgrades), and busy_timeout makes the other process wait instead of failing.
 * Each conditional write is one transaction, so of N racing processes exactly one wins.
 */
import Database from 'better-sqlite3';
import { mkdirSync, existsSync, openSync, writeSync, fsyncSync, closeSync, renameSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MESSAGE_TYPE } from '../../../shared/limits.js';
import { newObjectId } from '../objectId.js';
import type {
  AgentRecord,
  AppendResult,
  AppRecord,
  ItemRecord,
  MediaKind,
  MediaRecord,
  MessageRecord,
  NewMessage,
  NewQuestion,
  Page,
  QuestionFilter,
  QuestionRecord,
  SendGuard,
  SessionRecord,
  Store,
  OutboxEntry,
  TemplateRecord,
  TimeoutScan,
  TransitionResult,
  TransitionWrite,
  UserRecord,
} from '../types.js';
import { toMessage, toQuestion, toSession, type MessageRow, type QuestionRow, type SessionRow } from './rows.js';
import { MIGRATIONS } from './schema.js';

type Params = Record<string, unknown> | unknown[];

export interface SqliteStoreOptions {
  dataDir: string;
  /** Milliseconds a writer waits for another process's lock before failing. */
  busyTimeoutMs?: number;
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly mediaDir: string;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(options: SqliteStoreOptions) {
    mkdirSync(options.dataDir, { recursive: true });
    this.mediaDir = path.join(options.dataDir, 'media');
    for (const kind of ['image', 'audio']) mkdirSync(path.join(this.mediaDir, kind), { recursive: true });
    this.db = new Database(path.join(options.dataDir, 'kefu.sqlite3'));
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
    this.db.pragma('journal_mode = WAL');
    // FULL: every acknowledged write is on disk before the reply, even across a power cut. NORMAL
    // would already survive a killed process (the WAL is in the OS cache), but not a lost machine.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = OFF');
    this.migrate();
  }

  private migrate(): void {
    const step = this.db.transaction(() => {
      const version = this.db.pragma('user_version', { simple: true }) as number;
      if (version >= MIGRATIONS.length) return false;
      this.db.exec(MIGRATIONS[version]!);
      this.db.pragma(`user_version = ${version + 1}`);
      return true;
    });
    while (step.immediate()) {
      /* apply the next migration */
    }
  }

  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private get<T>(sql: string, params: Params = []): T | undefined {
    return this.stmt(sql).get(params) as T | undefined;
  }

  private all<T>(sql: string, params: Params = []): T[] {
    return this.stmt(sql).all(params) as T[];
  }

  private run(sql: string, params: Params = []): Database.RunResult {
    return this.stmt(sql).run(params);
  }

  /** Runs fn as one write transaction that takes the write lock first. */
  private write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  async ping(): Promise<void> {
    this.get('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  // ---- apps, users, sessions, agents ----

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

  private appsOf(servId: string): string[] {
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

  // ---- questions ----

  async createQuestion(input: NewQuestion): Promise<QuestionRecord> {
    const id = newObjectId(input.now * 1000);
    this.write(() => {
      this.run(
        `INSERT INTO questions (id, identify, user_id, title, labels, status, serv_id, created_at, status_at,
           last_activity_at, finish_requested_at, last_seq)
         VALUES (?, ?, ?, ?, ?, 1, NULL, ?, ?, ?, NULL, 0)`,
        [id, input.identify, input.userId, input.title, JSON.stringify(input.labels), input.now, input.now, input.now],
      );
      for (const label of input.labels) this.run('INSERT INTO question_labels (label, question_id) VALUES (?, ?)', [label, id]);
    });
    return (await this.getQuestion(id))!;
  }

  async getQuestion(id: string): Promise<QuestionRecord | null> {
    const row = this.get<QuestionRow>('SELECT * FROM questions WHERE id = ?', [id]);
    return row ? toQuestion(row) : null;
  }

  async listQuestions(filter: QuestionFilter, page: Page): Promise<QuestionRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status !== undefined) {
      where.push('q.status = ?');
      params.push(filter.status);
    }
    if (filter.identifies !== undefined) {
      where.push('q.identify IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(filter.identifies));
    }
    if (filter.userId !== undefined) {
      where.push('q.user_id = ?');
      params.push(filter.userId);
    }
    if (filter.servId !== undefined) {
      where.push('q.serv_id = ?');
      params.push(filter.servId);
    }
    if (filter.label !== undefined) {
      where.push('q.id IN (SELECT question_id FROM question_labels WHERE label = ?)');
      params.push(filter.label);
    }
    const { clause, limit } = pageClause('q.id', page, where, params);
    return this.all<QuestionRow>(`SELECT q.* FROM questions q ${clause}`, [...params, ...limit]).map(toQuestion);
  }

  async transition(write: TransitionWrite): Promise<TransitionResult | null> {
    const conditions = ['id = @questionId', `status IN (${write.from.map(Number).join(', ')})`];
    const params: Record<string, unknown> = {
      questionId: write.questionId,
      to: write.to,
      now: write.now,
    };
    if (write.servId !== undefined) {
      conditions.push(write.servId === null ? 'serv_id IS NULL' : 'serv_id = @servId');
      if (write.servId !== null) params.servId = write.servId;
    }
    if (write.userId !== undefined) {
      conditions.push('user_id = @userId');
      params.userId = write.userId;
    }
    if (write.finishRequested) conditions.push('finish_requested_at IS NOT NULL');
    if (write.statusBefore !== undefined) {
      conditions.push('status_at < @statusBefore');
      params.statusBefore = write.statusBefore;
    }
    if (write.lastActivityBefore !== undefined) {
      conditions.push('last_activity_at < @lastActivityBefore');
      params.lastActivityBefore = write.lastActivityBefore;
    }
    if (write.finishRequestedBefore !== undefined) {
      conditions.push('finish_requested_at < @finishRequestedBefore');
      params.finishRequestedBefore = write.finishRequestedBefore;
    }
    const sets = [
      'status = @to',
      'status_at = CASE WHEN status = @to THEN status_at ELSE @now END',
      'last_activity_at = @now',
      'last_seq = last_seq + 1',
    ];
    if (write.setServId !== undefined) {
      sets.push('serv_id = @setServId');
      params.setServId = write.setServId;
    }
    sets.push(write.finishRequest === 'set' ? 'finish_requested_at = @now' : 'finish_requested_at = NULL');

    return this.write(() => {
      const row = this.get<QuestionRow>(
        `UPDATE questions SET ${sets.join(', ')} WHERE ${conditions.join(' AND ')} RETURNING *`,
        params,
      );
      if (!row) return null;
      const notice = this.insertMessage({
        id: newObjectId(write.now * 1000),
        questionId: row.id,
        seq: row.last_seq,
        sender: write.notice.sender,
        senderType: write.notice.senderType,
        type: MESSAGE_TYPE.notice,
        createdAt: write.now,
        action: write.notice.action,
      });
      return { question: toQuestion(row), notice };
    });
  }

  async scanTimeouts(scan: TimeoutScan): Promise<{ pending: string[]; idle: string[]; finishRequested: string[] }> {
    const ids = (sql: string, params: unknown[]) => this.all<{ id: string }>(sql, params).map((r) => r.id);
    return {
      pending: ids('SELECT id FROM questions WHERE status = 1 AND status_at < ? LIMIT ?', [scan.pendingSince, scan.limit]),
      idle: ids('SELECT id FROM questions WHERE status = 2 AND last_activity_at < ? LIMIT ?', [scan.idleSince, scan.limit]),
      finishRequested: ids('SELECT id FROM questions WHERE status = 2 AND finish_requested_at < ? LIMIT ?', [
        scan.finishRequestedSince,
        scan.limit,
      ]),
    };
  }

  // ---- messages ----

  private insertMessage(message: MessageRecord & { session?: string; clientMsgId?: string }): MessageRecord {
    this.run(
      `INSERT INTO messages (id, question_id, seq, sender, sender_type, type, created_at, text, media_path, audio_len,
         action, session, client_msg_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        message.id,
        message.questionId,
        message.seq,
        message.sender,
        message.senderType,
        message.type,
        message.createdAt,
        message.text ?? null,
        message.mediaPath ?? null,
        message.audioLen ?? null,
        message.action ?? null,
        message.session ?? null,
        message.clientMsgId ?? null,
      ],
    );
    const { session: _session, clientMsgId: _clientMsgId, ...record } = message;
    return record;
  }

  async appendMessage(input: NewMessage, guard: SendGuard): Promise<AppendResult | null> {
    return this.write(() => {
      if (input.clientMsgId !== undefined) {
        const earlier = this.get<MessageRow>('SELECT * FROM messages WHERE session = ? AND client_msg_id = ?', [
          input.session,
          input.clientMsgId,
        ]);
        if (earlier) {
          const question = this.get<QuestionRow>('SELECT * FROM questions WHERE id = ?', [earlier.question_id])!;
          return { message: toMessage(earlier), question: toQuestion(question), duplicate: true };
        }
      }
      const conditions = ['id = @questionId', `status IN (${guard.statuses.map(Number).join(', ')})`];
      const params: Record<string, unknown> = {
        questionId: input.questionId,
        now: input.now,
        text: input.summaryText,
        sender: input.sender,
        senderType: input.senderType,
      };
      if (guard.userId !== undefined) {
        conditions.push('user_id = @userId');
        params.userId = guard.userId;
      }
      if (guard.servId !== undefined) {
        conditions.push('serv_id = @servId');
        params.servId = guard.servId;
      }
      // A user who writes after "may I close this?" is not done: the finish request lapses.
      const clearFinish = input.senderType === 1 ? ', finish_requested_at = NULL' : '';
      const row = this.get<QuestionRow>(
        `UPDATE questions SET last_seq = last_seq + 1, last_activity_at = @now, last_mess_text = @text,
           last_mess_timestamp = @now, last_mess_sender = @sender, last_mess_sender_type = @senderType${clearFinish}
         WHERE ${conditions.join(' AND ')} RETURNING *`,
        params,
      );
      if (!row) return null;
      const message = this.insertMessage({
        id: newObjectId(input.now * 1000),
        questionId: row.id,
        seq: row.last_seq,
        sender: input.sender,
        senderType: input.senderType,
        type: input.type,
        createdAt: input.now,
        text: input.text,
        mediaPath: input.mediaPath,
        audioLen: input.audioLen,
        session: input.session,
        clientMsgId: input.clientMsgId,
      });
      return { message: stripUndefined(message), question: toQuestion(row), duplicate: false };
    });
  }

  async getMessage(id: string): Promise<MessageRecord | null> {
    const row = this.get<MessageRow>('SELECT * FROM messages WHERE id = ?', [id]);
    return row ? toMessage(row) : null;
  }

  async findMessageByClientId(session: string, clientMsgId: string): Promise<MessageRecord | null> {
    const row = this.get<MessageRow>('SELECT * FROM messages WHERE session = ? AND client_msg_id = ?', [session, clientMsgId]);
    return row ? toMessage(row) : null;
  }

  async listMessages(questionId: string, page: Omit<Page, 'after'> & { afterSeq?: number }): Promise<MessageRecord[]> {
    const order = page.sort === 1 ? 'ASC' : 'DESC';
    const params: unknown[] = [questionId];
    let cursor = '';
    if (page.afterSeq !== undefined) {
      cursor = page.sort === 1 ? 'AND seq > ?' : 'AND seq < ?';
      params.push(page.afterSeq);
    }
    params.push(page.num, page.afterSeq !== undefined ? 0 : page.offset);
    return this.all<MessageRow>(
      `SELECT * FROM messages WHERE question_id = ? ${cursor} ORDER BY seq ${order} LIMIT ? OFFSET ?`,
      params,
    ).map(toMessage);
  }

  // ---- templates ----

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

/** ORDER BY / cursor / LIMIT for id-ordered paging; `where` and `params` are extended in place. */
function pageClause(column: string, page: Page, where: string[], params: unknown[]) {
  if (page.after !== undefined) {
    where.push(page.sort === 1 ? `${column} > ?` : `${column} < ?`);
    params.push(page.after);
  }
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const order = page.sort === 1 ? 'ASC' : 'DESC';
  return {
    clause: `${whereSql} ORDER BY ${column} ${order} LIMIT ? OFFSET ?`,
    limit: [page.num, page.after !== undefined ? 0 : page.offset],
  };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
