/**
 * The actor cache (server/domain/actorCache.ts) never outlives a provisioning change: over real
 * HTTP, a session resolved once is cached, and a change drops it on the node that made it before
 * the change's reply, and on another node on the same DATA_DIR (or after the CLI made it) once that
 * node's change feed has read it. The nodes that must learn from the feed keep entries for an hour,
 * so only the feed can drop them; `caughtUp()` stands for "one poll later", with no timing asserted.
 */
import assert from 'node:assert/strict';
import { ActorCache } from '../../server/domain/actorCache.js';
import type { Actor } from '../../server/domain/actor.js';
import { sessionDigest } from '../../server/domain/sessionTokens.js';
import { runCli } from '../support/cli.js';
import { assertError } from '../support/envelope.js';
import { factories, type Factories } from '../support/factories.js';
import { client } from '../support/http.js';
import { ADMIN_TOKEN, startTestServer, tempDataDir, type TestServer } from '../support/server.js';
import { movableClock } from '../jobs/support.js';

const admin = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };
/** Entries that only the change feed (or a same-node event) can drop within a test. */
const feedOnly = { actorCache: { maxAgeS: 3600 } };

/** The agent's queue through one node: 200 while the session acts as the agent. */
const queue = (server: TestServer, session: string, params: Record<string, unknown> = {}) =>
  client(server.url).get('/v1/question/list', { num: 20, ...params }, { session });

const cached = (server: TestServer, session: string) => server.deps.actors.has(sessionDigest(session));


describe('actor cache: provisioning changes drop cached sessions', function () {
  this.timeout(60_000);

  describe('on the node that made the change, before its reply', () => {
    let server: TestServer;
    let f: Factories;
    before(async () => {
      server = await startTestServer({}, feedOnly);
      f = factories(server);
    });
    after(() => server.stop());

    it('an unbind: the next request is a plain user session', async () => {
      const agent = await f.agent();
      assert.equal((await queue(server, agent.session)).status, 200);
      assert.ok(cached(server, agent.session), 'the first request cached the actor');
      const unbound = await f.api.post('/v1/serv/unbind', { session: agent.session, serv_id: agent.servId, password: agent.password });
      assert.equal(unbound.status, 200, unbound.text);
      assert.ok(!cached(server, agent.session), 'dropped by the time unbind answered');
      assertError(await queue(server, agent.session), 'serv_not_bound', 'session');
    });

    it('a bind: the next request acts as the agent', async () => {
      const agent = await f.agent();
      const device = await f.user({ identify: agent.identifies[0] });
      assertError(await queue(server, device.session), 'serv_not_bound', 'session');
      assert.ok(cached(server, device.session));
      const bound = await f.api.post('/v1/serv/bind', { session: device.session, serv_id: agent.servId, password: agent.password });
      assert.equal(bound.status, 200, bound.text);
      assert.equal((await queue(server, device.session)).status, 200);
    });

    it('a deleted session answers session_invalid at once', async () => {
      const user = await f.user();
      assert.equal((await f.api.get(`/v1/user/${user.userId}/alls`, { num: 5 }, { session: user.session })).status, 200);
      assert.ok(cached(server, user.session));
      assert.equal((await f.api.delete(`/v1/admin/sessions/${user.session}`, admin)).status, 200);
      assertError(await f.api.get(`/v1/user/${user.userId}/alls`, { num: 5 }, { session: user.session }), 'session_invalid', 'session');
    });

    it("an agent's apps shrinking: the lost app is refused at once", async () => {
      const [kept, lost] = [await f.app(), await f.app()];
      const agent = await f.agent({ identifies: [kept, lost] });
      assert.equal((await queue(server, agent.session, { identify: lost })).status, 200);
      const upserted = await f.api.post('/v1/admin/servs', { serv_id: agent.servId, password: agent.password, identifies: [kept] }, admin);
      assert.equal(upserted.status, 200, upserted.text);
      assertError(await queue(server, agent.session, { identify: lost }), 'forbidden', 'identify');
      assert.equal((await queue(server, agent.session, { identify: kept })).status, 200);
    });
  });

  describe('on another node, once its change feed has read the change', () => {
    let dataDir: string;
    let a: TestServer;
    let b: TestServer;
    let f: Factories;
    before(async () => {
      dataDir = tempDataDir();
      a = await startTestServer({ DATA_DIR: dataDir });
      b = await startTestServer({ DATA_DIR: dataDir }, feedOnly);
      f = factories(a);
    });
    after(async () => {
      await a.stop();
      await b.stop();
    });

    it('an unbind made on node A', async () => {
      const agent = await f.agent();
      assert.equal((await queue(b, agent.session)).status, 200);
      assert.ok(cached(b, agent.session));
      assert.equal((await f.api.post('/v1/serv/unbind', { session: agent.session, serv_id: agent.servId, password: agent.password })).status, 200);
      await b.realtime.changeFeed.caughtUp();
      assert.ok(!cached(b, agent.session), "node B's feed dropped the entry");
      assertError(await queue(b, agent.session), 'serv_not_bound', 'session');
    });

    it('a session deleted on node A', async () => {
      const agent = await f.agent();
      assert.equal((await queue(b, agent.session)).status, 200);
      assert.equal((await f.api.delete(`/v1/admin/sessions/${agent.session}`, admin)).status, 200);
      await b.realtime.changeFeed.caughtUp();
      assertError(await queue(b, agent.session), 'session_invalid', 'session');
    });

    it("an agent's apps shrinking on node A (an agent change, found by scanning the entries)", async () => {
      const [kept, lost] = [await f.app(), await f.app()];
      const agent = await f.agent({ identifies: [kept, lost] });
      assert.equal((await queue(b, agent.session, { identify: lost })).status, 200);
      const upserted = await f.api.post('/v1/admin/servs', { serv_id: agent.servId, password: agent.password, identifies: [kept] }, admin);
      assert.equal(upserted.status, 200, upserted.text);
      await b.realtime.changeFeed.caughtUp();
      assertError(await queue(b, agent.session, { identify: lost }), 'forbidden', 'identify');
    });

    it('an app removed on node A', async () => {
      const agent = await f.agent();
      const other = await f.user({ identify: agent.identifies[0] });
      assert.equal((await queue(b, agent.session)).status, 200);
      assert.equal((await client(b.url).get(`/v1/user/${other.userId}/alls`, { num: 5 }, { session: other.session })).status, 200);
      assert.equal((await f.api.delete(`/v1/admin/apps/${agent.identifies[0]}`, admin)).status, 200);
      await b.realtime.changeFeed.caughtUp();
      assertError(await queue(b, agent.session), 'session_invalid', 'session');
      assertError(await client(b.url).get(`/v1/user/${other.userId}/alls`, { num: 5 }, { session: other.session }), 'session_invalid', 'session');
    });

    it('a session deleted by the CLI, another process on the same DATA_DIR', async () => {
      const user = await f.user();
      const alls = () => client(b.url).get(`/v1/user/${user.userId}/alls`, { num: 5 }, { session: user.session });
      assert.equal((await alls()).status, 200);
      assert.ok(cached(b, user.session));
      await runCli(dataDir, 'session:delete', '--session', user.session);
      await b.realtime.changeFeed.caughtUp();
      assertError(await alls(), 'session_invalid', 'session');
    });
  });

  describe('idle expiry across nodes', () => {
    it('a cached session another node used since is alive here, though this copy says it expired', async () => {
      const clock = movableClock();
      const dataDir = tempDataDir();
      const a = await startTestServer({ DATA_DIR: dataDir, SESSION_TTL_S: '300' }, { now: clock.now, ...feedOnly });
      const b = await startTestServer({ DATA_DIR: dataDir, SESSION_TTL_S: '300' }, { now: clock.now, ...feedOnly });
      try {
        const user = await factories(a).user();
        const alls = (server: TestServer) => client(server.url).get(`/v1/user/${user.userId}/alls`, { num: 5 }, { session: user.session });
        assert.equal((await alls(a)).status, 200);
        assert.ok(cached(a, user.session));
        clock.advance(200);
        assert.equal((await alls(b)).status, 200, 'node B records a use');
        clock.advance(200); // 400 s after A's copy of the last use, 200 s after B's
        assert.equal((await alls(a)).status, 200);
        clock.advance(301);
        assertError(await alls(a), 'session_invalid', 'session');
      } finally {
        await a.stop({ keepData: true });
        await b.stop();
      }
    });
  });

  describe('ActorCache', () => {
    const actor = (digest: string, servId: string | null = null, identifies: string[] = []): Actor => ({
      session: { digest, userId: `u-${digest}`, identify: 'com.test.a', servId, kind: 'app', createdAt: 0, lastUsedAt: 0 },
      userId: `u-${digest}`,
      identify: 'com.test.a',
      agent: servId ? { servId, passwordHash: 'x', name: servId, identifies, maxConcurrent: 0 } : null,
    });

    it('does not store a read that began before a change (the read may predate it)', () => {
      const cache = new ActorCache();
      const mark = cache.mark();
      cache.forget([{ kind: 'session', key: 'other' }]);
      cache.set(actor('d1'), mark, 10);
      assert.equal(cache.get('d1', 10), undefined);
      cache.set(actor('d1'), cache.mark(), 10);
      assert.ok(cache.get('d1', 10));
    });

    it('uses an entry for maxAgeS, and not at all once the clock went back', () => {
      const cache = new ActorCache({ maxAgeS: 2 });
      cache.set(actor('d1'), cache.mark(), 100);
      assert.ok(cache.get('d1', 101.9));
      assert.equal(cache.get('d1', 102), undefined);
      cache.set(actor('d2'), cache.mark(), 100);
      assert.equal(cache.get('d2', 99), undefined);
    });

    it('drops the sessions of an agent or an app, and keeps the others', () => {
      const cache = new ActorCache();
      cache.set(actor('bound', 'agent-1', ['com.test.b']), cache.mark(), 0);
      cache.set(actor('plain'), cache.mark(), 0);
      cache.forget([{ kind: 'agent', key: 'agent-1' }]);
      assert.deepEqual([cache.has('bound'), cache.has('plain')], [false, true]);
      cache.set(actor('bound', 'agent-1', ['com.test.b']), cache.mark(), 0);
      cache.forget([{ kind: 'app', key: 'com.test.b' }]);
      assert.deepEqual([cache.has('bound'), cache.has('plain')], [false, true]);
      cache.forget([{ kind: 'app', key: 'com.test.a' }]);
      assert.equal(cache.has('plain'), false);
    });

    it('makes room by dropping the oldest entry; maxEntries 0 stores nothing', () => {
      const cache = new ActorCache({ maxEntries: 2 });
      for (const digest of ['d1', 'd2', 'd3']) cache.set(actor(digest), cache.mark(), 0);
      assert.deepEqual(['d1', 'd2', 'd3'].map((d) => cache.has(d)), [false, true, true]);
      const off = new ActorCache({ maxEntries: 0 });
      off.set(actor('d1'), off.mark(), 0);
      assert.equal(off.has('d1'), false);
    });
  });
});
