/**
 * The query plans of the embedded store's lists (EXPLAIN QUERY PLAN on a migrated database): a
 * page of questions takes its ids from one index alone and reads only the page's rows, and a list
 * of one app (the usual case) is read in index order, with no sort at all.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STATUS } from '../../shared/limits.js';
import { questionPageQuery, questionSummaryPageQuery } from '../../server/stores/sqlite/conversations.js';
import { SqliteStore } from '../../server/stores/sqlite/sqliteStore.js';
import type { Page, QuestionFilter } from '../../server/stores/types.js';

const page: Page = { num: 20, offset: 0, sort: -1 };

/** The lists of the API, the index their page of ids must come from, and whether ids are sorted. */
const LISTS: Array<{ name: string; filter: QuestionFilter; page?: Page; index: string; sortsIds: boolean }> = [
  { name: "an agent's queue, one app", filter: { status: STATUS.pending, identifies: ['com.a'] }, index: 'questions_queue', sortsIds: false },
  { name: "an agent's queue, one app, after a cursor", filter: { status: STATUS.pending, identifies: ['com.a'] }, page: { ...page, after: 'ffff' }, index: 'questions_queue', sortsIds: false },
  { name: "an agent's queue, two apps", filter: { status: STATUS.pending, identifies: ['com.a', 'com.b'] }, index: 'questions_queue', sortsIds: true },
  { name: "an agent's queue by label", filter: { status: STATUS.pending, identifies: ['com.a'], label: 'vip' }, index: 'questions_queue', sortsIds: false },
  { name: "an agent's tasks", filter: { status: STATUS.inProgress, servId: 's1', identifies: ['com.a'] }, page: { ...page, sort: 1 }, index: 'questions_by_serv', sortsIds: false },
  { name: "a user's questions by status", filter: { status: STATUS.pending, userId: 'u1', identifies: ['com.a'] }, index: 'questions_by_user', sortsIds: false },
  { name: "all of a user's questions", filter: { userId: 'u1', identifies: ['com.a'] }, index: 'questions_by_user', sortsIds: true },
];

function assertPagePlan(list: (typeof LISTS)[number], steps: string[]): void {
  assert.ok(steps.includes('SEARCH q USING PRIMARY KEY (id=?)'), steps.join('\n'));
  assert.ok(steps.some((s) => s.startsWith(`SEARCH questions USING COVERING INDEX ${list.index} `)), steps.join('\n'));
  assert.equal(steps.includes('USE TEMP B-TREE FOR ORDER BY'), list.sortsIds, steps.join('\n'));
  // Whatever is sorted is the ids of the subquery: the outer query never sorts rows.
  assert.ok(!steps.some((s) => s.startsWith('SCAN q')), steps.join('\n'));
}

describe('SQLite query plans of the lists', () => {
  let dataDir: string;
  let db: Database.Database;
  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-plans-'));
    await new SqliteStore({ dataDir }).close();
    db = new Database(path.join(dataDir, 'kefu.sqlite3'), { readonly: true });
  });
  after(() => {
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const plan = ({ sql, params }: { sql: string; params: unknown[] }) =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as Array<{ detail: string }>).map((row) => row.detail);

  for (const list of LISTS) {
    it(`${list.name}: ids from ${list.index} alone, then the page's rows by primary key`, () => {
      assertPagePlan(list, plan(questionPageQuery(list.filter, list.page ?? page)));
    });
  }

  for (const list of LISTS) {
    it(`${list.name}, as summaries: the same plan, each row's user by its key`, () => {
      const steps = plan(questionSummaryPageQuery(list.filter, list.page ?? page));
      assertPagePlan(list, steps);
      assert.ok(steps.includes('SEARCH u USING INDEX sqlite_autoindex_users_1 (user_id=?) LEFT-JOIN'), steps.join('\n'));
    });
  }
});
