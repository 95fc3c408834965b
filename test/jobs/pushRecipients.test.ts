/**
 * Who gets a push for which event. The node relays its outbox into deliveries as usual but does not
 * send them (jobs.deliver: false); the test reads the queued deliveries. A device counts as online
 * when it really has a socket connected (the node's own presence).
 */
import assert from 'node:assert/strict';
import type { Deps } from '../../server/deps.js';
import { pushSink } from '../../server/jobs/pushFanOut.js';
import { sessionDigest } from '../../server/domain/sessionTokens.js';
import { useTestServer } from '../support/server.js';
import { recordedSocket, type Recorded } from '../support/sockets.js';

describe('jobs: push recipients', () => {
  const { server, f } = useTestServer({
    env: { QUESTION_PENDING_TIMEOUT_S: '1000000000', PUSH_WEBHOOK_URL: 'http://127.0.0.1:9/push', PUSH_WEBHOOK_SECRET: 'recipients-secret-0123456789' },
    jobs: { deliver: false },
  });
  const sockets = new Map<string, Recorded>();
  /** Gives a device a live socket (online) or takes it away (offline). */
  const online = {
    async add(session: string) {
      sockets.set(session, await recordedSocket(server.url, session));
    },
    delete(session: string) {
      sockets.get(session)?.close();
      sockets.delete(session);
    },
  };
  afterEach(() => [...sockets.keys()].forEach((session) => online.delete(session)));

  /** Every delivery queued since the last call, drained from the outbox as a delivery loop would. */
  async function drain(deps: Deps = server.deps) {
    await server.jobs.relay.idle();
    const entries = await deps.store.outbox.claimDeliveries(60, 1000);
    for (const e of entries) await deps.store.outbox.completeDelivery(e.id);
    return entries.map((e) => ({ ...JSON.parse(e.payload), outboxId: e.id }));
  }

  it('queue: every offline bound device of every agent of the app, no one else', async () => {
    const user = await f.user();
    const a1 = await f.agent({ identifies: [user.identify] });
    const a2 = await f.agent({ identifies: [user.identify, await f.app()] });
    const other = await f.agent(); // another app
    await online.add(a2.session);
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
    online.delete(a2.session);
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

    await online.add(secondDevice);
    assert.equal((await f.sendText(q, agent, 'Which phone do you use?')).status, 200);
    const toUser = await drain();
    assert.deepEqual(
      toUser.map((p) => [p.kind, p.device, p.body, typeof p.message_id]),
      [['message', sessionDigest(user.session), 'Which phone do you use?', 'string']],
    );
    online.delete(secondDevice);

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

  it('fanning one event out twice queues nothing new (ids are derived from event and device)', async () => {
    const user = await f.user();
    await f.agent({ identifies: [user.identify] });
    await drain();
    const questionId = await f.question(user);
    await server.jobs.relay.idle();
    const before = await server.deps.store.outbox.countDeliveries();
    const question = (await server.deps.store.conversations.getQuestion(questionId))!;
    const event = { id: questionId, type: 'question.created' as const, questionId, messageId: null, previous: null, to: null, createdAt: question.createdAt, attempts: 1 };
    const again = await pushSink(server.deps, server.realtime.presence).fanOut({ event, question, message: null });
    assert.equal(again.length, 1);
    await server.deps.store.outbox.enqueueDeliveries(again);
    assert.deepEqual(await server.deps.store.outbox.countDeliveries(), before);
    assert.equal((await drain()).length, 1);
  });
});
