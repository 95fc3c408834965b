/**
 * The store contract against the embedded SQLite store, each test in a fresh data directory; then
 * what only SQLite has: its migrations from an older schema, and what its file holds at rest.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sessionDigest } from '../../server/domain/sessionTokens.js';
import { MIGRATIONS } from '../../server/stores/sqlite/schema.js';
import { SqliteStore } from '../../server/stores/sqlite/sqliteStore.js';
import { factories } from '../support/factories.js';
import { eventually } from '../support/eventually.js';
import { startTestServer } from '../support/server.js';
import { storeContract } from './contract.js';

storeContract('SQLite', async (clockOffset) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-store-'));
  const store = new SqliteStore({ dataDir, clockOffset });
  return {
    store,
    // Another process on the same DATA_DIR.
    openPeer: async () => new SqliteStore({ dataDir, clockOffset }),
    async destroy() {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

const DB_FILE = 'kefu.sqlite3';

/** Every text value of every table of the database, as [table, column, value]. */
function textValues(file: string): Array<[string, string, string]> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>;
    const values: Array<[string, string, string]> = [];
    for (const { name } of tables) {
      for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Array<Record<string, unknown>>) {
        for (const [column, value] of Object.entries(row)) if (typeof value === 'string') values.push([name, column, value]);
      }
    }
    return values;
  } finally {
    db.close();
  }
}

/** The places a token appears in the database (none, when it is kept only as a digest). */
function whereTokenIs(file: string, token: string): string[] {
  return textValues(file)
    .filter(([, , value]) => value.includes(token))
    .map(([table, column]) => `${table}.${column}`);
}

describe('SQLite store: sessions at rest', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('migrates a database of the token-keyed schema: no table holds a token, the old token still resolves', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-migrate-'));
    dirs.push(dataDir);
    const token = 'OldToken0001';
    const other = 'OldToken0002';
    // The schema as it was before sessions were keyed by digest (the first three steps), with rows.
    const old = new Database(path.join(dataDir, DB_FILE));
    for (const step of MIGRATIONS.slice(0, 3)) old.exec(step);
    old.pragma('user_version = 3');
    old.prepare("INSERT INTO apps VALUES ('com.a', 'A', 1000)").run();
    old.prepare("INSERT INTO sessions (session, user_id, identify, serv_id, created_at) VALUES (?, 'u1', 'com.a', 's1', 1000)").run(token);
    old.prepare("INSERT INTO sessions (session, user_id, identify, serv_id, created_at) VALUES (?, 'u2', 'com.a', NULL, 1001)").run(other);
    old.prepare(
      `INSERT INTO questions (id, identify, user_id, title, labels, status, created_at, status_at, last_activity_at, last_seq)
       VALUES ('0123456789abcdef01234567', 'com.a', 'u1', 'Help', '[]', 1, 1000, 1000, 1000, 1)`,
    ).run();
    old.prepare(
      `INSERT INTO messages (id, question_id, seq, sender, sender_type, type, created_at, text, session, client_msg_id)
       VALUES ('0123456789abcdef01234568', '0123456789abcdef01234567', 1, 'u1', 1, 3, 1000, 'hello', ?, 'c-1')`,
    ).run(token);
    const payload = JSON.stringify({ id: 'p1', kind: 'message', session: other, user_id: 'u2', identify: 'com.a', body: 'hello' });
    old.prepare("INSERT INTO outbox (id, payload, attempts, next_attempt_at, created_at) VALUES ('p1', ?, 0, 1000, 1000)").run(payload);
    old.prepare("INSERT INTO outbox (id, payload, attempts, next_attempt_at, created_at) VALUES ('p2', 'not json', 0, 1000, 1000)").run();
    old.close();
    assert.deepEqual(whereTokenIs(path.join(dataDir, DB_FILE), token).sort(), ['messages.session', 'sessions.session']);

    const before = Date.now() / 1000;
    const store = new SqliteStore({ dataDir });
    try {
      assert.deepEqual(whereTokenIs(path.join(dataDir, DB_FILE), token), []);
      assert.deepEqual(whereTokenIs(path.join(dataDir, DB_FILE), other), []);
      const session = (await store.accounts.getSession(sessionDigest(token)))!;
      assert.deepEqual({ ...session, lastUsedAt: undefined }, {
        digest: sessionDigest(token),
        userId: 'u1',
        identify: 'com.a',
        servId: 's1',
        kind: 'app',
        createdAt: 1000,
        lastUsedAt: undefined,
      });
      // Counted as used at the migration, so a TTL set afterwards does not end every session at once.
      assert.ok(session.lastUsedAt >= before - 1, String(session.lastUsedAt));
      assert.deepEqual((await store.accounts.listAgentSessions(['s1'])).map((s) => s.digest), [sessionDigest(token)]);
      assert.equal(await store.accounts.getSession(token), null);
      // The idempotency key moved to the digest with its session.
      assert.equal((await store.conversations.findMessageByClientId(sessionDigest(token), 'c-1'))!.text, 'hello');
      // A stored push names its device by digest now.
      const claimed = await store.outbox.claimDeliveries(30, 10);
      const pushed = JSON.parse(claimed.find((d) => d.id === 'p1')!.payload);
      assert.equal(pushed.device, sessionDigest(other));
      assert.equal('session' in pushed, false);
      assert.equal(claimed.find((d) => d.id === 'p2')!.payload, 'not json');
      const reader = new Database(path.join(dataDir, DB_FILE), { readonly: true });
      assert.equal(reader.pragma('user_version', { simple: true }), MIGRATIONS.length);
      reader.close();
    } finally {
      await store.close();
    }
    // Opening again migrates nothing twice.
    const reopened = new SqliteStore({ dataDir });
    assert.ok(await reopened.accounts.getSession(sessionDigest(token)));
    await reopened.close();
  });

  it('migrates an old database exactly once when two processes open it at the same moment', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-migrate2-'));
    dirs.push(dataDir);
    const old = new Database(path.join(dataDir, DB_FILE));
    for (const step of MIGRATIONS.slice(0, 3)) old.exec(step);
    old.pragma('user_version = 3');
    const insert = old.prepare("INSERT INTO sessions (session, user_id, identify, serv_id, created_at) VALUES (?, 'u1', 'com.a', NULL, 1000)");
    old.transaction(() => {
      for (let i = 0; i < 5000; i++) insert.run(`Tok${String(i).padStart(9, '0')}`);
    })();
    old.close();
    // Each child opens the store (migrating if it gets there first) and reports what it finds.
    const script = `
      const { SqliteStore } = await import(${JSON.stringify(path.resolve('server/stores/sqlite/sqliteStore.ts'))});
      const { sessionDigest } = await import(${JSON.stringify(path.resolve('server/domain/sessionTokens.ts'))});
      const store = new SqliteStore({ dataDir: process.argv[1] });
      const found = await store.accounts.getSession(sessionDigest('Tok000004999'));
      await store.close();
      console.log(found ? found.userId : 'missing');`;
    const run = () => promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dataDir]);
    const results = await Promise.all([run(), run()]);
    assert.deepEqual(results.map((r) => r.stdout.trim()), ['u1', 'u1']);
    const db = new Database(path.join(dataDir, DB_FILE), { readonly: true });
    try {
      assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM sessions').get() as { n: number }).n, 5000);
      // Hashed once: a second pass would have hashed the digests again, and the token would not resolve.
      assert.ok(db.prepare('SELECT 1 FROM sessions WHERE digest = ?').get(sessionDigest('Tok000000000')));
    } finally {
      db.close();
    }
  });

  it('keeps no raw token in any table after sessions, bindings, idempotent sends and pushes', async () => {
    // Pushes go to a closed port: every delivery fails and stays in the table, payload and all.
    const server = await startTestServer({ PUSH_WEBHOOK_URL: 'http://127.0.0.1:9/hook', PUSH_WEBHOOK_SECRET: 'a-secret-of-16-chars' });
    try {
      const f = factories(server);
      const user = await f.user();
      const agent = await f.agent({ identifies: [user.identify] });
      const question = await f.question(user, { title: 'At rest' });
      await f.serve(question, agent);
      const send = (session: string, sender: string, senderType: number, text: string) =>
        f.api.post(`/v1/question/${question}/message/send_text`, { session, sender, sender_type: senderType, text, client_msg_id: `c-${text}` });
      assert.equal((await send(user.session, user.userId, 1, 'from the user')).status, 200);
      assert.equal((await send(agent.session, agent.servId, 2, 'from the agent')).status, 200);
      await eventually(async () => (await server.deps.store.outbox.countDeliveries()).pending + (await server.deps.store.outbox.countDeliveries()).dead >= 3, 'pushes stored');

      const file = path.join(server.dataDir, DB_FILE);
      const values = textValues(file);
      assert.ok(values.some(([table, column, value]) => table === 'deliveries' && column === 'payload' && value.includes(sessionDigest(agent.session))));
      for (const token of [user.session, agent.session]) assert.deepEqual(whereTokenIs(file, token), [], token);
    } finally {
      await server.stop();
    }
  });
});

describe('SQLite store: media whose bytes are gone', () => {
  it('answers null, as the MongoDB store does for a file with missing chunks', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kefu-store-'));
    const store = new SqliteStore({ dataDir });
    try {
      const id = '65f0000000000000000000ab';
      await store.media.putMedia({ id, kind: 'image', contentType: 'image/jpeg', ext: 'jpg', bytes: Buffer.from([1, 2, 3]) });
      assert.ok(await store.media.getMedia('image', id));
      rmSync(path.join(dataDir, 'media', 'image', `${id}.jpg`));
      assert.equal(await store.media.getMedia('image', id), null);
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
