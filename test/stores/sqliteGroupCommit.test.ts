/**
 * Group commit in the embedded store (server/stores/sqlite/groupCommit.ts): writes issued together
 * share one transaction, each in its own savepoint, and are answered only after the shared COMMIT.
 * `stats.commits` counts transactions, i.e. fsyncs under synchronous=FULL.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import { MAX_BATCH_MS, MAX_BATCH_WRITES, SqliteDb } from '../../server/stores/sqlite/db.js';
import { SqliteStore } from '../../server/stores/sqlite/sqliteStore.js';
import { newQuestion, serve, sessionFor, T0, USER_GUARD, userText } from './contract/support.js';

describe('SQLite store: group commit', function () {
  this.timeout(60_000);
  let dataDir: string;
  let store: SqliteStore;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-gcommit-'));
    store = new SqliteStore({ dataDir });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The seqs of a question's messages, oldest first, read from a second connection (what is on disk). */
  function seqsOnDisk(questionId: string): number[] {
    const reader = new Database(path.join(dataDir, 'kefu.sqlite3'), { readonly: true });
    try {
      return (reader.prepare('SELECT seq FROM messages WHERE question_id = ? ORDER BY seq').all(questionId) as Array<{ seq: number }>).map((r) => r.seq);
    } finally {
      reader.close();
    }
  }

  it('commits 100 concurrent appends in one transaction (a few at most); with groupCommit off, in 100', async () => {
    const q = await newQuestion(store);
    const before = store.stats;
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => store.conversations.appendMessage(userText(q.id, `m${i}`), USER_GUARD)));
    assert.deepEqual(results.map((r) => r!.message.seq), Array.from({ length: 100 }, (_, i) => i + 1));
    // One commit, or a few when a busy machine stretches the batch past MAX_BATCH_MS.
    assert.ok(store.stats.commits - before.commits <= 5, `${store.stats.commits - before.commits} commits`);
    assert.equal(store.stats.writes - before.writes, 100);
    assert.deepEqual(seqsOnDisk(q.id), Array.from({ length: 100 }, (_, i) => i + 1));

    const alone = new SqliteStore({ dataDir, groupCommit: false });
    try {
      const start = alone.stats.commits;
      await Promise.all(Array.from({ length: 100 }, (_, i) => alone.conversations.appendMessage(userText(q.id, `n${i}`), USER_GUARD)));
      assert.equal(alone.stats.commits - start, 100);
    } finally {
      await alone.close();
    }
    assert.equal(seqsOnDisk(q.id).length, 200);
  });

  it('answers a write only once its commit is on disk', async () => {
    const q = await newQuestion(store);
    const pending = store.conversations.appendMessage(userText(q.id, 'later'), USER_GUARD);
    // Queued, not yet run: another connection sees nothing.
    assert.deepEqual(seqsOnDisk(q.id), []);
    const result = (await pending)!;
    assert.deepEqual(seqsOnDisk(q.id), [1]);
    assert.deepEqual(await store.conversations.getMessage(result.message.id), result.message);
  });

  it('rolls back a failing write alone: a unique violation and a guard that matches nothing leave their neighbours committed', async () => {
    const q = await newQuestion(store);
    const closed = await newQuestion(store, { userId: 'u2' });
    await store.accounts.createSession(sessionFor('TOKEN0000001'));
    const before = store.stats;
    const [first, duplicate, unmatched, last] = await Promise.allSettled([
      store.conversations.appendMessage(userText(q.id, 'first'), USER_GUARD),
      store.accounts.createSession(sessionFor('TOKEN0000001', { userId: 'someone else' })),
      store.conversations.appendMessage(userText(closed.id, 'not the asker'), USER_GUARD),
      store.conversations.appendMessage(userText(q.id, 'last'), USER_GUARD),
    ]);
    assert.equal(store.stats.commits - before.commits, 1, 'one shared commit');
    assert.equal(duplicate.status, 'rejected');
    assert.match(String((duplicate as PromiseRejectedResult).reason), /UNIQUE constraint failed/);
    assert.deepEqual(unmatched, { status: 'fulfilled', value: null });
    assert.deepEqual([first, last].map((r) => r.status === 'fulfilled' && r.value!.message.seq), [1, 2]);
    assert.deepEqual(seqsOnDisk(q.id), [1, 2]);
    assert.equal((await store.accounts.getSession(sessionFor('TOKEN0000001').digest))!.userId, 'u1');
    assert.equal(store.stats.rolledBack - before.rolledBack, 1);
  });

  it('undoes all of a failed write, also the statements before the one that failed', async () => {
    const db = new SqliteDb({ dataDir });
    try {
      const insertApp = (identify: string) => db.run('INSERT INTO apps (identify, name, created_at) VALUES (?, ?, ?)', [identify, identify, T0]);
      await db.write(() => insertApp('com.taken'));
      const outcomes = await Promise.allSettled([
        db.write(() => insertApp('com.before')),
        db.write(() => {
          insertApp('com.partial');
          insertApp('com.taken');
        }),
        db.write(() => insertApp('com.after')),
      ]);
      assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
      const apps = db.all<{ identify: string }>('SELECT identify FROM apps ORDER BY identify').map((r) => r.identify);
      assert.deepEqual(apps, ['com.after', 'com.before', 'com.taken']);
    } finally {
      db.close();
    }
  });

  it('fails every write of a transaction SQLite abandons (here an op rolls it back itself); the writes queued after it still commit', async () => {
    const db = new SqliteDb({ dataDir });
    try {
      const insertApp = (identify: string) => db.run('INSERT INTO apps (identify, name, created_at) VALUES (?, ?, ?)', [identify, identify, T0]);
      const outcomes = await Promise.allSettled([
        db.write(() => insertApp('com.lost')),
        db.write(() => db.run('ROLLBACK')),
        db.write(() => insertApp('com.next')),
      ]);
      assert.deepEqual(outcomes.map((o) => o.status), ['rejected', 'rejected', 'fulfilled']);
      assert.deepEqual(db.all<{ identify: string }>('SELECT identify FROM apps').map((r) => r.identify), ['com.next']);
    } finally {
      db.close();
    }
  });

  it('keeps exactly one winner of 20 concurrent serves that share one commit', async () => {
    const q = await newQuestion(store);
    const before = store.stats.commits;
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => serve(store, q.id, `s${i}`)));
    assert.ok(store.stats.commits - before <= 2, `${store.stats.commits - before} commits`);
    const winners = results.filter((r) => r.status === 'fulfilled');
    assert.equal(winners.length, 1);
    assert.deepEqual(seqsOnDisk(q.id), [1]);
  });

  it('bounds a batch: at most MAX_BATCH_WRITES writes, and no new write once MAX_BATCH_MS of work is spent', async () => {
    const q = await newQuestion(store);
    let before = store.stats.commits;
    const many = 2 * MAX_BATCH_WRITES + 50;
    await Promise.all(Array.from({ length: many }, (_, i) => store.conversations.appendMessage(userText(q.id, `m${i}`), USER_GUARD)));
    assert.ok(store.stats.commits - before >= 3, `${store.stats.commits - before} commits for ${many} writes`);
    assert.deepEqual(seqsOnDisk(q.id), Array.from({ length: many }, (_, i) => i + 1));

    const db = new SqliteDb({ dataDir });
    try {
      before = db.stats.commits;
      const slow = db.write(() => {
        const until = performance.now() + MAX_BATCH_MS + 5;
        while (performance.now() < until);
        return 'slow';
      });
      const quick = [db.write(() => 'a'), db.write(() => 'b')];
      assert.deepEqual(await Promise.all([slow, ...quick]), ['slow', 'a', 'b']);
      assert.equal(db.stats.commits - before, 2, 'the slow write commits alone, the others in the next flush');
    } finally {
      db.close();
    }
  });

  it('refuses a write inside a write and a statement outside one', async () => {
    const db = new SqliteDb({ dataDir });
    try {
      let inner: Promise<unknown> | undefined;
      await db.write(() => {
        inner = db.write(() => 1);
      });
      await assert.rejects(inner!, /inside a write/);
      assert.throws(() => db.run('DELETE FROM apps'), /inside a write/);
    } finally {
      db.close();
    }
  });

  it('commits what is still queued when the store closes', async () => {
    const q = await newQuestion(store);
    const pending = store.conversations.appendMessage(userText(q.id, 'at close'), USER_GUARD);
    await store.close();
    assert.equal((await pending)!.message.seq, 1);
    assert.deepEqual(seqsOnDisk(q.id), [1]);
    await assert.rejects(store.conversations.appendMessage(userText(q.id, 'after close'), USER_GUARD), /closed/);
  });

  it('two processes appending to one question at once: every append stored once, seq gapless', async () => {
    const q = await newQuestion(store);
    const script = `
      const { SqliteStore } = await import(${JSON.stringify(path.resolve('server/stores/sqlite/sqliteStore.ts'))});
      const { userText, USER_GUARD } = await import(${JSON.stringify(path.resolve('test/stores/contract/support.ts'))});
      const store = new SqliteStore({ dataDir: process.argv[1] });
      for (let round = 0; round < 20; round++) {
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.conversations.appendMessage(userText(process.argv[2], 'child ' + round + '.' + i), USER_GUARD)));
      }
      console.log(store.stats.commits);
      await store.close();`;
    let childDone = false;
    const child = promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dataDir, q.id]).finally(() => {
      childDone = true;
    });
    // The parent keeps appending until the child has finished, so the two contend for the lock
    // (who gets it when is SQLite's busy handler's choice, so no interleaving is asserted).
    let parentSends = 0;
    for (let round = 0; !childDone || round < 10; round++) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.conversations.appendMessage(userText(q.id, `parent ${round}.${i}`), USER_GUARD)));
      parentSends += 20;
    }
    const childCommits = Number((await child).stdout.trim());
    assert.ok(childCommits >= 20 && childCommits < 400, String(childCommits));
    const total = parentSends + 400;
    assert.deepEqual(seqsOnDisk(q.id), Array.from({ length: total }, (_, i) => i + 1));
    const texts = (await store.conversations.listMessages(q.id, { sort: 1, num: total, offset: 0 })).map((m) => m.text!);
    assert.equal(new Set(texts).size, total);
  });
});
