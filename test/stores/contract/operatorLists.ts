/**
 * Contract: the operator's lists (apps, users, sessions, agents, templates in key order, a page at
 * a time after a cursor), finding sessions by a digest prefix, and removing a user or a template.
 */
import assert from 'node:assert/strict';
import { newObjectId } from '../../../server/stores/objectId.js';
import { T0, changesAfter, digestOf, newQuestion, sessionFor, type GetStore } from './support.js';

const user = (userId: string) => ({ userId, name: `User ${userId}`, imageUrl: '', deviceCount: 0, groupCount: 0 });

export function operatorListsContract(store: GetStore): void {
  const accounts = () => store().accounts;

  describe('operator lists', () => {
    it('lists apps and users by key, a page after a cursor', async () => {
      for (const identify of ['com.c', 'com.a', 'com.b']) await accounts().upsertApp({ identify, name: identify.toUpperCase(), createdAt: T0 });
      assert.deepEqual(await accounts().listApps({ num: 2 }), [
        { identify: 'com.a', name: 'COM.A', createdAt: T0, routing: 'manual' },
        { identify: 'com.b', name: 'COM.B', createdAt: T0, routing: 'manual' },
      ]);
      assert.deepEqual((await accounts().listApps({ num: 2, after: 'com.b' })).map((a) => a.identify), ['com.c']);
      assert.deepEqual(await accounts().listApps({ num: 2, after: 'com.c' }), []);

      for (const userId of ['u3', 'u1', 'u2']) await accounts().upsertUser(user(userId));
      assert.deepEqual(await accounts().listUsers({ num: 10 }), [user('u1'), user('u2'), user('u3')]);
      assert.deepEqual((await accounts().listUsers({ num: 1, after: 'u1' })).map((u) => u.userId), ['u2']);
    });

    it('lists sessions by digest and agents by serv_id, with their apps', async () => {
      const tokens = ['SESSIONAAAAA', 'SESSIONBBBBB', 'SESSIONCCCCC'];
      for (const token of tokens) await accounts().createSession(sessionFor(token));
      const sorted = tokens.map((t) => sessionFor(t)).sort((a, b) => (a.digest < b.digest ? -1 : 1));
      assert.deepEqual(await accounts().listSessions({ num: 10 }), sorted);
      assert.deepEqual(await accounts().listSessions({ num: 1, after: sorted[0]!.digest }), [sorted[1]]);

      await accounts().upsertAgent({ servId: 's2', passwordHash: 'h', name: 'Two', identifies: ['com.b', 'com.a'], maxConcurrent: 0 }, { endBindings: false, now: T0 });
      await accounts().upsertAgent({ servId: 's1', passwordHash: 'h', name: 'One', identifies: ['com.a'], maxConcurrent: 0 }, { endBindings: false, now: T0 });
      const agents = await accounts().listAgents({ num: 10 });
      assert.deepEqual(agents.map((a) => [a.servId, a.name, [...a.identifies].sort()]), [['s1', 'One', ['com.a']], ['s2', 'Two', ['com.a', 'com.b']]]);
      assert.deepEqual((await accounts().listAgents({ num: 10, after: 's1' })).map((a) => a.servId), ['s2']);
    });

    it('finds sessions by a digest prefix, at most `limit` of them', async () => {
      const record = sessionFor('PREFIXPREFIX');
      await accounts().createSession(record);
      await accounts().createSession(sessionFor('OTHEROTHEROT'));
      assert.deepEqual(await accounts().findSessionsByDigestPrefix(record.digest.slice(0, 12), 2), [record]);
      assert.deepEqual(await accounts().findSessionsByDigestPrefix(record.digest, 2), [record]);
      assert.equal((await accounts().findSessionsByDigestPrefix('', 2)).length, 2);
      assert.equal((await accounts().findSessionsByDigestPrefix('', 1)).length, 1);
      const unused = ['0', '1', '2', '3'].map((c) => c.repeat(12)).find((p) => !record.digest.startsWith(p) && !digestOf('OTHEROTHEROT').startsWith(p))!;
      assert.deepEqual(await accounts().findSessionsByDigestPrefix(unused, 2), []);
    });

    it('lists every app’s templates by id, and removes one with its items', async () => {
      const ids = [newObjectId(), newObjectId(), newObjectId()];
      for (const [i, id] of ids.entries()) await store().templates.createTemplate({ id, identify: i === 1 ? 'com.b' : 'com.a', title: `T${i}`, createdAt: T0 + i });
      await store().templates.createItem({ id: newObjectId(), templateId: ids[1]!, question: 'Q?', content: 'A' });
      assert.deepEqual((await store().templates.listAllTemplates({ num: 10 })).map((t) => t.id), ids);
      assert.deepEqual((await store().templates.listAllTemplates({ num: 1, after: ids[0] })).map((t) => t.id), [ids[1]]);

      assert.deepEqual(await store().templates.deleteTemplate(ids[1]!), { id: ids[1], identify: 'com.b', title: 'T1', createdAt: T0 + 1 });
      assert.equal(await store().templates.getTemplate(ids[1]!), null);
      assert.deepEqual(await store().templates.listItems(ids[1]!, { num: 10, offset: 0, sort: 1 }), []);
      assert.equal(await store().templates.deleteTemplate(ids[1]!), null);
      assert.equal(await store().templates.deleteTemplate(newObjectId()), null);
      assert.deepEqual((await store().templates.listAllTemplates({ num: 10 })).map((t) => t.id), [ids[0], ids[2]]);
    });
  });

  describe('deleting a user', () => {
    it('removes the user and its sessions in every app, with a feed entry each; its questions stay', async () => {
      await accounts().upsertUser(user('u1'));
      await accounts().upsertUser(user('u2'));
      const mine = [sessionFor('USERONEAPPAA', { identify: 'com.a' }), sessionFor('USERONEAPPBB', { identify: 'com.b', servId: 's1' })];
      for (const session of mine) await accounts().createSession(session);
      const theirs = sessionFor('USERTWOAPPAA', { userId: 'u2' });
      await accounts().createSession(theirs);
      const question = await newQuestion(store(), { userId: 'u1' });
      const before = await store().outbox.lastChangeSeq();

      const removed = await accounts().deleteUser('u1', T0 + 10);
      assert.deepEqual(removed?.user, user('u1'));
      assert.deepEqual(removed?.sessions.map((s) => s.digest).sort(), mine.map((s) => s.digest).sort());
      assert.deepEqual((await changesAfter(store(), before)).sort(), mine.map((s) => ['session', s.digest]).sort());
      assert.equal(await accounts().getUser('u1'), null);
      for (const session of mine) assert.equal(await accounts().getSession(session.digest), null);
      assert.deepEqual(await accounts().getSession(theirs.digest), theirs);
      assert.equal((await store().conversations.getQuestion(question.id))?.userId, 'u1');
      assert.equal(await accounts().deleteUser('u1', T0 + 11), null);
    });
  });
}
