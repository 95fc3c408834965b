/**
 * The operator's side of the CLI: lists (tables and JSON arrays, never a token), removals through
 * the domain commands (so live sockets and questions follow), session short ids, and `kefu watch`
 * against a real server. main() runs in this process on the test server's DATA_DIR (a second
 * connection to the same SQLite file, as a CLI process beside a server is), so no case pays tsx's
 * start-up; the last case runs the bin/ entry as a real process.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sessionDigest } from '../../server/domain/sessionTokens.js';
import { watchEventPayload } from '../../shared/events.js';
import { main, openDeps } from '../../scripts/kefu.js';
import { eventually } from '../support/eventually.js';
import { ADMIN_TOKEN, useTestServer } from '../support/server.js';
import { recordedSocket } from '../support/sockets.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('kefu CLI: lists, removals and watch', function () {
  this.timeout(60_000);
  const { server, f, api } = useTestServer();

  /** One command line in this process, on the server's DATA_DIR. */
  async function kefu(argv: string[], env: Record<string, string> = {}, signal?: AbortSignal) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, (l) => out.push(l), (l) => err.push(l), { DATA_DIR: server.dataDir, LOG_LEVEL: 'silent', ...env }, signal);
    return { code, stdout: out.join('\n'), stderr: err.join('\n'), out, err };
  }
  async function ok(...argv: string[]): Promise<string> {
    const result = await kefu(argv);
    assert.equal(result.code, 0, `${argv.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr, '');
    return result.stdout;
  }

  it('lists apps, users, sessions, agents and templates as JSON arrays and as aligned tables, never a token', async () => {
    const user = await f.user({ name: 'Ada Lovelace' });
    const agent = await f.agent({ identifies: [user.identify] });
    const templateId = await f.template(user.identify, 'Shipping');

    const apps = JSON.parse(await ok('app:list', '--json'));
    assert.ok(Array.isArray(apps));
    assert.deepEqual(Object.keys(apps.find((a: { identify: string }) => a.identify === user.identify)), ['identify', 'name', 'routing', 'created_at']);
    const users = JSON.parse(await ok('user:list', '--json'));
    assert.deepEqual(users.find((u: { user_id: string }) => u.user_id === user.userId), { user_id: user.userId, name: 'Ada Lovelace', image_url: '', device_count: 0, group_count: 0 });
    const agents = JSON.parse(await ok('agent:list', '--json'));
    assert.deepEqual(agents.find((a: { serv_id: string }) => a.serv_id === agent.servId), { serv_id: agent.servId, name: agent.servId, identifies: [user.identify], role: 'agent' });
    const templates = JSON.parse(await ok('template:list', '--json'));
    assert.deepEqual(templates.find((t: { template_id: string }) => t.template_id === templateId)?.title, 'Shipping');

    const sessionsJson = await ok('session:list', '--json');
    const digest = sessionDigest(user.session);
    const listed = JSON.parse(sessionsJson).find((s: { digest: string }) => s.digest === digest);
    assert.deepEqual({ ...listed, created_at: 0, last_used_at: 0 }, {
      id: digest.slice(0, 12), digest, kind: 'app', user_id: user.userId, serv_id: null, identify: user.identify, created_at: 0, last_used_at: 0,
    });
    const table = await ok('session:list');
    for (const session of [user.session, agent.session]) {
      assert.ok(!sessionsJson.includes(session) && !table.includes(session), 'a token in a session list');
    }
    // Aligned: every cell starts where its header does.
    const [header, ...rows] = table.split('\n');
    const row = rows.find((line) => line.startsWith(digest.slice(0, 12)))!;
    for (const [column, value] of [['USER_ID', user.userId], ['IDENTIFY', user.identify], ['LAST USED (UTC)', '20']] as const) {
      assert.equal(row.indexOf(value, header!.indexOf(column)), header!.indexOf(column), `${column} in\n${table}`);
    }
    assert.match(await ok('agent:list'), new RegExp(`^${agent.servId} +${agent.servId} +agent +${user.identify.replace(/\./g, '\\.')}$`, 'm'));
  });

  it('session:delete --id ends the one session a prefix names (its socket disconnects) and refuses an ambiguous one', async () => {
    const user = await f.user();
    const socket = await recordedSocket(server.url, user.session);
    const deps = await openDeps({ DATA_DIR: server.dataDir, LOG_LEVEL: 'silent' });
    try {
      // Two sessions whose digests share their first 10 characters (made directly in the store).
      for (const tail of ['0', '1']) {
        const now = Date.now() / 1000;
        await deps.store.accounts.createSession({ digest: `abcdef0123${tail.repeat(54)}`, userId: user.userId, identify: user.identify, servId: null, kind: 'app', createdAt: now, lastUsedAt: now });
      }
    } finally {
      await deps.store.close();
    }
    const ambiguous = await kefu(['session:delete', '--id', 'abcdef0123']);
    assert.equal(ambiguous.code, 1);
    assert.equal(ambiguous.stderr, 'kefu: param_invalid: abcdef0123 names more than one session; give more characters');
    assert.equal((await kefu(['session:delete', '--id', 'abcdef01230'])).code, 0);
    assert.equal((await kefu(['session:delete', '--id', 'abcdef01230'])).stderr, 'kefu: not_found: no session with id abcdef01230');
    assert.match((await kefu(['session:delete', '--id', 'ABCDEF01'])).stderr, /param_invalid: --id must be 8 to 64 lowercase hex/);
    assert.match((await kefu(['session:delete'])).stderr, /param_missing: give exactly one of --session and --id/);

    assert.equal(await ok('session:delete', '--id', sessionDigest(user.session).slice(0, 12)), 'session deleted');
    await eventually(() => socket.socket.disconnected, 'the deleted session’s socket is disconnected');
    const refused = await api.post('/v1/question/new', { session: user.session, title: 'still here?' });
    assert.equal(refused.body.error, 'session_invalid');
  });

  it('user:delete ends its sessions and finishes its open questions; template:delete removes a template', async () => {
    const user = await f.user();
    const agent = await f.agent({ identifies: [user.identify] });
    const waiting = await f.question(user);
    const served = await f.question(user);
    await f.serve(served, agent);
    const socket = await recordedSocket(server.url, user.session);

    assert.equal(await ok('user:delete', '--user-id', user.userId), `user ${user.userId} removed (1 session ended, 2 open questions finished)`);
    await eventually(() => socket.socket.disconnected, 'the removed user’s socket is disconnected');
    for (const id of [waiting, served]) {
      const messages = await api.get(`/v1/question/${id}/message`, { sort: -1, num: 1 }, { session: agent.session });
      assert.deepEqual(
        (({ sender, type, action }) => ({ sender, type, action }))(messages.body.messages[0]),
        { sender: 'system', type: 4, action: 4 },
      );
    }
    const queue = await api.get('/v1/question/list', {}, { session: agent.session });
    assert.deepEqual(queue.body.questions, []);
    assert.equal((await kefu(['user:delete', '--user-id', user.userId])).stderr, 'kefu: not_found: no such user');

    const templateId = await f.template(user.identify);
    assert.deepEqual(JSON.parse(await ok('template:delete', '--template-id', templateId, '--json')), { status: 200 });
    const gone = await api.get(`/v1/answer/template/${templateId}`, {}, { session: agent.session });
    assert.equal(gone.body.error, 'template_not_found');
  });

  it('watch prints a line per event (JSON lines with --json) until it is stopped', async () => {
    const user = await f.user();
    for (const json of [false, true]) {
      const stop = new AbortController();
      const lines: string[] = [];
      const notes: string[] = [];
      const running = main(
        ['watch', '--identify', user.identify, '--url', server.url, ...(json ? ['--json'] : [])],
        (l) => lines.push(l),
        (l) => notes.push(l),
        { ADMIN_TOKEN },
        stop.signal,
      );
      await eventually(() => notes.some((n) => n.startsWith(`kefu: watching ${user.identify} on ${server.url}`)), 'watch connected');
      const id = await f.question(user, { title: json ? 'JSON please' : 'Where is my parcel?' });
      await f.sendText(id, user, 'Order 42 has not arrived');
      await eventually(() => lines.length >= 2, 'two events printed');
      stop.abort();
      assert.equal(await running, 0);
      if (json) {
        const events = lines.map((line) => watchEventPayload.parse(JSON.parse(line)));
        assert.deepEqual(events.map((e) => [e.event, e.question_id]), [['question.created', id], ['message.created', id]]);
      } else {
        assert.match(lines[0]!, new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  ${user.identify.replace(/\./g, '\\.')}  ${id}  asked     ${user.userId}: "Where is my parcel\\?"$`));
        assert.match(lines[1]!, new RegExp(`  ${id}  message   ${user.userId} \\(user\\) #1: Order 42 has not arrived$`));
      }
    }
  });

  it('watch fails with one line for a wrong token, an unknown app, no token or no server', async () => {
    const cases: Array<[string[], Record<string, string>, string | RegExp]> = [
      [['watch', '--url', server.url], { ADMIN_TOKEN: `${ADMIN_TOKEN}-wrong` }, 'kefu: forbidden: watching needs the ADMIN_TOKEN'],
      [['watch', '--url', server.url, '--identify', 'com.nobody.here'], { ADMIN_TOKEN }, 'kefu: not_found: no app com.nobody.here'],
      [['watch', '--url', server.url], {}, /^kefu: ADMIN_TOKEN is not set/],
      [['watch', '--url', 'http://127.0.0.1:9'], { ADMIN_TOKEN }, /^kefu: cannot reach http:\/\/127\.0\.0\.1:9: /],
    ];
    for (const [argv, env, expected] of cases) {
      // The developer's own .env must not lend a token to the "no token" case.
      const result = await kefu(argv, { ...env, ...(env.ADMIN_TOKEN ? {} : { ADMIN_TOKEN: '' }) });
      assert.equal(result.code, 1, argv.join(' '));
      assert.equal(result.stdout, '');
      const last = result.err.at(-1)!;
      if (typeof expected === 'string') assert.equal(last, expected);
      else assert.match(last, expected);
    }
  });

  it('bin/kefu.js, the package’s bin, runs the CLI as a process', async () => {
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(process.execPath, ['bin/kefu.js', 'app:list', '--json'], { cwd: root, env: { ...process.env, DATA_DIR: server.dataDir, MONGODB_URI: '' } }, (error, out) =>
        resolve({ code: error ? 1 : 0, stdout: out }),
      ),
    );
    assert.equal(code, 0);
    assert.ok(Array.isArray(JSON.parse(stdout)));
  });
});
