/**
 * Who gets a push for which event. The node runs without PUSH_WEBHOOK_URL; the test starts its own
 * notifier with a stub Presence (real time runs separately) and reads what lands in the outbox.
 */
import assert from 'node:assert/strict';
import type { Deps } from '../../server/deps.js';
import { enqueueFor, startPushNotifier, type PushNotifier } from '../../server/jobs/pushNotifications.js';
import type { DomainEvent } from '../../server/domain/events.js';
import { sessionDigest } from '../../server/domain/sessionTokens.js';
import { factories, type Factories } from '../support/factories.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe('jobs: push recipients (stub presence)', () => {
  let server: TestServer;
  let f: Factories;
  let notifier: PushNotifier;
  const online = new Set<string>();
  const events: DomainEvent[] = [];
  before(async () => {
    server = await startTestServer({ QUESTION_PENDING_TIMEOUT_S: '1000000000' });
    f = factories(server);
    notifier = startPushNotifier(server.deps, { isSessionOnline: async (s) => online.has(s) });
    server.deps.events.subscribe((event) => events.push(event));
  });
  after(async () => {
    await notifier.stop();
    await server.stop();
  });

  /** Everything enqueued since the last call, drained from the outbox as a delivery loop would. */
  async function drain(deps: Deps = server.deps) {
    await notifier.idle();
    const entries = await deps.store.outbox.claimDeliveries(deps.now() + 1e6, 60, 1000);
    for (const e of entries) await deps.store.outbox.completeDelivery(e.id);
    return entries.map((e) => ({ ...JSON.parse(e.payload), outboxId: e.id }));
  }

  it('queue: every offline bound device of every agent of the app, no one else', async () => {
    const user = await f.user();
    const a1 = await f.agent({ identifies: [user.identify] });
    const a2 = await f.agent({ identifies: [user.identify, await f.app()] });
    const other = await f.agent(); // another app
    online.add(sessionDigest(a2.session));
    await drain();
    const q = await f.question(user, { title: 'Cannot log in' });
    const pushes = await drain();
    assert.equal(pushes.length, 1, JSON.stringify(pushes));
    const [push] = pushes;
    assert.equal(push.id, push.outboxId);
    assert.match(push.id, /^[0-9a-f]{32}$/);
    assert.deepEqual(
      { kind: push.kind, device: push.device, serv_id: push.serv_id, user_id: push.user_id, identify: push.identify },
      { kind: 'queue', device: sessionDigest(a1.session), serv_id: a1.servId, user_id: undefined, identify: user.identify },
    );
    // The body is stored in the outbox: it names the device by digest, never by token.
    assert.equal('session' in push, false);
    assert.ok(!JSON.stringify(push).includes(a1.session));
    assert.equal(push.question_id, q);
    assert.equal(push.body, 'Cannot log in');
    assert.equal(typeof push.title, 'string');
    assert.equal(typeof push.created_at, 'number');
    assert.ok(!pushes.some((p) => p.device === sessionDigest(other.session)));
    online.delete(sessionDigest(a2.session));
  });

  it('messages and notices go to the other party: user devices of that app, the serving agent', async () => {
    const user = await f.user();
    const secondDevice = await f.session(user);
    const elsewhere = await f.session(user, await f.app()); // same user, another app
    const agent = await f.agent({ identifies: [user.identify] });
    const q = await f.question(user);
    await drain();

    await f.serve(q, agent);
    const served = await drain();
    assert.deepEqual(served.map((p) => [p.kind, p.action, p.user_id]).sort(), [
      ['status', 1, user.userId],
      ['status', 1, user.userId],
    ]);
    assert.deepEqual(served.map((p) => p.device).sort(), [user.session, secondDevice].map(sessionDigest).sort());
    assert.ok(!served.some((p) => p.device === sessionDigest(elsewhere)));

    online.add(sessionDigest(secondDevice));
    assert.equal((await f.sendText(q, agent, 'Which phone do you use?')).status, 200);
    const toUser = await drain();
    assert.deepEqual(
      toUser.map((p) => [p.kind, p.device, p.body, typeof p.message_id]),
      [['message', sessionDigest(user.session), 'Which phone do you use?', 'string']],
    );
    online.delete(sessionDigest(secondDevice));

    assert.equal((await f.sendText(q, user, 'A Pixel')).status, 200);
    const toAgent = await drain();
    assert.deepEqual(toAgent.map((p) => [p.kind, p.device, p.serv_id, p.body]), [['message', sessionDigest(agent.session), agent.servId, 'A Pixel']]);
  });

  it('quit: the user hears of it and the other agents see it back in the queue, the quitter does not', async () => {
    const user = await f.user();
    const quitter = await f.agent({ identifies: [user.identify] });
    const colleague = await f.agent({ identifies: [user.identify] });
    const q = await f.question(user);
    await f.serve(q, quitter);
    await drain();
    const reply = await f.api.post(`/v1/question/${q}/quit`, { session: quitter.session, serv_id: quitter.servId });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const pushes = await drain();
    assert.deepEqual(pushes.map((p) => [p.kind, p.device]).sort(), [
      ['queue', sessionDigest(colleague.session)],
      ['status', sessionDigest(user.session)],
    ].sort());
  });

  it('enqueueing one event twice is a no-op (ids are derived from event and device)', async () => {
    const user = await f.user();
    await f.agent({ identifies: [user.identify] });
    await drain();
    events.length = 0;
    await f.question(user);
    await notifier.idle();
    const before = await server.deps.store.outbox.countDeliveries();
    const presence = { isSessionOnline: async () => false };
    assert.equal(await enqueueFor(server.deps, presence, events[0]!), 1);
    assert.deepEqual(await server.deps.store.outbox.countDeliveries(), before);
    assert.equal((await drain()).length, 1);
  });
});
