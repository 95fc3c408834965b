/**
 * Group commit seen from the API: concurrent send_text calls over real HTTP share commits (one WAL
 * fsync each under synchronous=FULL), and each is still answered, stored once and in seq order;
 * a second node in its own process on the same DATA_DIR takes turns with this one.
 */
import assert from 'node:assert/strict';
import { messageIdReply } from '../../shared/schemas/responses.js';
import { SqliteStore } from '../../server/stores/sqlite/sqliteStore.js';
import { allMessages, spawnNode, type ChildNode } from '../support/childServer.js';
import { assertOk } from '../support/envelope.js';
import { client } from '../support/http.js';
import { questionHelpers } from '../support/questions.js';
import { startTestServer, tempDataDir, useTestServer, type TestServer } from '../support/server.js';
import { factories } from '../support/factories.js';
import { eventually } from '../support/eventually.js';
import { rmSync } from 'node:fs';

function sqliteStoreOf(server: TestServer): SqliteStore {
  const store = server.deps.store;
  assert.ok(store instanceof SqliteStore, 'the test server runs the embedded store');
  return store;
}

describe('group commit over HTTP', function () {
  this.timeout(90_000);
  const { server, f } = useTestServer();
  const h = questionHelpers(f);

  it('100 concurrent send_text: every one answered and stored once, seq gapless, in fewer than 50 commits (relay included)', async () => {
    const { user, agent, questionId: q } = await f.servedQuestion();
    const store = sqliteStoreOf(server);
    // Clients keep their connections open; a burst on fresh ones arrives one connection at a time
    // (the client opens them in turn), which measures the connect path, not concurrent writes.
    await Promise.all(Array.from({ length: 100 }, () => f.api.get('/healthz')));
    await eventually(async () => (await store.outbox.countEvents()) === 0, 'the outbox relayed the set-up');
    const before = store.stats;
    const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => f.sendText(q, i % 2 ? agent : user, `m${i}`)));
    const ids = replies.map((reply) => assertOk(reply, messageIdReply).message_id);
    await eventually(async () => (await store.outbox.countEvents()) === 0, 'the outbox relayed the sends');
    const commits = store.stats.commits - before.commits;
    const messages = (await h.allMessages(q, user)).filter((m) => m.type === 3);
    assert.deepEqual(messages.map((m) => m.seq), Array.from({ length: 100 }, (_, i) => i + 2), 'after the serve notice, seq runs on without gaps');
    assert.deepEqual(new Set(messages.map((m) => m.message_id)), new Set(ids));
    assert.deepEqual(messages.map((m) => m.text).sort(), Array.from({ length: 100 }, (_, i) => `m${i}`).sort());
    // 100 appends and 100 relayed events (claims and completions): 200 writes.
    assert.ok(store.stats.writes - before.writes >= 200);
    assert.ok(commits < 50, `${commits} commits for 100 sends`);
  });
});

describe('group commit: two processes on one DATA_DIR', function () {
  this.timeout(90_000);
  let dataDir: string;
  let child: ChildNode | undefined;
  let local: TestServer | undefined;

  before(async () => {
    dataDir = tempDataDir();
    child = await spawnNode({ DATA_DIR: dataDir });
    local = await startTestServer({ DATA_DIR: dataDir });
  });

  after(async () => {
    await child?.kill('SIGKILL');
    await local?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('concurrent sends to both nodes on one question: all answered, each stored once, seq gapless', async () => {
    const f = factories(local!);
    const { user, agent, questionId: q } = await f.servedQuestion();
    const remote = client(child!.url);
    const sendTo = (api: typeof remote, i: number) => {
      const as = i % 2 ? agent : user;
      return api.post(`/v1/question/${q}/message/send_text`, {
        session: as.session,
        sender: 'servId' in as ? as.servId : as.userId,
        sender_type: 'servId' in as ? 2 : 1,
        text: `${api === remote ? 'child' : 'local'} ${i}`,
      });
    };
    const replies = await Promise.all(Array.from({ length: 120 }, (_, i) => sendTo(i % 3 ? f.api : remote, i)));
    for (const reply of replies) assertOk(reply, messageIdReply);
    const messages = await allMessages(child!.url, q, user.session);
    assert.deepEqual(messages.map((m) => m.seq), Array.from({ length: 121 }, (_, i) => i + 1));
    const texts = messages.filter((m) => m.type === 3).map((m) => m.text);
    assert.equal(new Set(texts).size, 120);
    assert.equal(texts.filter((t) => t.startsWith('child')).length, 40);
  });
});
