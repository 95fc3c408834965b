/**
 * `npm run bench -- --quick` as CI runs it: a real run in a child process (kefu built, the floor,
 * wrk or autocannon), checked for what it printed and wrote. It asserts that every scenario ran and
 * answered without errors, never how fast: performance is read from docs/performance.md.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type BenchResults } from '../../scripts/bench/main.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function bench(args: string[]): Promise<{ stdout: string; results: BenchResults }> {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-bench-test-'));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'scripts/bench/main.ts', ...args, '--out', outDir], { cwd: root, timeout: 170_000 }, (error, stdout, stderr) => {
      try {
        if (error) return reject(new Error(`${error.message}\n${stdout}\n${stderr}`));
        resolve({ stdout, results: JSON.parse(readFileSync(path.join(outDir, 'results.json'), 'utf8')) as BenchResults });
      } finally {
        rmSync(outDir, { recursive: true, force: true });
      }
    });
  });
}

const SCENARIOS = ['POST send_text', 'GET /question/list (20 summaries)', 'GET /question/<id>/message (20 messages)', 'POST /question/<id>/serve', 'POST send_image (1 MP JPEG)'];
const escape = (text: string) => text.replace(/[()/<>|]/g, '\\$&');

describe('npm run bench', function () {
  // About 40 s on the shared 2-core machine; the budget is for a loaded CI runner.
  this.timeout(180_000);

  it('--quick runs every part, prints the tables and writes results.json with ratios', async () => {
    const { stdout, results } = await bench(['--quick']);
    assert.match(stdout, /^\| scenario \| kefu req\/s \| floor req\/s \| ratio \|/m, stdout);
    for (const name of SCENARIOS) assert.match(stdout, new RegExp(`^\\| ${escape(name)} \\| \\d+ \\| \\d+ \\| \\d+\\.\\d\\d \\|`, 'm'), stdout);
    assert.match(stdout, /^\| 50 subscribers \|/m, stdout);
    assert.match(stdout, /^\| kefu \| \d+ MiB \| \d+ MiB \| -?\d+\.\d KB \|/m, stdout);
    assert.match(stdout, /^\| SqliteStore groupCommit: false \| \d+ \|/m, stdout);

    assert.deepEqual(results.http!.map((r) => r.scenario), SCENARIOS);
    for (const row of results.http!) {
      assert.equal(row.kefu.errors, 0, `${row.scenario}: kefu answered errors`);
      assert.ok(row.kefu.rps > 0 && row.floor.rps > 0, `${row.scenario}: no requests ran`);
      assert.equal(row.ratio, row.kefu.rps / row.floor.rps);
    }
    for (const row of results.fanOut!) {
      assert.deepEqual([row.kefu.missing, row.floor.missing], [0, 0], `${row.subscribers} subscribers: deliveries went missing`);
      assert.ok(row.kefu.deliveriesPerS > 0 && row.floor.deliveriesPerS > 0);
    }
    if (!('skipped' in results.cluster!)) {
      for (const round of results.cluster!.rounds) {
        assert.equal(round.latency!.missing, 0);
        assert.ok(round.split!.local.p99Ms > 0 && round.split!.remote.p99Ms > 0);
      }
    }
    assert.equal(results.idle!.sockets, 200);
    assert.ok(results.idle!.kefu.afterKb > 0 && results.idle!.floor.afterKb > 0);
    assert.ok(results.store!.groupCommitOff.perS > 0 && results.store!.defaultStore.perS > 0);
    assert.ok(results.machine.nproc > 0 && results.machine.cpu.length > 0);
  });

  it('falls back to autocannon in a child process (--load autocannon, HTTP scenarios only)', async () => {
    const { stdout, results } = await bench(['--quick', '--only', 'http', '--load', 'autocannon']);
    assert.match(stdout, /load autocannon/);
    assert.deepEqual(results.http!.map((r) => r.scenario), SCENARIOS);
    for (const row of results.http!) {
      assert.equal(row.kefu.errors, 0, `${row.scenario}: kefu answered errors`);
      assert.ok(row.kefu.rps > 0 && row.floor.rps > 0, `${row.scenario}: no requests ran`);
    }
    assert.equal(results.fanOut, undefined);
  });

  it('refuses unknown flags and parts', () => {
    assert.throws(() => parseArgs(['--fast']), /unknown flag --fast/);
    assert.throws(() => parseArgs(['--only', 'http,disk']), /--only takes/);
    assert.deepEqual(parseArgs(['--quick', '--only', 'store']).parts, ['store']);
  });
});
