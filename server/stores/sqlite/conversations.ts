/**
 * Questions, their transitions and their messages in the embedded store. Each write records its
 * outbox event (through the outbox object) in the same transaction.
 */
import { MESSAGE_TYPE, type QuestionStatus } from '../../../shared/limits.js';
import { newObjectId } from '../objectId.js';
import type {
  AppendResult,
  ConversationStore,
  MessageRecord,
  NewMessage,
  NewQuestion,
  Page,
  QuestionFilter,
  QuestionRecord,
  QuestionSummaryRecord,
  SendGuard,
  TimeoutScan,
  TransitionRefusal,
  TransitionResult,
  TransitionWrite,
} from '../types.js';
import { IN_LIST, pageClause, stripUndefined, type SqliteDb } from './db.js';
import type { SqliteCycles } from './cycles.js';
import type { SqliteOutbox } from './outbox.js';
import { MESSAGE_COLUMNS, toMessage, toQuestion, toSummary, type MessageRow, type QuestionRow, type SummaryRow } from './rows.js';

/**
 * A summary's columns and its user's in one statement: half the values of a whole question row and
 * a user row, each a V8 value better-sqlite3 creates, and one statement (one read transaction) less.
 */
const SUMMARY_SELECT = `SELECT q.id, q.identify, q.user_id, q.title, q.labels, q.created_at,
  q.last_mess_text, q.last_mess_timestamp, q.last_mess_sender, q.last_mess_sender_type,
  u.name AS user_name, u.image_url AS user_image_url
  FROM questions q LEFT JOIN users u ON u.user_id = q.user_id`;

export class SqliteConversations implements ConversationStore {
  constructor(
    private readonly db: SqliteDb,
    private readonly outbox: SqliteOutbox,
    private readonly cycles: SqliteCycles,
  ) {}

  async createQuestion(input: NewQuestion): Promise<QuestionRecord> {
    const id = newObjectId(input.now * 1000);
    return this.db.write(() => {
      this.db.run(
        `INSERT INTO questions (id, identify, user_id, title, labels, status, serv_id, created_at, status_at,
           last_activity_at, finish_requested_at, last_seq)
         VALUES (?, ?, ?, ?, ?, 1, NULL, ?, ?, ?, NULL, 0)`,
        [id, input.identify, input.userId, input.title, JSON.stringify(input.labels), input.now, input.now, input.now],
      );
      for (const label of new Set(input.labels)) this.db.run('INSERT INTO question_labels (label, question_id) VALUES (?, ?)', [label, id]);
      this.outbox.recordEvent({ id, type: 'question.created', questionId: id, messageId: null, previous: null, to: null, createdAt: input.now });
      const row = this.db.get<QuestionRow>('SELECT * FROM questions WHERE id = ?', [id])!;
      this.cycles.openCycle(row, 1, input.now);
      return toQuestion(row);
    });
  }

  async getQuestion(id: string): Promise<QuestionRecord | null> {
    const row = this.db.get<QuestionRow>('SELECT * FROM questions WHERE id = ?', [id]);
    return row ? toQuestion(row) : null;
  }

  async listQuestions(filter: QuestionFilter, page: Page): Promise<QuestionRecord[]> {
    const { sql, params } = questionPageQuery(filter, page);
    return this.db.all<QuestionRow>(sql, params).map(toQuestion);
  }

  async listQuestionSummaries(filter: QuestionFilter, page: Page): Promise<QuestionSummaryRecord[]> {
    const { sql, params } = questionSummaryPageQuery(filter, page);
    return this.db.all<SummaryRow>(sql, params).map(toSummary);
  }

  async transition(
    write: TransitionWrite,
    previous: { status: QuestionStatus; servId: string | null },
  ): Promise<TransitionResult | TransitionRefusal> {
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
    if (write.notQuitBy !== undefined) {
      conditions.push('(quit_serv_id IS NULL OR quit_serv_id <> @notQuitBy)');
      params.notQuitBy = write.notQuitBy;
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
    if (write.setQuitServId !== undefined) {
      sets.push('quit_serv_id = @setQuitServId');
      params.setQuitServId = write.setQuitServId;
    }
    // The agent a question enters in-progress with was just given it (auto-assign's "idle since").
    const givenTo = write.to === 2 && write.setServId ? write.setServId : null;

    return this.db.write((): TransitionResult | TransitionRefusal => {
      // Writes are serialized (one transaction at a time, across processes too), so the count read
      // here is still true when the update below commits: no other serve can land in between.
      if (write.withinCapacity && write.setServId && this.atCapacity(write.setServId)) return 'at_capacity';
      const row = this.db.get<QuestionRow>(
        `UPDATE questions SET ${sets.join(', ')} WHERE ${conditions.join(' AND ')} RETURNING *`,
        params,
      );
      if (!row) return null;
      if (givenTo !== null) this.db.run('UPDATE agents SET last_assigned_at = ? WHERE serv_id = ?', [write.now, givenTo]);
      const notice = this.insertMessage({
        id: newObjectId(write.now * 1000),
        questionId: row.id,
        seq: row.last_seq,
        sender: write.notice.sender,
        senderType: write.notice.senderType,
        type: MESSAGE_TYPE.notice,
        createdAt: write.now,
        action: write.notice.action,
        ...(write.notice.fromServId !== undefined && { fromServId: write.notice.fromServId }),
        ...(write.notice.servId !== undefined ? { servId: write.notice.servId } : {}),
      });
      this.outbox.recordEvent({
        id: notice.id,
        type: 'question.transitioned',
        questionId: row.id,
        messageId: notice.id,
        previous,
        to: { status: row.status as QuestionStatus, servId: row.serv_id },
        createdAt: write.now,
      });
      this.cycles.afterTransition(row, write);
      return { question: toQuestion(row), notice };
    });
  }

  /**
   * Whether the agent already serves as many questions as its max_concurrent allows (0: no limit);
   * inside a write. The load is counted only under a limit, and only up to it, so a serve by an
   * unlimited agent with thousands of questions costs one primary-key read.
   */
  private atCapacity(servId: string): boolean {
    const agent = this.db.get<{ max_concurrent: number }>('SELECT max_concurrent FROM agents WHERE serv_id = ?', [servId]);
    if (!agent || agent.max_concurrent <= 0) return false;
    const load = this.db.get<{ load: number }>(
      'SELECT COUNT(*) AS load FROM (SELECT 1 FROM questions WHERE serv_id = ? AND status = 2 LIMIT ?)',
      [servId, agent.max_concurrent],
    );
    return (load?.load ?? 0) >= agent.max_concurrent;
  }

  async loadsOf(servIds: string[]): Promise<Map<string, number>> {
    const loads = new Map(servIds.map((servId) => [servId, 0]));
    const rows = this.db.all<{ serv_id: string; load: number }>(
      `SELECT serv_id, COUNT(*) AS load FROM questions WHERE serv_id ${IN_LIST} AND status = 2 GROUP BY serv_id`,
      [JSON.stringify(servIds)],
    );
    for (const row of rows) loads.set(row.serv_id, row.load);
    return loads;
  }

  async scanTimeouts(scan: TimeoutScan): Promise<{ pending: string[]; idle: string[]; finishRequested: string[] }> {
    const ids = (sql: string, params: unknown[]) => this.db.all<{ id: string }>(sql, params).map((r) => r.id);
    return {
      pending: ids('SELECT id FROM questions WHERE status = 1 AND status_at < ? LIMIT ?', [scan.pendingSince, scan.limit]),
      idle: ids('SELECT id FROM questions WHERE status = 2 AND last_activity_at < ? LIMIT ?', [scan.idleSince, scan.limit]),
      finishRequested: ids('SELECT id FROM questions WHERE status = 2 AND finish_requested_at < ? LIMIT ?', [
        scan.finishRequestedSince,
        scan.limit,
      ]),
    };
  }

  async queueDepths(): Promise<Map<string, number>> {
    // One count per app over questions_queue (status, identify, id).
    const rows = this.db.all<{ identify: string; depth: number }>(
      'SELECT a.identify, (SELECT COUNT(*) FROM questions q WHERE q.status = 1 AND q.identify = a.identify) AS depth FROM apps a',
      [],
    );
    return new Map(rows.map((row) => [row.identify, row.depth]));
  }

  // ---- messages ----

  private insertMessage(message: MessageRecord & { sessionDigest?: string; clientMsgId?: string }): MessageRecord {
    this.db.run(
      `INSERT INTO messages (id, question_id, seq, sender, sender_type, type, created_at, text, media_path, audio_len,
         action, from_serv_id, serv_id, session_digest, client_msg_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
        message.fromServId ?? null,
        message.servId ?? null,
        message.sessionDigest ?? null,
        message.clientMsgId ?? null,
      ],
    );
    const { sessionDigest: _sessionDigest, clientMsgId: _clientMsgId, ...record } = message;
    return record;
  }

  async appendMessage(input: NewMessage, guard: SendGuard): Promise<AppendResult | null> {
    return this.db.write(() => {
      if (input.clientMsgId !== undefined) {
        const earlier = this.db.get<MessageRow>('SELECT * FROM messages WHERE session_digest = ? AND client_msg_id = ?', [
          input.sessionDigest,
          input.clientMsgId,
        ]);
        if (earlier) {
          const question = this.db.get<QuestionRow>('SELECT * FROM questions WHERE id = ?', [earlier.question_id])!;
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
      const clearFinish = input.cancelsFinishRequest ? ', finish_requested_at = NULL' : '';
      const row = this.db.get<QuestionRow>(
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
        sessionDigest: input.sessionDigest,
        clientMsgId: input.clientMsgId,
      });
      this.outbox.recordEvent({
        id: message.id,
        type: 'message.created',
        questionId: row.id,
        messageId: message.id,
        previous: null,
        to: null,
        createdAt: input.now,
      });
      this.cycles.afterMessage(row.id, input);
      return { message: stripUndefined(message), question: toQuestion(row), duplicate: false };
    });
  }

  async getMessage(id: string): Promise<MessageRecord | null> {
    const row = this.db.get<MessageRow>('SELECT * FROM messages WHERE id = ?', [id]);
    return row ? toMessage(row) : null;
  }

  async findMessageByClientId(sessionDigest: string, clientMsgId: string): Promise<MessageRecord | null> {
    const row = this.db.get<MessageRow>('SELECT * FROM messages WHERE session_digest = ? AND client_msg_id = ?', [
      sessionDigest,
      clientMsgId,
    ]);
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
    return this.db.all<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE question_id = ? ${cursor} ORDER BY seq ${order} LIMIT ? OFFSET ?`,
      params,
    ).map(toMessage);
  }
}

/**
 * The statement of one page of questions. The page's ids come from one of the questions_* indexes
 * alone (each holds the columns its lists filter on), sorted without their rows; only the page's
 * rows are read (`q.id IN (…)` walks that sorted list, so the outer ORDER BY sorts nothing). One
 * app, the usual case, is an equality, so the index order is the page order and LIMIT stops early.
 * `select` names the columns read for each of the page's rows (alias `q`, with any joins).
 * test/stores/sqlitePlans.test.ts checks the plans.
 */
export function questionPageQuery(filter: QuestionFilter, page: Page, select = 'SELECT q.* FROM questions q'): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.status !== undefined) {
    where.push('status = ?');
    params.push(filter.status);
  }
  if (filter.identifies !== undefined) {
    const [only, ...more] = filter.identifies;
    const one = only !== undefined && more.length === 0;
    where.push(one ? 'identify = ?' : `identify ${IN_LIST}`);
    params.push(one ? only : JSON.stringify(filter.identifies));
  }
  if (filter.userId !== undefined) {
    where.push('user_id = ?');
    params.push(filter.userId);
  }
  if (filter.servId !== undefined) {
    where.push('serv_id = ?');
    params.push(filter.servId);
  }
  if (filter.label !== undefined) {
    where.push('id IN (SELECT question_id FROM question_labels WHERE label = ?)');
    params.push(filter.label);
  }
  const { clause, limit } = pageClause('id', page, where, params);
  const order = page.sort === 1 ? 'ASC' : 'DESC';
  return { sql: `${select} WHERE q.id IN (SELECT id FROM questions ${clause}) ORDER BY q.id ${order}`, params: [...params, ...limit] };
}

/** The statement of one page of summaries: questionPageQuery's page with a summary's columns and its user's. */
export function questionSummaryPageQuery(filter: QuestionFilter, page: Page): { sql: string; params: unknown[] } {
  return questionPageQuery(filter, page, SUMMARY_SELECT);
}
