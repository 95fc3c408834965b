/**
 * Cycle metrics in the embedded store: one `cycles` row per resolution cycle, written by the
 * conversation writes inside their own transactions (openCycle, afterTransition, afterMessage), so
 * the numbers are what happened as it happened, never a scan of the history at read time. Reports
 * read them through cycles_report, an index that holds every column a report needs.
 */
import { SENDER_TYPE, STATUS } from '../../../shared/limits.js';
import { newObjectId } from '../objectId.js';
import { aggregateCycles, medianRank, p90Rank, sortGroups, utcDay } from '../cycleAggregate.js';
import type {
  CycleAggregate,
  CycleReport,
  DurationAggregate,
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

interface AggregateRow {
  k: string | number | null;
  cycles: number;
  asked: number;
  served: number;
  resolved: number;
  timed_out: number;
  wait_sum: number;
  first_count: number;
  first_sum: number;
  resolution_sum: number;
  ratings: number;
  score_sum: number;
  satisfied: number;
}

const DAY_S = 86_400;
/** The durations of a report, by series: wait, first response, resolution. */
const SERIES = ['served_at', 'first_response_at', 'resolved_at'] as const;
/** 2^40: a group index × PACK plus milliseconds stays an exact double for 4096 groups and durations under 34 years. */
const PACK = 2 ** 40;
const MAX_PACKED_GROUPS = 4096;
/** The total's entry among the groups' ranks: no key (an agent or a label) can hold a NUL. */
const TOTAL_KEY = '\u0000total';
/** One app's cycles started in the range, from the covering index cycles_report. */
const RANGE = 'FROM cycles INDEXED BY cycles_report WHERE identify = @identify AND started_at >= @from AND started_at < @to';
/** Each grouping's key and rows: a day number (formatted after), the last agent, or each label (a row per label). */
const GROUPINGS: Record<ReportGroupBy, [key: string, from: string]> = {
  day: [`CAST(started_at / ${DAY_S} AS INTEGER)`, RANGE],
  agent: ['last_agent', RANGE],
  label: [
    'j.value',
    'FROM cycles INDEXED BY cycles_report LEFT JOIN json_each(cycles.labels) AS j WHERE identify = @identify AND started_at >= @from AND started_at < @to',
  ],
};

/** Shared by every scanned cycle whose labels are not asked for (or that has none); never mutated. */
const NO_LABELS: string[] = [];

/** The open (or, once resolved, the latest) cycle of a question: the highest n, from cycles_by_question. */
const LATEST = '(SELECT MAX(n) FROM cycles WHERE question_id = @questionId)';

export class SqliteCycles implements CycleStore {
  constructor(
    private readonly db: SqliteDb,
    private readonly outbox: SqliteOutbox,
  ) {}

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
    // Computed next to SQLite over cycles_report: a few rows per group and flat columns of numbers
    // come back to JavaScript, never a row object per cycle.
    const params = { identify: scan.identify, from: scan.from, to: scan.to };
    if (groupBy === undefined) return { groups: [], total: this.aggregates('NULL', RANGE, params, false)!.groups[0]! };
    const [key, from] = GROUPINGS[groupBy];
    // Days and agents partition the cycles, so the total comes from the same reads; labels overlap.
    const partition = groupBy !== 'label';
    const grouped = this.aggregates(key, from, params, partition);
    // More groups than the packing holds (thousands of labels): the in-memory aggregate instead.
    if (grouped === null) return aggregateCycles(await this.scanCycles({ ...scan, labels: true }), groupBy);
    const total = grouped.total ?? this.aggregates('NULL', RANGE, params, false)!.groups[0]!;
    const groups = grouped.groups.map((g) => (groupBy === 'day' ? { ...g, key: utcDay(Number(g.key) * DAY_S) } : g));
    return { groups: sortGroups(groups), total };
  }

  /**
   * One aggregate per value of `key` over the rows of `from` (a clause ending in its WHERE), and,
   * with `withTotal` (the groups partition the rows), the aggregate of them all. Null when there
   * are more groups than the packing holds.
   */
  private aggregates(key: string, from: string, params: Record<string, unknown>, withTotal: boolean): { groups: CycleAggregate[]; total: CycleAggregate | null } | null {
    const counts = this.db.all<AggregateRow>(
      `SELECT ${key} AS k, COUNT(*) AS cycles, COUNT(CASE WHEN n = 1 THEN 1 END) AS asked, COUNT(served_at) AS served,
         COUNT(resolved_at) AS resolved, COUNT(CASE WHEN outcome = 'timed_out' THEN 1 END) AS timed_out,
         TOTAL(served_at - started_at) AS wait_sum, COUNT(first_response_at) AS first_count,
         TOTAL(first_response_at - started_at) AS first_sum, TOTAL(resolved_at - started_at) AS resolution_sum,
         COUNT(score) AS ratings, TOTAL(score) AS score_sum, COUNT(CASE WHEN score >= 4 THEN 1 END) AS satisfied
       ${from} ${key === 'NULL' ? '' : 'GROUP BY k'}`,
      params,
    );
    const keys = counts.map((c) => c.k);
    if (keys.length > MAX_PACKED_GROUPS) return null;
    // Medians and p90s: each series' durations come back as one flat column of numbers, packed as
    // (group index × 2^40 + milliseconds), so one native sort orders them by group and then by
    // duration, and each group's ranks are a slice. No row objects, no sort in SQL.
    const picked = new Map<string, { median: number | null; p90: number | null }>();
    const ranks = (values: Float64Array | number[], begin: number, end: number, base: number) => {
      const at = (rank: number) => (values[begin + rank - 1]! - base) / 1000;
      return { median: at(medianRank(end - begin)), p90: at(p90Rank(end - begin)) };
    };
    if (keys.length > 0) {
      const packed = this.groupIndex(key, keys, params);
      SERIES.forEach((column, s) => {
        const values = Float64Array.from(
          this.db.column<number>(`SELECT ${packed.sql} * ${PACK} + ROUND((${column} - started_at) * 1000) ${from} AND ${column} IS NOT NULL`, packed.params),
        ).sort();
        for (let begin = 0; begin < values.length; ) {
          const g = Math.floor(values[begin]! / PACK);
          let end = begin;
          while (end < values.length && Math.floor(values[end]! / PACK) === g) end++;
          picked.set(`${s}:${packed.keyOf(g)}`, ranks(values, begin, end, g * PACK));
          begin = end;
        }
        if (withTotal && values.length) {
          const all = values.map((v) => v - Math.floor(v / PACK) * PACK).sort();
          picked.set(`${s}:${TOTAL_KEY}`, ranks(all, 0, all.length, 0));
        }
      });
    }
    const duration = (s: number, k: string | number | null, count: number, sum: number): DurationAggregate => {
      if (count === 0) return { count: 0, sum: 0, median: null, p90: null };
      const at = picked.get(`${s}:${k}`)!;
      return { count, sum, median: at.median, p90: at.p90 };
    };
    const aggregate = (c: AggregateRow, k: string | number | null): CycleAggregate => ({
      key: k === null || k === TOTAL_KEY ? null : String(k),
      asked: c.asked,
      reopened: c.cycles - c.asked,
      served: c.served,
      resolved: c.resolved,
      timedOut: c.timed_out,
      wait: duration(0, k, c.served, c.wait_sum),
      firstResponse: duration(1, k, c.first_count, c.first_sum),
      resolution: duration(2, k, c.resolved, c.resolution_sum),
      ratings: { count: c.ratings, sum: c.score_sum, satisfied: c.satisfied },
    });
    const groups = counts.map((c) => aggregate(c, c.k));
    if (!withTotal) return { groups, total: null };
    const sum = (field: keyof Omit<AggregateRow, 'k'>) => counts.reduce((acc, c) => acc + c[field], 0);
    const fields = ['cycles', 'asked', 'served', 'resolved', 'timed_out', 'wait_sum', 'first_count', 'first_sum', 'resolution_sum', 'ratings', 'score_sum', 'satisfied'] as const;
    const totalRow = Object.fromEntries([['k', null], ...fields.map((f) => [f, sum(f)])]) as unknown as AggregateRow;
    return { groups, total: aggregate(totalRow, TOTAL_KEY) };
  }

  /** An SQL expression of each row's group index (its key's place in `keys`), with its parameters. */
  private groupIndex(
    key: string,
    keys: Array<string | number | null>,
    params: Record<string, unknown>,
  ): { sql: string; params: Record<string, unknown>; keyOf: (g: number) => string | number | null } {
    if (key === 'NULL') return { sql: '0', params, keyOf: () => keys[0]! };
    // Day numbers: an offset from the first, no CASE per row.
    if (keys.every((k) => typeof k === 'number')) {
      const first = keys[0] as number;
      return { sql: `(${key} - ${Math.trunc(first)})`, params, keyOf: (g) => first + g };
    }
    const whens = keys.map((k, i) => (k === null ? `WHEN ${key} IS NULL THEN ${i}` : `WHEN ${key} = @k${i} THEN ${i}`)).join(' ');
    const bound: Record<string, unknown> = { ...params };
    keys.forEach((k, i) => {
      if (k !== null) bound[`k${i}`] = k;
    });
    return { sql: `(CASE ${whens} END)`, params: bound, keyOf: (g) => keys[g]! };
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
