/**
 * Contract: apps, users, sessions (keyed by digest) and their agent bindings, agents; the change
 * feed entries each provisioning write appends in its own transaction.
 */
import assert from 'node:assert/strict';
import { newObjectId } from '../../../server/stores/objectId.js';
import { T0, changesAfter, digestOf, newQuestion, sessionFor, type GetStore } from './support.js';

const digests = (sessions: Array<{ digest: string }>) => sessions.map((s) => s.digest).sort();

export function accountsContract(store: GetStore): void {
  const accounts = () => store().accounts;

  describe('apps and users', () => {
    it('answers ping and names its kind', async () => {
      await store().ping();
      assert.ok(['sqlite', 'mongo'].includes(store().kind));
    });

    it('upserts an app: the name changes, the creation time stays', async () => {
      assert.equal(await accounts().getApp('com.a'), null);
      await accounts().upsertApp({ identify: 'com.a', name: 'A', createdAt: T0 });
      await accounts().upsertApp({ identify: 'com.a', name: 'A2', createdAt: T0 + 50 });
      assert.deepEqual(await accounts().getApp('com.a'), { identify: 'com.a', name: 'A2', createdAt: T0, routing: 'manual' });
    });

    it('upserts users and reads several at once', async () => {
      await accounts().upsertUser({ userId: 'u1', name: 'One', imageUrl: '', deviceCount: 0, groupCount: 0 });
      await accounts().upsertUser({ userId: 'u1', name: 'Uno', imageUrl: 'https://x/1.png', deviceCount: 2, groupCount: 3 });
      await accounts().upsertUser({ userId: 'u2', name: 'Two', imageUrl: '', deviceCount: 1, groupCount: 0 });
      assert.deepEqual(await accounts().getUser('u1'), { userId: 'u1', name: 'Uno', imageUrl: 'https://x/1.png', deviceCount: 2, groupCount: 3 });
      assert.equal(await accounts().getUser('nobody'), null);
      const users = await accounts().getUsers(['u1', 'u2', 'u1', 'nobody']);
      assert.deepEqual([...users.keys()].sort(), ['u1', 'u2']);
      assert.equal((await accounts().getUsers([])).size, 0);
    });
  });

  describe('sessions and bindings', () => {
    it('creates, reads and deletes a session by digest; a second create of the same digest fails', async () => {
      const record = sessionFor('AAAAAAAAAAAA');
      await accounts().createSession(record);
      assert.deepEqual(await accounts().getSession(digestOf('AAAAAAAAAAAA')), record);
      // Only the digest finds it: the token itself is no key.
      assert.equal(await accounts().getSession('AAAAAAAAAAAA'), null);
      await assert.rejects(accounts().createSession(sessionFor('AAAAAAAAAAAA', { userId: 'u2' })));
      assert.deepEqual(await accounts().deleteSession(record.digest, T0 + 1), record);
      assert.equal(await accounts().deleteSession(record.digest, T0 + 2), null);
      assert.equal(await accounts().getSession(record.digest), null);
    });

    it('keeps the kind and records uses (touchSession), appending nothing to the feed', async () => {
      const desk = sessionFor('DESKDESKDESK', { kind: 'desk', lastUsedAt: T0 + 5 });
      await accounts().createSession(desk);
      const before = await store().outbox.lastChangeSeq();
      await accounts().touchSession(desk.digest, T0 + 100);
      assert.deepEqual(await accounts().getSession(desk.digest), { ...desk, lastUsedAt: T0 + 100 });
      await accounts().touchSession(digestOf('nobody-at-all'), T0 + 100);
      assert.equal(await store().outbox.lastChangeSeq(), before);
    });

    it('binds to an agent, rebinds, and unbinds only for the agent it is bound to', async () => {
      const { digest } = sessionFor('BBBBBBBBBBBB');
      await accounts().createSession(sessionFor('BBBBBBBBBBBB'));
      await accounts().bindSession(digest, 's1', T0 + 1);
      assert.equal((await accounts().getSession(digest))!.servId, 's1');
      await accounts().bindSession(digest, 's2', T0 + 2);
      assert.equal(await accounts().unbindSession(digest, 's1', T0 + 3), false);
      assert.equal((await accounts().getSession(digest))!.servId, 's2');
      assert.equal(await accounts().unbindSession(digest, 's2', T0 + 4), true);
      assert.equal((await accounts().getSession(digest))!.servId, null);
      assert.equal(await accounts().unbindSession(digest, 's2', T0 + 5), false);
    });

    it('lists the sessions bound to some agents (one query) and the sessions of a user in one app, by digest', async () => {
      for (const token of ['DDDDDDDDDDDD', 'CCCCCCCCCCCC', 'EEEEEEEEEEEE']) await accounts().createSession(sessionFor(token));
      await accounts().createSession(sessionFor('FFFFFFFFFFFF', { identify: 'com.other' }));
      await accounts().bindSession(digestOf('DDDDDDDDDDDD'), 's1', T0);
      await accounts().bindSession(digestOf('CCCCCCCCCCCC'), 's1', T0);
      await accounts().bindSession(digestOf('EEEEEEEEEEEE'), 's2', T0);
      const s1 = ['CCCCCCCCCCCC', 'DDDDDDDDDDDD'].map(digestOf).sort();
      assert.deepEqual((await accounts().listAgentSessions(['s1'])).map((s) => s.digest), s1);
      assert.deepEqual(digests(await accounts().listAgentSessions(['s1', 's2', 'nobody'])), [...s1, digestOf('EEEEEEEEEEEE')].sort());
      assert.deepEqual(await accounts().listAgentSessions(['nobody']), []);
      assert.deepEqual(await accounts().listAgentSessions([]), []);
      assert.deepEqual(
        (await accounts().listUserSessions('u1', 'com.a')).map((s) => s.digest),
        ['CCCCCCCCCCCC', 'DDDDDDDDDDDD', 'EEEEEEEEEEEE'].map(digestOf).sort(),
      );
      assert.deepEqual((await accounts().listUserSessions('u1', 'com.other')).map((s) => s.servId), [null]);
    });
  });

  describe('agents', () => {
    it('upserts an agent, replacing its apps, and lists the agents of an app', async () => {
      const options = { endBindings: false, now: T0 };
      assert.equal(await accounts().getAgent('s1'), null);
      const first = await accounts().upsertAgent({ servId: 's1', passwordHash: 'h1', name: 'S1', identifies: ['com.b', 'com.a', 'com.a'], maxConcurrent: 0 }, options);
      assert.deepEqual(first, { previous: null, unbound: [] });
      await accounts().upsertAgent({ servId: 's0', passwordHash: 'h0', name: 'S0', identifies: ['com.a'], maxConcurrent: 0 }, options);
      assert.deepEqual(await accounts().getAgent('s1'), { servId: 's1', passwordHash: 'h1', name: 'S1', identifies: ['com.a', 'com.b'], maxConcurrent: 0, role: 'agent' });
      assert.deepEqual((await accounts().listAgentsOfApp('com.a')).map((a) => a.servId), ['s0', 's1']);
      const second = await accounts().upsertAgent({ servId: 's1', passwordHash: 'h2', name: 'S1b', identifies: ['com.c'], maxConcurrent: 4 }, options);
      assert.deepEqual(second.previous, { servId: 's1', passwordHash: 'h1', name: 'S1', identifies: ['com.a', 'com.b'], maxConcurrent: 0, role: 'agent' });
      assert.deepEqual(await accounts().getAgent('s1'), { servId: 's1', passwordHash: 'h2', name: 'S1b', identifies: ['com.c'], maxConcurrent: 4, role: 'agent' });
      assert.deepEqual((await accounts().listAgentsOfApp('com.a')).map((a) => a.servId), ['s0']);
      assert.deepEqual((await accounts().listAgentsOfApp('com.c')).map((a) => a.identifies), [['com.c']]);
    });

    it('with endBindings unbinds every session bound to the agent, in the same write; without, keeps them', async () => {
      const agent = { servId: 's1', passwordHash: 'h1', name: 'S1', identifies: ['com.a'], maxConcurrent: 0 };
      await accounts().upsertAgent(agent, { endBindings: false, now: T0 });
      for (const token of ['GGGGGGGGGGGG', 'HHHHHHHHHHHH', 'IIIIIIIIIIII']) await accounts().createSession(sessionFor(token));
      await accounts().bindSession(digestOf('GGGGGGGGGGGG'), 's1', T0);
      await accounts().bindSession(digestOf('HHHHHHHHHHHH'), 's1', T0);
      await accounts().bindSession(digestOf('IIIIIIIIIIII'), 's2', T0);
      const kept = await accounts().upsertAgent({ ...agent, name: 'renamed' }, { endBindings: false, now: T0 + 1 });
      assert.deepEqual(kept.unbound, []);
      assert.equal((await accounts().listAgentSessions(['s1'])).length, 2);

      const ended = await accounts().upsertAgent({ ...agent, passwordHash: 'h2' }, { endBindings: true, now: T0 + 2 });
      assert.equal(ended.previous!.passwordHash, 'h1');
      assert.deepEqual(digests(ended.unbound), ['GGGGGGGGGGGG', 'HHHHHHHHHHHH'].map(digestOf).sort());
      assert.deepEqual(await accounts().listAgentSessions(['s1']), []);
      assert.equal((await accounts().getSession(digestOf('GGGGGGGGGGGG')))!.servId, null);
      assert.equal((await accounts().getSession(digestOf('IIIIIIIIIIII')))!.servId, 's2', "another agent's binding stays");
    });

    it('deletes an agent and unbinds its sessions in one write; null when unknown', async () => {
      await accounts().upsertAgent({ servId: 's1', passwordHash: 'h1', name: 'S1', identifies: ['com.a', 'com.b'], maxConcurrent: 0 }, { endBindings: false, now: T0 });
      await accounts().createSession(sessionFor('JJJJJJJJJJJJ'));
      await accounts().bindSession(digestOf('JJJJJJJJJJJJ'), 's1', T0);
      const removed = (await accounts().deleteAgent('s1', T0 + 1))!;
      assert.deepEqual(removed.agent, { servId: 's1', passwordHash: 'h1', name: 'S1', identifies: ['com.a', 'com.b'], maxConcurrent: 0, role: 'agent' });
      assert.deepEqual(digests(removed.unbound), [digestOf('JJJJJJJJJJJJ')]);
      assert.equal(await accounts().getAgent('s1'), null);
      assert.deepEqual(await accounts().listAgentsOfApp('com.a'), []);
      assert.equal((await accounts().getSession(digestOf('JJJJJJJJJJJJ')))!.servId, null);
      assert.equal(await accounts().deleteAgent('s1', T0 + 2), null);
    });
  });

  describe('deleting an app', () => {
    it('removes its sessions, its agents\' membership, its templates and their items; questions stay', async () => {
      await accounts().upsertApp({ identify: 'com.a', name: 'A', createdAt: T0 });
      await accounts().upsertApp({ identify: 'com.b', name: 'B', createdAt: T0 });
      await accounts().upsertAgent({ servId: 's1', passwordHash: 'h', name: 'S1', identifies: ['com.a', 'com.b'], maxConcurrent: 0 }, { endBindings: false, now: T0 });
      await accounts().upsertAgent({ servId: 's2', passwordHash: 'h', name: 'S2', identifies: ['com.a'], maxConcurrent: 0 }, { endBindings: false, now: T0 });
      await accounts().upsertAgent({ servId: 's3', passwordHash: 'h', name: 'S3', identifies: ['com.b'], maxConcurrent: 0 }, { endBindings: false, now: T0 });
      await accounts().createSession(sessionFor('KKKKKKKKKKKK'));
      await accounts().createSession(sessionFor('LLLLLLLLLLLL'));
      await accounts().bindSession(digestOf('LLLLLLLLLLLL'), 's1', T0);
      await accounts().createSession(sessionFor('MMMMMMMMMMMM', { identify: 'com.b' }));
      await accounts().bindSession(digestOf('MMMMMMMMMMMM'), 's1', T0);
      const template = { id: newObjectId(), identify: 'com.a', title: 'T', createdAt: T0 };
      const kept = { id: newObjectId(), identify: 'com.b', title: 'U', createdAt: T0 };
      await store().templates.createTemplate(template);
      await store().templates.createTemplate(kept);
      await store().templates.createItem({ id: newObjectId(), templateId: template.id, question: 'Q', content: 'A' });
      await store().templates.createItem({ id: newObjectId(), templateId: kept.id, question: 'Q', content: 'A' });
      const question = await newQuestion(store(), { identify: 'com.a' });

      const removed = (await accounts().deleteApp('com.a', T0 + 1))!;
      assert.deepEqual(digests(removed.sessions), ['KKKKKKKKKKKK', 'LLLLLLLLLLLL'].map(digestOf).sort());
      assert.deepEqual([...removed.agents].sort(), ['s1', 's2']);
      assert.equal(await accounts().getApp('com.a'), null);
      assert.ok(await accounts().getApp('com.b'));
      assert.equal(await accounts().getSession(digestOf('KKKKKKKKKKKK')), null);
      assert.equal(await accounts().getSession(digestOf('LLLLLLLLLLLL')), null);
      assert.equal((await accounts().getSession(digestOf('MMMMMMMMMMMM')))!.servId, 's1', 'a session of another app stays bound');
      assert.deepEqual((await accounts().getAgent('s1'))!.identifies, ['com.b']);
      assert.deepEqual((await accounts().getAgent('s2'))!.identifies, []);
      assert.deepEqual((await accounts().getAgent('s3'))!.identifies, ['com.b']);
      assert.deepEqual(await accounts().listAgentsOfApp('com.a'), []);
      assert.equal(await store().templates.getTemplate(template.id), null);
      assert.deepEqual(await store().templates.listItems(template.id, { num: 10, offset: 0, sort: 1 }), []);
      assert.deepEqual(await store().templates.listTemplates(['com.a', 'com.b']), [kept]);
      assert.equal((await store().templates.listItems(kept.id, { num: 10, offset: 0, sort: 1 })).length, 1);
      assert.deepEqual(await store().conversations.getQuestion(question.id), question);
    });

    it('answers null for an unknown app and writes nothing', async () => {
      const before = await store().outbox.lastChangeSeq();
      assert.equal(await accounts().deleteApp('com.none', T0), null);
      assert.equal(await store().outbox.lastChangeSeq(), before);
    });
  });

  describe('change feed of provisioning writes', () => {
    it('appends one entry per change, in order, with seq rising by one; reads never append', async () => {
      assert.equal(await store().outbox.lastChangeSeq(), 0);
      assert.deepEqual(await store().outbox.listChanges(0, 10), []);
      const digest = digestOf('NNNNNNNNNNNN');
      await accounts().upsertApp({ identify: 'com.a', name: 'A', createdAt: T0 });
      await accounts().upsertUser({ userId: 'u1', name: 'U', imageUrl: '', deviceCount: 0, groupCount: 0 });
      await accounts().createSession(sessionFor('NNNNNNNNNNNN'));
      assert.equal(await store().outbox.lastChangeSeq(), 0, 'creating an app, a user or a session changes no one\'s rooms');

      await accounts().upsertAgent({ servId: 's1', passwordHash: 'h', name: 'S1', identifies: ['com.a'], maxConcurrent: 0 }, { endBindings: false, now: T0 + 1 });
      await accounts().bindSession(digest, 's1', T0 + 2);
      assert.equal(await accounts().unbindSession(digest, 's2', T0 + 3), false);
      assert.equal(await accounts().unbindSession(digest, 's1', T0 + 4), true);
      await accounts().touchSession(digest, T0 + 5);
      await accounts().getSession(digest);
      await accounts().deleteSession(digest, T0 + 6);
      await accounts().deleteSession(digest, T0 + 7);

      const changes = await store().outbox.listChanges(0, 100);
      assert.deepEqual(
        changes.map((c) => [c.kind, c.key, c.at]),
        [
          ['agent', 's1', T0 + 1],
          ['session', digest, T0 + 2],
          ['session', digest, T0 + 4],
          ['session', digest, T0 + 6],
        ],
      );
      const first = changes[0]!.seq;
      assert.ok(first >= 1);
      assert.deepEqual(changes.map((c) => c.seq), [first, first + 1, first + 2, first + 3]);
      assert.equal(await store().outbox.lastChangeSeq(), first + 3);
      assert.deepEqual((await store().outbox.listChanges(first + 1, 1)).map((c) => c.seq), [first + 2]);
      assert.deepEqual(await store().outbox.listChanges(first + 3, 10), []);
    });

    it('records a password change: the agent, then each session it unbound', async () => {
      await accounts().upsertAgent({ servId: 's1', passwordHash: 'h1', name: 'S1', identifies: ['com.a'], maxConcurrent: 0 }, { endBindings: false, now: T0 });
      for (const token of ['OOOOOOOOOOOO', 'PPPPPPPPPPPP']) {
        await accounts().createSession(sessionFor(token));
        await accounts().bindSession(digestOf(token), 's1', T0);
      }
      const seq = await store().outbox.lastChangeSeq();
      await accounts().upsertAgent({ servId: 's1', passwordHash: 'h2', name: 'S1', identifies: ['com.a'], maxConcurrent: 0 }, { endBindings: true, now: T0 + 1 });
      const feed = await changesAfter(store(), seq);
      assert.deepEqual(feed[0], ['agent', 's1']);
      assert.deepEqual(feed.slice(1).sort(), ['OOOOOOOOOOOO', 'PPPPPPPPPPPP'].map((t) => ['session', digestOf(t)]).sort());
    });

    it('records an agent deleted: the agent, then each session it unbound', async () => {
      await accounts().upsertAgent({ servId: 's1', passwordHash: 'h1', name: 'S1', identifies: ['com.a'], maxConcurrent: 0 }, { endBindings: false, now: T0 });
      await accounts().createSession(sessionFor('QQQQQQQQQQQQ'));
      await accounts().bindSession(digestOf('QQQQQQQQQQQQ'), 's1', T0);
      const seq = await store().outbox.lastChangeSeq();
      await accounts().deleteAgent('s1', T0 + 1);
      assert.deepEqual(await changesAfter(store(), seq), [['agent', 's1'], ['session', digestOf('QQQQQQQQQQQQ')]]);
      const again = await store().outbox.lastChangeSeq();
      assert.equal(await accounts().deleteAgent('s1', T0 + 2), null);
      assert.equal(await store().outbox.lastChangeSeq(), again);
    });

    it('records an app deleted: the app, each session deleted, each agent that lost it', async () => {
      await accounts().upsertApp({ identify: 'com.a', name: 'A', createdAt: T0 });
      await accounts().upsertAgent({ servId: 's1', passwordHash: 'h', name: 'S1', identifies: ['com.a'], maxConcurrent: 0 }, { endBindings: false, now: T0 });
      await accounts().upsertAgent({ servId: 's2', passwordHash: 'h', name: 'S2', identifies: ['com.a', 'com.b'], maxConcurrent: 0 }, { endBindings: false, now: T0 });
      await accounts().createSession(sessionFor('RRRRRRRRRRRR'));
      await accounts().createSession(sessionFor('SSSSSSSSSSSS'));
      const seq = await store().outbox.lastChangeSeq();
      await accounts().deleteApp('com.a', T0 + 1);
      const feed = await changesAfter(store(), seq);
      assert.deepEqual(feed.map(([kind]) => kind), ['app', 'session', 'session', 'agent', 'agent']);
      assert.deepEqual(feed[0], ['app', 'com.a']);
      assert.deepEqual(feed.slice(1, 3).map(([, key]) => key).sort(), ['RRRRRRRRRRRR', 'SSSSSSSSSSSS'].map(digestOf).sort());
      assert.deepEqual(feed.slice(3).map(([, key]) => key).sort(), ['s1', 's2']);
    });

    it('prunes entries older than a time; later entries keep their seq', async () => {
      await accounts().upsertAgent({ servId: 's1', passwordHash: 'h', name: 'S1', identifies: [], maxConcurrent: 0 }, { endBindings: false, now: T0 });
      await accounts().upsertAgent({ servId: 's2', passwordHash: 'h', name: 'S2', identifies: [], maxConcurrent: 0 }, { endBindings: false, now: T0 + 10 });
      const [older, newer] = await store().outbox.listChanges(0, 10);
      await store().outbox.pruneChanges(T0 + 5);
      assert.deepEqual(await store().outbox.listChanges(0, 10), [newer]);
      assert.equal(newer!.seq, older!.seq + 1);
      await accounts().upsertAgent({ servId: 's3', passwordHash: 'h', name: 'S3', identifies: [], maxConcurrent: 0 }, { endBindings: false, now: T0 + 20 });
      assert.equal(await store().outbox.lastChangeSeq(), newer!.seq + 1);
    });
  });
}
