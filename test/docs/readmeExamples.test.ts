/**
 * README's examples run as pasted, in order, against the demo data: the curl walk-through (every
 * block of "Try it: the main flow with curl", in one bash after the demo's `eval` line), then the
 * CLI block of "Provisioning CLI", then the walk-through again without reseeding, which proves the
 * CLI examples left the demo's users, agents and sessions working. Then the `kefu watch` line, as a
 * process, until Ctrl-C. Real processes on a fresh DATA_DIR beside a real server.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from '../support/eventually.js';
import { factories } from '../support/factories.js';
import { ADMIN_TOKEN, startTestServer, tempDataDir, type TestServer } from '../support/server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

/** The text of one `## ` section. */
function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `README has no "## ${title}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** The ```sh blocks of a text, in order. */
const shBlocks = (text: string) => [...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);

const walkThrough = shBlocks(section('Try it: the main flow with curl'));
const [cliBlock, watchBlock] = shBlocks(section('Provisioning CLI'));

/**
 * Runs a bash script in the repository root with the server's DATA_DIR and PORT. Asynchronously:
 * the server answering its curl calls runs in this process.
 */
function bash(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', script],
      { cwd: root, env: { ...process.env, ...env, MONGODB_URI: '', REDIS_URL: '', LOG_LEVEL: 'silent' }, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('README examples, as pasted', function () {
  this.timeout(400_000);
  let dataDir: string;
  let server: TestServer;
  before(async function () {
    if (spawnSync('curl', ['--version']).status !== 0) {
      console.log('    (skipped: curl is not installed)');
      this.skip();
    }
    dataDir = tempDataDir();
    server = await startTestServer({ DATA_DIR: dataDir });
  });
  after(async () => {
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('the walk-through, the CLI block, then the walk-through again, every reply a success', async () => {
    assert.match(walkThrough[0]!, /^eval "\$\(npm run -s demo -- --env\)"\n$/, 'the walk-through starts by seeding the demo');
    assert.ok(cliBlock && cliBlock.includes('kefu -- app:list'), 'the CLI block');
    // After each line of the walk-through, a marker, so every reply can be told apart.
    const steps = (blocks: string[]) =>
      blocks
        .join('')
        .split('\n')
        .filter((line) => line.trim() && !line.startsWith('#'))
        .map((line) => `${line}\necho; echo "@@ ${line.replace(/[^a-z/_ -]/gi, '').slice(0, 60)}"`)
        .join('\n');
    const script = ['set -e', steps(walkThrough), 'echo "@@ CLI"', cliBlock, 'echo "@@ AGAIN"', steps(walkThrough.slice(1))].join('\n');
    const { code, stdout, stderr } = await bash(script, { DATA_DIR: dataDir, PORT: String(server.port) });
    assert.equal(code, 0, `exit ${code}\n${stderr}\n${stdout.slice(-3000)}`);
    assert.equal(stderr, '', 'nothing on stderr');
    assert.doesNotMatch(stdout, /"status":300/, 'an error reply');

    const [first, rest] = stdout.split('@@ CLI\n') as [string, string];
    const [cli, again] = rest.split('@@ AGAIN\n') as [string, string];
    for (const run of [first, again]) {
      assert.match(run, /"image_url":"http:\/\/localhost:\d+\/v1\/media\/image\/[0-9a-f]{24}\.jpg"/, 'the image was sent');
      assert.ok((run.match(/"status":200/g) ?? []).length >= 17, 'every JSON reply a success');
    }
    // The CLI block: each list shows what the block made, and the removals say what they did.
    assert.match(cli, /^com\.example\.blog +Example Blog +manual +\d{4}-/m, 'app:list');
    assert.match(cli, /^u2001 +Alan Turing +2 +5/m, 'user:list');
    assert.match(cli, /^lin +Lin +agent +com\.example\.blog,com\.example\.shop$/m, 'agent:list');
    assert.match(cli, /^[0-9a-f]{12} +app +u2001 +- +com\.example\.blog /m, 'session:list');
    assert.match(cli, /^session deleted$/m);
    assert.match(cli, /^user u2001 removed \(0 sessions ended, 0 open questions finished\)$/m);
    assert.match(cli, /^app com\.example\.blog removed$/m);
  });

  it('the watch line prints the demo shop’s events until Ctrl-C', async () => {
    const line = watchBlock?.split('\n').find((l) => l.includes('kefu -- watch'));
    assert.ok(line, 'the watch example');
    // The README's token stands for the server's; the command line is otherwise as written.
    const command = line.replace(/#.*$/, '').replace(/ADMIN_TOKEN=\S+ /, '');
    const f = factories(server);
    const user = await f.user({ identify: 'com.example.shop' }).catch(async () => {
      await f.app('com.example.shop');
      return f.user({ identify: 'com.example.shop' });
    });
    // Its own process group, so SIGINT reaches npm and the CLI alike, as Ctrl-C in a terminal does.
    const child = spawn('bash', ['-c', `exec ${command}`], {
      cwd: root,
      detached: true,
      env: { ...process.env, ADMIN_TOKEN, PORT: String(server.port), MONGODB_URI: '', REDIS_URL: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await eventually(() => stderr.includes('kefu: watching com.example.shop on'), `watch connected (stderr: ${stderr})`, 60_000);
      const id = await f.question(user, { title: 'Where is my parcel?' });
      await eventually(() => stdout.includes(`${id}  asked     ${user.userId}: "Where is my parcel?"`), `the question's line (stdout: ${stdout})`);
    } finally {
      process.kill(-child.pid!, 'SIGINT');
    }
    const code = await Promise.race([exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 30_000).unref())]);
    if (code === 'running') process.kill(-child.pid!, 'SIGKILL');
    // npm re-raises the SIGINT on itself once its child has stopped, so "exited" is what Ctrl-C promises.
    assert.notEqual(code, 'running', 'still running 30 s after Ctrl-C');
    assert.deepEqual(stderr.trim().split('\n').slice(1), [], 'nothing but the "watching" note on stderr');
  });
});
