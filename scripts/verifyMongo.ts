/**
 * `npm run verify:mongo`: checks the MongoDB store against the deployment MONGODB_URI names, before
 * the first deploy. Three steps, each reported:
 * 1. the store contract suite and the MongoDB-only tests (test/stores/mongo.test.ts: both write
 *    modes, two stores on one database racing, migration, crash recovery), each on a scratch
 *    database it drops;
 * 2. `explain("executionStats")` of every hot query (server/stores/mongo/hotQueries.ts) on a scratch
 *    database with the store's indexes and a few documents: any COLLSCAN or in-memory SORT fails;
 *    `--live` explains against the URI's own database as it is instead (read-only);
 * 3. a short report. Exit 0: all verified; 1: something failed; 2: nothing verified (no MONGODB_URI).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Types } from 'mongoose';
import { openConnection } from '../server/stores/mongo/connection.js';
import { hotQueries } from '../server/stores/mongo/hotQueries.js';
import type { Models } from '../server/stores/mongo/models.js';
import { migrate } from '../server/stores/mongo/migrations.js';
import { readPlan } from '../server/stores/mongo/planCheck.js';

/** The exit code when no deployment was named: distinct from success, so no pipeline mistakes it for one. */
const NOTHING_VERIFIED = 2;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function runContractSuite(uri: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/mocha/bin/mocha.js'), 'test/stores/mongo.test.ts'], {
      cwd: ROOT,
      env: { ...process.env, MONGODB_URI: uri },
      stdio: 'inherit',
    });
    child.on('exit', (code) => resolve(code === 0));
    child.on('error', () => resolve(false));
  });
}

/** A few documents per collection, so the planner has something to choose with. */
async function seed(models: Models, now: number): Promise<void> {
  const db = models.Question.db.db!;
  const question = (i: number) => ({
    _id: new Types.ObjectId(), identify: `com.${i % 3}`, user_id: `u${i % 5}`, title: 't', labels: [`l${i % 2}`], status: (i % 3) + 1,
    serv_id: i % 3 === 0 ? null : `s${i % 4}`, created_at: now - i, status_at: now - i, last_activity_at: now - i,
    finish_requested_at: i % 7 === 0 ? now - i : null, last_seq: 0, last_mess_text: null, last_mess_timestamp: null,
    last_mess_sender: null, last_mess_sender_type: null, pending: [],
  });
  await db.collection('questions').insertMany(Array.from({ length: 50 }, (_, i) => question(i)));
  await db.collection('outbox').insertMany(Array.from({ length: 20 }, (_, i) => ({
    _id: `d${i}` as never, payload: '{}', attempts: 0, next_attempt_at: i % 5 === 0 ? null : now - i, leased_until: null, lease: null, created_at: now - i, last_error: null,
  })));
}

async function explainAll(models: Models, now: number): Promise<boolean> {
  let ok = true;
  console.log('\nverify:mongo: plans of the hot queries');
  for (const hot of hotQueries(now)) {
    const spec = hot.spec;
    const cursor = models[hot.model].collection.find(spec.filter as never, { projection: spec.projection, sort: spec.sort, skip: spec.skip, limit: spec.limit });
    const explained = (await cursor.explain('executionStats')) as { queryPlanner: { winningPlan: unknown }; executionStats?: { totalDocsExamined?: number } };
    const verdict = readPlan(explained.queryPlanner.winningPlan);
    const failed = verdict.collectionScan || verdict.inMemorySort;
    if (failed) ok = false;
    const problems = [verdict.collectionScan ? 'COLLSCAN' : '', verdict.inMemorySort ? 'in-memory SORT' : ''].filter(Boolean).join(', ');
    const other = verdict.indexes.includes(hot.index) ? '' : ` (expected ${hot.index})`;
    console.log(`  ${failed ? 'FAIL' : 'ok  '} ${hot.name}: ${verdict.indexes.join(', ') || 'no index'}${other}${problems ? ` — ${problems}` : ''}`);
  }
  return ok;
}

async function main(): Promise<number> {
  const uri = process.env.MONGODB_URI;
  if (!uri) {
    console.log('verify:mongo verified nothing: MONGODB_URI is not set.');
    console.log("Run it against the deployment you will use, e.g. MONGODB_URI='mongodb://db1,db2,db3/kefu?replicaSet=rs0' npm run verify:mongo");
    return NOTHING_VERIFIED;
  }
  const live = process.argv.includes('--live');
  console.log('verify:mongo: 1/2 the store contract suite and the MongoDB-only tests');
  const contract = await runContractSuite(uri);

  const now = Date.now() / 1000;
  let plans: boolean;
  if (live) {
    const { connection, models } = await openConnection(uri);
    try {
      plans = await explainAll(models, now);
    } finally {
      await connection.close();
    }
  } else {
    const dbName = `kefu_verify_${randomBytes(6).toString('hex')}`;
    const { connection, models } = await openConnection(uri, dbName);
    try {
      await migrate(models);
      await seed(models, now);
      plans = await explainAll(models, now);
    } finally {
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    }
  }
  console.log('\nverify:mongo report');
  console.log(`  contract suite and MongoDB tests: ${contract ? 'passed' : 'FAILED'}`);
  console.log(`  hot query plans (${live ? 'live database' : 'scratch database'}): ${plans ? 'every one index-backed, no in-memory sort' : 'FAILED'}`);
  return contract && plans ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`verify:mongo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
