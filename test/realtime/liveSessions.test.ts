/**
 * An open socket is a use of its session: a desk that only listens stays signed in past
 * DESK_SESSION_TTL_S, and a socket whose session expired anyway is disconnected.
 */
import assert from 'node:assert/strict';
import { sessionDigest } from '../../server/domain/sessionTokens.js';
import { movableClock } from '../jobs/support.js';
import { assertError } from '../support/envelope.js';
import { useTestServer } from '../support/server.js';
import { recordedSocket, type Recorded } from '../support/sockets.js';

describe('real time: live sockets keep their sessions alive', () => {
  const clock = movableClock();
  const { server, f } = useTestServer({ env: { DESK_SESSION_TTL_S: '100' }, now: clock.now });
  const open: Recorded[] = [];
  afterEach(() => open.splice(0).forEach((r) => r.close()));

  async function deskSession() {
    const agent = await f.agent({ bind: false });
    const login = await f.api.post('/v1/serv/login', { serv_id: agent.servId, password: agent.password });
    assert.equal(login.status, 200, login.text);
    return login.body.session as string;
  }

  it('a desk that only listens is not signed out after the TTL: each sweep records the use', async () => {
    const session = await deskSession();
    open.push(await recordedSocket(server.url, session));
    for (let i = 0; i < 3; i++) {
      clock.advance(90);
      await server.realtime.liveSessions.sweep();
    }
    const stored = await server.deps.store.accounts.getSession(sessionDigest(session));
    assert.ok(server.deps.now() - stored!.lastUsedAt < 1, 'the last sweep recorded a use');
    assert.equal((await f.api.get('/v1/question/list', {}, { session })).status, 200, '270 s after sign-in, still valid');
  });

  it('without a socket the same desk session expires', async () => {
    const session = await deskSession();
    clock.advance(101);
    await server.realtime.liveSessions.sweep();
    assertError(await f.api.get('/v1/question/list', {}, { session }), 'session_invalid', 'session');
  });

  it('a socket whose session expired anyway is disconnected by the next sweep', async () => {
    const session = await deskSession();
    const socket = await recordedSocket(server.url, session);
    open.push(socket);
    const gone = new Promise<void>((resolve) => socket.socket.once('disconnect', () => resolve()));
    // The node missed its sweeps (busy, or the TTL was shortened): the session is past its TTL.
    clock.advance(101);
    await server.realtime.liveSessions.sweep();
    await gone;
  });

  it('leaves sessions without an idle TTL alone (no use written for app sessions by default)', async () => {
    const user = await f.user();
    open.push(await recordedSocket(server.url, user.session));
    const before = (await server.deps.store.accounts.getSession(sessionDigest(user.session)))!.lastUsedAt;
    clock.advance(90);
    await server.realtime.liveSessions.sweep();
    assert.equal((await server.deps.store.accounts.getSession(sessionDigest(user.session)))!.lastUsedAt, before);
  });
});
