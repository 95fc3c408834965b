/**
 * Raw store throughput in a process of its own: appendMessage on a fresh SqliteStore (durable,
 * synchronous=FULL) with `inFlight` appends outstanding for `durationS`. Input (readInput):
 * `{durationS, inFlight, groupCommit}` (groupCommit omitted: the store's default); output:
 * "RESULT {appends, perS}".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteStore, type SqliteStoreOptions } from '../../server/stores/sqlite/sqliteStore.js';
import { readInput } from './processes.js';

const input = readInput<{ durationS: number; inFlight: number; groupCommit?: boolean }>();
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-bench-store-'));
// groupCommit is new in SqliteStoreOptions (server/stores/sqlite); until it lands the option is
// ignored and both runs measure the same store.
const options = { dataDir, ...(input.groupCommit === undefined ? {} : { groupCommit: input.groupCommit }) } as SqliteStoreOptions;
const store = new SqliteStore(options);
try {
  const now = Date.now() / 1000;
  await store.accounts.upsertApp({ identify: 'com.example.bench', name: 'Bench', createdAt: now });
  await store.accounts.upsertUser({ userId: 'bench-u', name: 'Bench', imageUrl: '', deviceCount: 0, groupCount: 0 });
  const question = await store.conversations.createQuestion({ identify: 'com.example.bench', userId: 'bench-u', title: 'store', labels: [], now });
  let appends = 0;
  const end = performance.now() + input.durationS * 1000;
  const startedAt = performance.now();
  const worker = async () => {
    while (performance.now() < end) {
      const stored = await store.conversations.appendMessage(
        {
          questionId: question.id,
          sender: 'bench-u',
          senderType: 1,
          type: 3,
          text: `store bench ${appends}`,
          sessionDigest: 'bench',
          summaryText: `store bench ${appends}`,
          cancelsFinishRequest: false,
          now: Date.now() / 1000,
        },
        { statuses: [question.status], userId: 'bench-u' },
      );
      if (!stored) throw new Error('appendMessage refused the message');
      appends++;
    }
  };
  await Promise.all(Array.from({ length: input.inFlight }, worker));
  const elapsedS = (performance.now() - startedAt) / 1000;
  process.stdout.write(`RESULT ${JSON.stringify({ appends, perS: appends / elapsedS })}\n`);
} finally {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}
