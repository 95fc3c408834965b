/**
 * Idle expiry of device sessions: SESSION_TTL_S for app sessions (none by default), DESK_SESSION_TTL_S
 * for desk sessions. A use slides the expiry, recorded at most once a minute; an expired session
 * answers session_invalid on REST and at the socket handshake.
 */
import assert from 'node:assert/strict';
import { SESSION_TOUCH_S } from '../../server/domain/actor.js';
import { sessionDigest } from '../../server/domain/sessionTokens.js';
import { assertError } from '../support/envelope.js';
import { factories } from '../support/factories.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { connectSocket } from '../support/sockets.js';
import { movableClock } from '../jobs/support.js';

describe('sessions: idle expiry', function () {
  this.timeout(30_000);
  const servers: TestServer[] = [];
  after(async () => {
    for (const server of servers) await server.stop();
  });

  async function start(env: Record<string, string>) {
    const clock = movableClock();
    const server = await startTestServer(env, { now: clock.now });
    servers.push(server);
    const f = factories(server);
    const user = await f.user();
    const use = () => f.api.get(`/v1/user/${user.userId}/alls`, { num: 5 }, { session: user.session });
    const stored = async () => (await server.deps.store.accounts.getSession(sessionDigest(user.session)))!;
    return { server, clock, f, user, use, stored };
  }

  it('with SESSION_TTL_S an app session lives while used and expires after the TTL without use', async () => {
    const { server, clock, user, use } = await start({ SESSION_TTL_S: '600' });
    assert.equal((await use()).status, 200);
    clock.advance(500);
    assert.equal((await use()).status, 200);
    clock.advance(500); // 1000 s since creation, 500 since the last use
    assert.equal((await use()).status, 200);
    clock.advance(601);
    assertError(await use(), 'session_invalid', 'session');
    await assert.rejects(connectSocket(server.url, user.session));
  });

  it(`records a use at most once every ${SESSION_TOUCH_S} s`, async () => {
    const { clock, use, stored } = await start({ SESSION_TTL_S: '600' });
    const created = (await stored()).lastUsedAt;
    clock.advance(SESSION_TOUCH_S / 2);
    assert.equal((await use()).status, 200);
    assert.equal((await stored()).lastUsedAt, created, 'no write for a use within the minute');
    clock.advance(SESSION_TOUCH_S / 2 + 1);
    assert.equal((await use()).status, 200);
    const touched = (await stored()).lastUsedAt;
    assert.ok(touched >= created + SESSION_TOUCH_S, `${touched} vs ${created}`);
    assert.equal((await use()).status, 200);
    assert.equal((await stored()).lastUsedAt, touched);
  });

  it('without SESSION_TTL_S an app session never expires and no use is written', async () => {
    const { clock, use, stored } = await start({});
    const created = (await stored()).lastUsedAt;
    clock.advance(365 * 86400);
    assert.equal((await use()).status, 200);
    assert.equal((await stored()).lastUsedAt, created);
  });

  it('a desk session expires after DESK_SESSION_TTL_S even without SESSION_TTL_S', async () => {
    const { server, clock, f, user } = await start({ DESK_SESSION_TTL_S: '100' });
    const token = 'DeskToken001';
    const now = server.deps.now();
    await server.deps.store.accounts.createSession({
      digest: sessionDigest(token),
      userId: user.userId,
      identify: user.identify,
      servId: null,
      kind: 'desk',
      createdAt: now,
      lastUsedAt: now,
    });
    const use = () => f.api.get(`/v1/user/${user.userId}/alls`, { num: 5 }, { session: token });
    assert.equal((await use()).status, 200);
    clock.advance(90);
    assert.equal((await use()).status, 200);
    clock.advance(90); // 180 s since creation, 90 since the last recorded use
    assert.equal((await use()).status, 200);
    clock.advance(101);
    assertError(await use(), 'session_invalid', 'session');
    // The app session of the same user is not a desk session: no TTL applies to it.
    assert.equal((await f.api.get(`/v1/user/${user.userId}/alls`, { num: 5 }, { session: user.session })).status, 200);
  });

  it('a desk sign-in (POST /v1/serv/login) is a desk session: it ends after DESK_SESSION_TTL_S without use', async () => {
    const { server, clock, f } = await start({ DESK_SESSION_TTL_S: '100' });
    const agent = await f.agent({ bind: false });
    const login = await f.api.post('/v1/serv/login', { serv_id: agent.servId, password: agent.password });
    assert.equal(login.status, 200, login.text);
    const token = login.body.session as string;
    assert.equal((await server.deps.store.accounts.getSession(sessionDigest(token)))?.kind, 'desk');
    const use = () => f.api.get('/v1/question/list', {}, { session: token });
    clock.advance(99);
    assert.equal((await use()).status, 200);
    clock.advance(101);
    assertError(await use(), 'session_invalid', 'session');
  });
});
