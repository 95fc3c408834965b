/** Contract: apps, users, sessions and their agent bindings, agents. */
import assert from 'node:assert/strict';
import { T0, type GetStore } from './support.js';

export function accountsContract(store: GetStore): void {
  describe('apps and users', () => {
    it('answers ping and names its kind', async () => {
      await store().ping();
      assert.ok(['sqlite', 'mongo'].includes(store().kind));
    });

    it('upserts an app: the name changes, the creation time stays', async () => {
      assert.equal(await store().getApp('com.a'), null);
      await store().upsertApp({ identify: 'com.a', name: 'A', createdAt: T0 });
      await store().upsertApp({ identify: 'com.a', name: 'A2', createdAt: T0 + 50 });
      assert.deepEqual(await store().getApp('com.a'), { identify: 'com.a', name: 'A2', createdAt: T0 });
    });

    it('upserts users and reads several at once', async () => {
      await store().upsertUser({ userId: 'u1', name: 'One', imageUrl: '', deviceCount: 0, groupCount: 0 });
      await store().upsertUser({ userId: 'u1', name: 'Uno', imageUrl: 'https://x/1.png', deviceCount: 2, groupCount: 3 });
      await store().upsertUser({ userId: 'u2', name: 'Two', imageUrl: '', deviceCount: 1, groupCount: 0 });
      assert.deepEqual(await store().getUser('u1'), { userId: 'u1', name: 'Uno', imageUrl: 'https://x/1.png', deviceCount: 2, groupCount: 3 });
      assert.equal(await store().getUser('nobody'), null);
      const users = await store().getUsers(['u1', 'u2', 'u1', 'nobody']);
      assert.deepEqual([...users.keys()].sort(), ['u1', 'u2']);
      assert.equal((await store().getUsers([])).size, 0);
    });
  });

  describe('sessions and bindings', () => {
    const session = (id: string, userId = 'u1', identify = 'com.a') => ({ session: id, userId, identify, servId: null, createdAt: T0 });

    it('creates, reads and deletes a session; a second create of the same token fails', async () => {
      await store().createSession(session('AAAAAAAAAAAA'));
      assert.deepEqual(await store().getSession('AAAAAAAAAAAA'), session('AAAAAAAAAAAA'));
      await assert.rejects(store().createSession(session('AAAAAAAAAAAA', 'u2')));
      assert.equal(await store().deleteSession('AAAAAAAAAAAA'), true);
      assert.equal(await store().deleteSession('AAAAAAAAAAAA'), false);
      assert.equal(await store().getSession('AAAAAAAAAAAA'), null);
    });

    it('binds to an agent, rebinds, and unbinds only for the agent it is bound to', async () => {
      await store().createSession(session('BBBBBBBBBBBB'));
      await store().bindSession('BBBBBBBBBBBB', 's1');
      assert.equal((await store().getSession('BBBBBBBBBBBB'))!.servId, 's1');
      await store().bindSession('BBBBBBBBBBBB', 's2');
      assert.equal(await store().unbindSession('BBBBBBBBBBBB', 's1'), false);
      assert.equal((await store().getSession('BBBBBBBBBBBB'))!.servId, 's2');
      assert.equal(await store().unbindSession('BBBBBBBBBBBB', 's2'), true);
      assert.equal((await store().getSession('BBBBBBBBBBBB'))!.servId, null);
      assert.equal(await store().unbindSession('BBBBBBBBBBBB', 's2'), false);
    });

    it('lists the sessions bound to an agent and the sessions of a user in one app, by token', async () => {
      for (const id of ['DDDDDDDDDDDD', 'CCCCCCCCCCCC', 'EEEEEEEEEEEE']) await store().createSession(session(id));
      await store().createSession(session('FFFFFFFFFFFF', 'u1', 'com.other'));
      await store().bindSession('DDDDDDDDDDDD', 's1');
      await store().bindSession('CCCCCCCCCCCC', 's1');
      await store().bindSession('EEEEEEEEEEEE', 's2');
      assert.deepEqual((await store().listAgentSessions('s1')).map((s) => s.session), ['CCCCCCCCCCCC', 'DDDDDDDDDDDD']);
      assert.deepEqual(await store().listAgentSessions('nobody'), []);
      assert.deepEqual((await store().listUserSessions('u1', 'com.a')).map((s) => s.session), ['CCCCCCCCCCCC', 'DDDDDDDDDDDD', 'EEEEEEEEEEEE']);
      assert.deepEqual((await store().listUserSessions('u1', 'com.other')).map((s) => s.servId), [null]);
    });
  });

  describe('agents', () => {
    it('upserts an agent, replacing its apps, and lists the agents of an app', async () => {
      assert.equal(await store().getAgent('s1'), null);
      await store().upsertAgent({ servId: 's1', passwordHash: 'h1', name: 'S1', identifies: ['com.b', 'com.a', 'com.a'] });
      await store().upsertAgent({ servId: 's0', passwordHash: 'h0', name: 'S0', identifies: ['com.a'] });
      assert.deepEqual(await store().getAgent('s1'), { servId: 's1', passwordHash: 'h1', name: 'S1', identifies: ['com.a', 'com.b'] });
      assert.deepEqual((await store().listAgentsOfApp('com.a')).map((a) => a.servId), ['s0', 's1']);
      await store().upsertAgent({ servId: 's1', passwordHash: 'h2', name: 'S1b', identifies: ['com.c'] });
      assert.deepEqual(await store().getAgent('s1'), { servId: 's1', passwordHash: 'h2', name: 'S1b', identifies: ['com.c'] });
      assert.deepEqual((await store().listAgentsOfApp('com.a')).map((a) => a.servId), ['s0']);
      assert.deepEqual((await store().listAgentsOfApp('com.c')).map((a) => a.identifies), [['com.c']]);
    });
  });
}
