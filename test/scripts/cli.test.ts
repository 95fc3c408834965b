/**
 * The operator scripts as an operator runs them: real processes (`node --import tsx scripts/…`) on
 * a temporary DATA_DIR, then a real server on that directory proving that what they created works
 * over HTTP. Each spawn pays tsx's start-up (about a second), so the tests share processes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../scripts/kefu.js';
import { loadConfig } from '../../server/config.js';
import { openStore } from '../../server/stores/index.js';
import { client } from '../support/http.js';
import { startTestServer, tempDataDir, type TestServer } from '../support/server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a script to completion; never rejects, the exit code is part of the result. */
function run(script: string, args: string[], dataDir?: string): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
  if (dataDir) childEnv.DATA_DIR = dataDir;
  // Whatever the developer's shell points at, these tests use the embedded store only.
  delete childEnv.MONGODB_URI;
  delete childEnv.REDIS_URL;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', `scripts/${script}`, ...args], { cwd: root, env: childEnv, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const kefu = (dataDir: string, ...args: string[]) => run('kefu.ts', args, dataDir);

function ok(result: Run): string {
  assert.equal(result.code, 0, `exit ${result.code}: ${result.stderr}`);
  assert.equal(result.stderr, '');
  return result.stdout.trim();
}

function failsWith(result: Run, pattern: RegExp): void {
  assert.equal(result.code, 1, `expected exit 1, got ${result.code}: ${result.stdout}`);
  assert.equal(result.stdout, '');
  assert.equal(result.stderr.trim().split('\n').length, 1, `one line expected: ${result.stderr}`);
  assert.match(result.stderr, pattern);
}

describe('scripts/kefu.ts (provisioning CLI)', function () {
  this.timeout(90_000);
  let dataDir: string;
  let server: TestServer | undefined;
  before(() => {
    dataDir = tempDataDir();
  });
  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('provisions an app, users, a session, an agent and a template that work over HTTP', async () => {
    const app = 'com.cli.shop';
    assert.equal(ok(await kefu(dataDir, 'app:add', '--identify', app, '--name', 'CLI shop')), `app ${app}`);
    // Routing: set, kept by an app:add that leaves it out, and shown by app:list.
    assert.equal(ok(await kefu(dataDir, 'app:add', '--identify', 'com.cli.routed', '--routing', 'auto')), 'app com.cli.routed (routing auto)');
    assert.equal(ok(await kefu(dataDir, 'app:add', '--identify', 'com.cli.routed', '--name', 'Routed')), 'app com.cli.routed');
    const routed = JSON.parse(ok(await kefu(dataDir, 'app:list', '--json'))).find((a: { identify: string }) => a.identify === 'com.cli.routed');
    assert.deepEqual([routed.name, routed.routing], ['Routed', 'auto']);
    // Independent commands run side by side: separate processes writing one SQLite file.
    const [user, desk, agent, templateAdded] = await Promise.all([
      kefu(dataDir, 'user:add', '--user-id', 'cli-user', '--name', 'Ada', '--device-count=3', '--group-count', '2'),
      kefu(dataDir, 'user:add', '--user-id', 'cli-desk', '--name', 'Desk'),
      kefu(dataDir, 'agent:add', '--serv-id', 'cli-agent', '--password', 'pw-123', '--identifies', `${app},${app}`, '--json'),
      kefu(dataDir, 'template:add', '--identify', app, '--title', 'Shipping', '--json'),
    ]);
    assert.equal(ok(user), 'user cli-user');
    ok(desk);
    assert.deepEqual(JSON.parse(ok(agent)), { status: 200 });
    const template = JSON.parse(ok(templateAdded));
    assert.match(template.template_id, /^[0-9a-f]{24}$/);
    const [sessionMade, itemAdded] = await Promise.all([
      kefu(dataDir, 'session:new', '--user-id', 'cli-user', '--identify', app),
      kefu(dataDir, 'item:add', '--template-id', template.template_id, '--question', 'Where?', '--content', 'Here.'),
    ]);
    const session = ok(sessionMade);
    assert.match(session, /^[A-Za-z0-9]{12}$/);
    const item = ok(itemAdded);
    assert.match(item, /^[0-9a-f]{24}$/);

    // A server on the same DATA_DIR, and one more session created while it runs (WAL).
    server = await startTestServer({ DATA_DIR: dataDir });
    const api = client(server.url);
    const deskSession = ok(await kefu(dataDir, 'session:new', '--user-id', 'cli-desk', '--identify', app));

    const asked = await api.post('/v1/question/new', { session, title: 'Hello from the CLI' });
    assert.equal(asked.status, 200, asked.text);
    const bound = await api.post('/v1/serv/bind', { session: deskSession, serv_id: 'cli-agent', password: 'pw-123' });
    assert.equal(bound.status, 200, bound.text);
    const queue = await api.get('/v1/question/list', {}, { session: deskSession });
    assert.deepEqual(
      queue.body.questions.map((q: { question_id: string; user_name: string }) => [q.question_id, q.user_name]),
      [[asked.body.question_id, 'Ada']],
    );
    const items = await api.get(`/v1/answer/template/${template.template_id}`, {}, { session: deskSession });
    assert.deepEqual(items.body.items, [{ item_id: item, question: 'Where?', content: 'Here.' }]);
    const page = await api.get('/v1/user', { question_id: asked.body.question_id }, { session: deskSession });
    assert.match(page.text, /id="device-count">3</);
  });

  it('agent:add --max-concurrent sets the capacity a serve is checked against', async () => {
    const added = await inProcess('agent:add', '--serv-id', 'cli-capped', '--password', 'pw', '--identifies', 'com.cli.shop', '--max-concurrent', '2');
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.stdout, 'agent cli-capped serves com.cli.shop, at most 2 at once');
    const store = await openStore(loadConfig({ DATA_DIR: dataDir }));
    try {
      assert.equal((await store.accounts.getAgent('cli-capped'))!.maxConcurrent, 2);
    } finally {
      await store.close();
    }
  });

  it('agent:add --role supervisor makes a supervisor; agent:list shows each role', async () => {
    const added = await inProcess('agent:add', '--serv-id', 'cli-lead', '--password', 'pw', '--identifies', 'com.cli.shop', '--role', 'supervisor');
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.stdout, 'agent cli-lead serves com.cli.shop as a supervisor');
    const listed = await inProcess('agent:list', '--json');
    const agents = JSON.parse(listed.stdout) as Array<{ serv_id: string; role: string }>;
    assert.equal(agents.find((a) => a.serv_id === 'cli-lead')?.role, 'supervisor');
    assert.equal(agents.find((a) => a.serv_id === 'cli-capped')?.role, 'agent');
    const wrong = await inProcess('agent:add', '--serv-id', 'cli-x', '--password', 'pw', '--identifies', 'com.cli.shop', '--role', 'boss');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /param_invalid: --role/);
  });

  it('fails with one line on stderr and exit code 1', async () => {
    failsWith(await kefu(dataDir, 'session:new', '--user-id', 'nobody', '--identify', 'com.cli.missing'), /^kefu: not_found: no app com\.cli\.missing$/m);
  });

  // The same main() in this process: no tsx start-up per case.
  async function inProcess(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, (l) => out.push(l), (l) => err.push(l), { DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  }

  it('refuses what the admin API refuses, naming the flag', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['user:add', '--user-id', 'x'], /^kefu: param_missing: --name is required$/],
      [['agent:add', '--serv-id', 'a'.repeat(21), '--password', 'p', '--identifies', 'com.cli.shop'], /param_invalid: --serv-id must be at most 20 characters/],
      [['agent:add', '--serv-id', 'a', '--password', 'p', '--identifies', ','], /param_invalid: --identifies must list at least one app/],
      [['agent:add', '--serv-id', 'a', '--password', 'p', '--identifies', 'com.cli.shop', '--max-concurrent', '-1'], /param_invalid: --max-concurrent must be between 0 and 1000/],
      [['app:add', '--identify', 'not a package'], /param_invalid: --identify must be a package name/],
      [['app:add', '--identify', 'com.cli.routed', '--routing', 'robin'], /param_invalid: --routing /],
      [['item:add', '--template-id', 'nope', '--question', 'q', '--content', 'c'], /param_invalid: --template-id must be a 24-character hex id/],
      [['item:add', '--template-id', 'f'.repeat(24), '--question', 'q', '--content', 'c'], /template_not_found/],
      [['user:add', '--user-id', 'x', '--name', 'X', '--colour', 'red'], /unknown flag --colour/],
      [['user:add', '--user-id'], /--user-id needs a value/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [[], /no command given/],
    ];
    for (const [argv, pattern] of cases) {
      const result = await inProcess(...argv);
      assert.equal(result.code, 1, argv.join(' '));
      assert.equal(result.stdout, '');
      assert.match(result.stderr, pattern);
      assert.doesNotMatch(result.stderr, /\n/);
    }
  });

  it('prints errors as the JSON envelope with --json, and help on demand', async () => {
    const failed = await inProcess('agent:add', '--serv-id', 'a', '--password', 'p', '--identifies', 'com.cli.none', '--json');
    assert.equal(failed.code, 1);
    assert.deepEqual(JSON.parse(failed.stderr), { status: 300, error: 'not_found', field: 'identifies', debug: 'no app com.cli.none' });
    const help = await inProcess('help');
    assert.equal(help.code, 0);
    for (const command of ['app:add', 'user:add', 'session:new', 'agent:add', 'template:add', 'item:add']) {
      assert.match(help.stdout, new RegExp(`^  ${command} `, 'm'));
    }
  });
});

describe('scripts/demo.ts', function () {
  this.timeout(90_000);
  let dataDir: string;
  let server: TestServer;
  before(async () => {
    dataDir = tempDataDir();
    server = await startTestServer({ DATA_DIR: dataDir });
  });
  after(async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('seeds twice beside a running server; the printed sessions and passwords work', async () => {
    const first = JSON.parse(ok(await run('demo.ts', ['--json'], dataDir)));
    const human = ok(await run('demo.ts', [], dataDir));
    assert.match(human, /^export USER_ID=u1001 USER_SESSION=[A-Za-z0-9]{12}$/m);
    assert.match(human, /curl -s \$KEFU\/question\/new/);
    assert.match(human, /agent desk +http:\/\/localhost:\d+\/desk$/m);
    assert.match(human, /sign in as mei \/ \S+$/m);
    assert.match(human, /chat as Ada +http:\/\/localhost:\d+\/chat#session=[A-Za-z0-9]{12}&user_id=u1001$/m);
    const second = JSON.parse(ok(await run('demo.ts', ['--json'], dataDir)));
    assert.equal(second.template_id, first.template_id, 'the template is reused, not duplicated');

    const api = client(server.url);
    const [ada] = second.users;
    const [mei, tom] = second.agents;
    assert.equal(ada.chat_url, `${second.base_url}/chat#session=${ada.session}&user_id=u1001`);
    // The desk signs in with the printed credentials.
    const desk = await api.post('/v1/serv/login', { serv_id: mei.serv_id, password: mei.password });
    assert.equal(desk.status, 200, desk.text);
    const asked = await api.post('/v1/question/new', { session: ada.session, title: 'demo' });
    assert.equal(asked.status, 200, asked.text);
    const served = await api.post(`/v1/question/${asked.body.question_id}/serve`, { session: mei.session, serv_id: mei.serv_id });
    assert.equal(served.status, 200, served.text);
    const templates = await api.get('/v1/answer/templates', {}, { session: mei.session });
    assert.deepEqual(templates.body.templates.map((t: { template_id: string }) => t.template_id), [first.template_id]);
    const items = await api.get(`/v1/answer/template/${first.template_id}`, {}, { session: mei.session });
    assert.equal(items.body.items.length, 3);
    // The password printed by the latest run is the one that logs in.
    const rebound = await api.post('/v1/serv/bind', { session: ada.session, serv_id: tom.serv_id, password: tom.password });
    assert.equal(rebound.status, 200, rebound.text);
  });
});
