/**
 * Cycle metrics in the embedded store: one `cycles` row per resolution cycle, written by the
 * conversation writes inside their own transactions (openCycle, afterTransition, afterMessage), so
 * the numbers are what happened as it happened, never a scan of the history at read time. Reports
 * read them through cycles_report, an index that holds every column a report needs.
 */
import { SENDER_TYPE, STATUS } from '../../../shared/limits.js';
import { newObjectId } from '../objectId.js';
import type Database from 'better-sqlite3';
import { medianRank, p90Rank, sortGroups, utcDay } from '../cycleAggregate.js';
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
  /** kefu_ranks: "median,p90" per series, joined by ";"; null when the group has no rows. */
  ranks: string | null;
}

const DAY_S = 86_400;
/** Where kefu_ranks also puts every duration while a partitioned report runs (its statement is synchronous). */
let collecting: number[][] | null = null;

/**
 * `kefu_ranks(wait, first_response, resolution)`: a group's nearest-rank medians and p90s of the
 * three durations, as "median,p90" per series joined by ";" (empty for a series without values).
 * One call per row for all three series: SQLite streams the group's rows in; the sorts are native
 * typed-array sorts.
 */
const RANKS: Database.AggregateOptions = {
  start: () => [[], [], []] as number[][],
  // better-sqlite3 types its callbacks loosely (unknown, two arguments); these are the real ones.
  step: ((series: number[][], wait: number | null, first: number | null, resolution: number | null) => {
    // Named parameters: better-sqlite3 takes the function's arity from them.
    const values = [wait, first, resolution];
    for (let s = 0; s < 3; s++) {
      const value = values[s];
      if (value === null || value === undefined) continue;
      series[s]!.push(value);
      collecting?.[s]!.push(value);
    }
  }) as (total: unknown, next: unknown) => unknown,
  result: ((series: number[][]) =>
    series
      .map((values) => {
        if (values.length === 0) return '';
        const { median, p90 } = ranksOf(values);
        return `${median},${p90}`;
      })
      .join(';')) as (total: unknown) => unknown,
};

function ranksOf(values: number[]): { median: number; p90: number } {
  const sorted = Float64Array.from(values).sort();
  return { median: sorted[medianRank(sorted.length) - 1]!, p90: sorted[p90Rank(sorted.length) - 1]! };
}

function duration(count: number, sum: number, ranks: string): DurationAggregate {
  if (count === 0 || ranks === '') return { count: 0, sum: 0, median: null, p90: null };
  const [median, p90] = ranks.split(',').map(Number) as [number, number];
  return { count, sum, median, p90 };
}

/** The total of a partition: its groups' counts and sums added, ranks from every duration collected. */
function totalOf(groups: CycleAggregate[], all: number[][]): CycleAggregate {
  const add = (pick: (g: CycleAggregate) => number) => groups.reduce((acc, g) => acc + pick(g), 0);
  const series = (d: (g: CycleAggregate) => DurationAggregate, values: number[]): DurationAggregate =>
    values.length ? { count: values.length, sum: add((g) => d(g).sum), ...ranksOf(values) } : { count: 0, sum: 0, median: null, p90: null };
  return {
    key: null,
    asked: add((g) => g.asked),
    reopened: add((g) => g.reopened),
    served: add((g) => g.served),
    resolved: add((g) => g.resolved),
    timedOut: add((g) => g.timedOut),
    wait: series((g) => g.wait, all[0]!),
    firstResponse: series((g) => g.firstResponse, all[1]!),
    resolution: series((g) => g.resolution, all[2]!),
    ratings: { count: add((g) => g.ratings.count), sum: add((g) => g.ratings.sum), satisfied: add((g) => g.ratings.satisfied) },
  };
}

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
  ) {
    db.defineAggregate('kefu_ranks', RANKS);
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
    // One statement per report over cycles_report: SQLite counts and sums each group, and
    // kefu_ranks (RANKS) gets the group's durations to sort; one row per group comes back.
    const params = { identify: scan.identify, from: scan.from, to: scan.to };
    if (groupBy === undefined) return { groups: [], total: this.aggregates('NULL', RANGE, params)[0]! };
    const [key, from] = GROUPINGS[groupBy];
    // Days and agents partition the cycles, so the same statement collects the total's durations;
    // labels overlap (a cycle with two labels is in two groups), so their total is a statement of its own.
    const partition = groupBy !== 'label';
    const all: number[][] = [[], [], []];
    const grouped = this.aggregates(key, from, params, partition ? all : null);
    const total = partition ? totalOf(grouped, all) : this.aggregates('NULL', RANGE, params)[0]!;
    const groups = grouped.map((g) => (groupBy === 'day' ? { ...g, key: utcDay(Number(g.key) * DAY_S) } : g));
    return { groups: sortGroups(groups), total };
  }

  /** One aggregate per value of `key` over the rows of `from` (a clause ending in its WHERE); `all` collects every duration. */
  private aggregates(key: string, from: string, params: Record<string, unknown>, all: number[][] | null = null): CycleAggregate[] {
    collecting = all;
    try {
      return this.db
        .all<AggregateRow>(
          `SELECT ${key} AS k, COUNT(*) AS cycles, COUNT(CASE WHEN n = 1 THEN 1 END) AS asked, COUNT(served_at) AS served,
             COUNT(resolved_at) AS resolved, COUNT(CASE WHEN outcome = 'timed_out' THEN 1 END) AS timed_out,
             TOTAL(served_at - started_at) AS wait_sum, COUNT(first_response_at) AS first_count,
             TOTAL(first_response_at - started_at) AS first_sum, TOTAL(resolved_at - started_at) AS resolution_sum,
             COUNT(score) AS ratings, TOTAL(score) AS score_sum, COUNT(CASE WHEN score >= 4 THEN 1 END) AS satisfied,
             kefu_ranks(served_at - started_at, first_response_at - started_at, resolved_at - started_at) AS ranks
           ${from} ${key === 'NULL' ? '' : 'GROUP BY k'}`,
          params,
        )
        .map((c) => {
          const [wait, first, resolution] = (c.ranks ?? ';;').split(';') as [string, string, string];
          return {
            key: c.k === null ? null : String(c.k),
            asked: c.asked,
            reopened: c.cycles - c.asked,
            served: c.served,
            resolved: c.resolved,
            timedOut: c.timed_out,
            wait: duration(c.served, c.wait_sum, wait),
            firstResponse: duration(c.first_count, c.first_sum, first),
            resolution: duration(c.resolved, c.resolution_sum, resolution),
            ratings: { count: c.ratings, sum: c.score_sum, satisfied: c.satisfied },
          };
        });
    } finally {
      collecting = null;
    }
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
