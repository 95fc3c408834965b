/**
 * `npm run verify:mongo` as an operator runs it, and its reading of query plans. No MongoDB server
 * can run here, so the run with MONGODB_URI set is not exercised: what is tested is that without it
 * the command says it verified nothing and exits 2, and that the plan reader finds COLLSCANs and
 * in-memory sorts in both plan formats.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPlan } from '../../server/stores/mongo/planCheck.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('npm run verify:mongo', function () {
  this.timeout(30_000);

  it('without MONGODB_URI says it verified nothing and exits 2 (never 0, which would read as verified)', async () => {
    const env = { ...process.env };
    delete env.MONGODB_URI;
    const result = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'scripts/verifyMongo.ts'], { cwd: root, env }, (error, stdout) => {
        resolve({ code: error ? Number((error as { code?: number }).code) : 0, stdout });
      });
    });
    assert.equal(result.code, 2);
    assert.match(result.stdout, /^verify:mongo verified nothing: MONGODB_URI is not set\./);
  });

  describe('reading a winning plan', () => {
    it('an index scan under a fetch, with a limit: index-backed, no sort', () => {
      const plan = { stage: 'LIMIT', inputStage: { stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: 'questions_queue' } } };
      assert.deepEqual(readPlan(plan), { indexes: ['questions_queue'], collectionScan: false, inMemorySort: false });
    });

    it('a collection scan, and a blocking SORT over an index scan, are both found', () => {
      assert.equal(readPlan({ stage: 'COLLSCAN' }).collectionScan, true);
      const sorted = readPlan({ stage: 'SORT', inputStage: { stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: 'outbox_due' } } });
      assert.deepEqual(sorted, { indexes: ['outbox_due'], collectionScan: false, inMemorySort: true });
    });

    it('merged $in runs (SORT_MERGE over several scans) are not an in-memory sort; the slot engine wraps the plan in queryPlan', () => {
      const merged = { stage: 'FETCH', inputStage: { stage: 'SORT_MERGE', inputStages: [{ stage: 'IXSCAN', indexName: 'sessions_by_serv' }, { stage: 'IXSCAN', indexName: 'sessions_by_serv' }] } };
      assert.deepEqual(readPlan(merged), { indexes: ['sessions_by_serv'], collectionScan: false, inMemorySort: false });
      assert.deepEqual(readPlan({ queryPlan: { stage: 'IDHACK' } }).indexes, ['_id_']);
      assert.equal(readPlan({ queryPlan: { stage: 'SORT', inputStage: { stage: 'COLLSCAN' } } }).inMemorySort, true);
    });
  });
});
