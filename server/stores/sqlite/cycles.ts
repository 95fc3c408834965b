/**
 * Cycle metrics in the embedded store: one `cycles` row per resolution cycle, written by the
 * conversation writes inside their own transactions (openCycle, afterTransition, afterMessage), so
 * the numbers are what happened as it happened, never a scan of the history at read time. Reports
 * read them through cycles_report, an index that holds every column a report needs.
 */
import { SENDER_TYPE, STATUS } from '../../../shared/limits.js';
import { newObjectId } from '../objectId.js';
import { ReportFold } from '../reportFold.js';
import type {
  CycleReport,
  ReportGroupBy,
  CycleFacts,
  CycleOutcome,
  CycleRecord,
  CycleScan,
  CycleStore,
  NewMessage,
  NewRating,
  RatingRefusal,
  Seconds,
  TransitionWrite,
} from '../types.js';
import type { SqliteDb } from './db.js';
import type { SqliteOutbox } from './outbox.js';
import type { QuestionRow } from './rows.js';

interface CycleRow {
  id: string;
  question_id: string;
  n: number;
  identify: string;
  labels: string;
  started_at: number;
  served_at: number | null;
  first_response_at: number | null;
  resolved_at: number | null;
  outcome: string | null;
  user_messages: number;
  agent_messages: number;
  agents: string;
  last_agent: string | null;
  score: number | null;
  comment: string | null;
  rated_at: number | null;
}

function toCycle(row: CycleRow): CycleRecord {
  return {
    id: row.id,
    questionId: row.question_id,
    identify: row.identify,
    n: row.n,
    labels: JSON.parse(row.labels) as string[],
    startedAt: row.started_at,
    servedAt: row.served_at,
    firstResponseAt: row.first_response_at,
    resolvedAt: row.resolved_at,
    outcome: row.outcome as CycleOutcome | null,
    userMessages: row.user_messages,
    agentMessages: row.agent_messages,
    agents: JSON.parse(row.agents) as string[],
    lastAgent: row.last_agent,
    rating: row.rated_at === null ? null : { score: row.score!, comment: row.comment ?? '', ratedAt: row.rated_at },
  };
}

const DAY_S = 86_400;

/**
 * Each grouping's partition key, as reportFold.ts's partitionOf computes it: the day number, the
 * last agent, or the label set as stored.
 */
const PARTITIONS: Record<ReportGroupBy | 'none', string> = {
  none: 'NULL',
  day: `CAST(started_at / ${DAY_S} AS INTEGER)`,
  agent: 'last_agent',
  label: 'labels',
};

/** Shared by every scanned cycle whose labels are not asked for (or that has none); never mutated. */
const NO_LABELS: string[] = [];

/** The open (or, once resolved, the latest) cycle of a question: the highest n, from cycles_by_question. */
const LATEST = '(SELECT MAX(n) FROM cycles WHERE question_id = @questionId)';

export class SqliteCycles implements CycleStore {
  /** The report kefu_fold feeds while its statement runs (statements run synchronously, one at a time). */
  private folding: ReportFold | null = null;

  constructor(
    private readonly db: SqliteDb,
    private readonly outbox: SqliteOutbox,
  ) {
    // kefu_fold(key, n, wait, first_response, resolution, timed_out, score): one call per cycle row,
    // straight into the fold; a row costs a call and a few pushes, with no sort in SQLite.
    db.defineAggregate('kefu_fold', {
      start: null,
      // better-sqlite3 types its callbacks loosely (unknown, two arguments); these are the real ones.
      step: ((_total: null, key: string | number | null, n: number, wait: number | null, first: number | null, resolution: number | null, timedOut: number | null, score: number | null) => {
        // Named parameters: better-sqlite3 takes the function's arity from them.
        this.folding!.add(key, n, wait, first, resolution, timedOut, score);
      }) as (total: unknown, next: unknown) => unknown,
    });
  }

  // ---- in-transaction helpers for the conversation writes ----

  /** Starts cycle n of a question (its ask, or a reopen); inside the write that causes it. */
  openCycle(question: QuestionRow, n: number, now: Seconds): void {
    this.db.run(
      `INSERT INTO cycles (id, question_id, n, identify, labels, started_at) VALUES (?, ?, ?, ?, ?, ?)`,
      [newObjectId(now * 1000), question.id, n, question.identify, question.labels, now],
    );
  }

  /**
   * Applies a transition to the cycles, from the question as the write left it: a reopen opens the
   * next cycle; a question left in progress with an agent records the cycle's first serve and the
   * agent; a resolution ends the cycle with its outcome.
   */
  afterTransition(row: QuestionRow, write: TransitionWrite): void {
    const questionId = row.id;
    if (write.cycle?.opens) {
      const latest = this.db.get<{ n: number | null }>('SELECT MAX(n) AS n FROM cycles WHERE question_id = ?', [questionId]);
      this.openCycle(row, (latest?.n ?? 0) + 1, write.now);
    }
    if (row.status === STATUS.inProgress && row.serv_id !== null) {
      this.db.run(
        `UPDATE cycles SET served_at = COALESCE(served_at, @now), last_agent = @servId,
           agents = CASE WHEN EXISTS (SELECT 1 FROM json_each(agents) WHERE value = @servId) THEN agents
                         ELSE json_insert(agents, '$[#]', @servId) END
         WHERE question_id = @questionId AND n = ${LATEST} AND resolved_at IS NULL`,
        { now: write.now, servId: row.serv_id, questionId },
      );
    }
    if (row.status === STATUS.resolved) {
      this.db.run(
        `UPDATE cycles SET resolved_at = @now, outcome = @outcome, last_agent = COALESCE(@servId, last_agent)
         WHERE question_id = @questionId AND n = ${LATEST} AND resolved_at IS NULL`,
        { now: write.now, outcome: write.cycle?.ends ?? 'finished', servId: row.serv_id, questionId },
      );
    }
  }

  /** Counts a chat message in the open cycle; the first agent message is the cycle's first response. */
  afterMessage(questionId: string, input: NewMessage): void {
    const agent = input.senderType === SENDER_TYPE.agent;
    // Every appended message is text, image or audio (notices are transitions, notes another store),
    // so every agent message answers.
    const answers = agent;
    this.db.run(
      `UPDATE cycles SET ${agent ? 'agent_messages = agent_messages + 1' : 'user_messages = user_messages + 1'}
         ${answers ? ', first_response_at = COALESCE(first_response_at, @now)' : ''}
       WHERE question_id = @questionId AND n = ${LATEST} AND resolved_at IS NULL`,
      { now: input.now, questionId },
    );
  }

  // ---- the subject ----

  async listCycles(questionId: string): Promise<CycleRecord[]> {
    return this.db.all<CycleRow>('SELECT * FROM cycles WHERE question_id = ? ORDER BY n', [questionId]).map(toCycle);
  }

  async getCycle(id: string): Promise<CycleRecord | null> {
    const row = this.db.get<CycleRow>('SELECT * FROM cycles WHERE id = ?', [id]);
    return row ? toCycle(row) : null;
  }

  async rate(rating: NewRating): Promise<CycleRecord | RatingRefusal> {
    return this.db.write((): CycleRecord | RatingRefusal => {
      // One conditional write: the question resolved and the user's, its latest cycle ended and unrated.
      const row = this.db.get<CycleRow>(
        `UPDATE cycles SET score = @score, comment = @comment, rated_at = @now
         WHERE question_id = @questionId AND n = ${LATEST} AND resolved_at IS NOT NULL AND rated_at IS NULL
           AND EXISTS (SELECT 1 FROM questions WHERE id = @questionId AND status = ${STATUS.resolved} AND user_id = @userId)
         RETURNING *`,
        { score: rating.score, comment: rating.comment, now: rating.now, questionId: rating.questionId, userId: rating.userId },
      );
      if (!row) {
        const question = this.db.get<{ status: number; user_id: string }>('SELECT status, user_id FROM questions WHERE id = ?', [rating.questionId]);
        return question?.status === STATUS.resolved && question.user_id === rating.userId ? 'already_rated' : 'not_resolved';
      }
      this.outbox.recordEvent({
        id: row.id,
        type: 'question.rated',
        questionId: row.question_id,
        messageId: null,
        previous: null,
        to: null,
        createdAt: rating.now,
      });
      return toCycle(row);
    });
  }

  async reportCycles(scan: CycleScan, groupBy?: ReportGroupBy): Promise<CycleReport> {
    // One pass over a range of cycles_report: SQLite reads the index and computes each row's
    // durations; the fold groups, counts and ranks them.
    const fold = new ReportFold(groupBy);
    this.folding = fold;
    try {
      this.db.get(
        `SELECT kefu_fold(${PARTITIONS[groupBy ?? 'none']}, n, served_at - started_at, first_response_at - started_at,
           resolved_at - started_at, outcome = 'timed_out', score)
         FROM cycles INDEXED BY cycles_report WHERE identify = @identify AND started_at >= @from AND started_at < @to`,
        { identify: scan.identify, from: scan.from, to: scan.to },
      );
    } finally {
      this.folding = null;
    }
    return fold.report();
  }

  async scanCycles(scan: CycleScan): Promise<CycleFacts[]> {
    // Covered by cycles_report (identify, started_at, …): a range of one index, no table rows.
    const rows = this.db.all<{
      started_at: number;
      n: number;
      served_at: number | null;
      first_response_at: number | null;
      resolved_at: number | null;
      outcome: string | null;
      last_agent: string | null;
      labels: string;
      score: number | null;
    }>(
      `SELECT started_at, n, served_at, first_response_at, resolved_at, outcome, last_agent, labels, score
       FROM cycles INDEXED BY cycles_report WHERE identify = ? AND started_at >= ? AND started_at < ?`,
      [scan.identify, scan.from, scan.to],
    );
    return rows.map((r) => ({
      startedAt: r.started_at,
      n: r.n,
      servedAt: r.served_at,
      firstResponseAt: r.first_response_at,
      resolvedAt: r.resolved_at,
      outcome: r.outcome as CycleOutcome | null,
      lastAgent: r.last_agent,
      labels: !scan.labels || r.labels === '[]' ? NO_LABELS : (JSON.parse(r.labels) as string[]),
      score: r.score,
    }));
  }
}
