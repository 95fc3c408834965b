/**
 * Failures: a node killed with SIGKILL while the other keeps serving (and its clients catch up on
 * the survivor); Redis stopped and restarted (each node keeps serving its own clients, /readyz
 * answers 503 then 200, and events cross nodes again with nothing lost for the typed client).
 */
import { messageOnly } from '../support/questions.js';
import assert from 'node:assert/strict';
import { isOnline } from '../support/sockets.js';
import { KefuClient } from '../../shared/client.js';
import type { Message } from '../../shared/schemas/responses.js';
import { factories, type Factories } from '../support/factories.js';
import { spawnNode, startCluster, type ChildNode, type Cluster } from '../support/nodes.js';
import { requireRedis, startRedis, type TestRedis } from '../support/redis.js';
import { recordedSocket } from '../support/sockets.js';
import { eventually } from '../support/eventually.js';
import { connected, seqRange } from './util.js';
import { sessionDigest } from '../../server/domain/sessionTokens.js';

const readyz = async (url: string) => (await fetch(`${url}/readyz`)).status;

describe('real time: failures', function () {
  let redis: TestRedis;
  let cluster: Cluster;
  let f: Factories;
  const open: Array<{ close(): void }> = [];

  before(async function () {
    requireRedis(this);
    redis = await startRedis();
    cluster = await startCluster(redis.url, 2);
    f = factories(cluster.nodes[0]!);
  });
  afterEach(() => open.splice(0).forEach((c) => c.close()));
  after(async () => {
    await cluster?.stop();
    await redis?.stop();
  });

  describe('a node killed with SIGKILL', () => {
    let child: ChildNode;
    before(async function () {
      this.timeout(30_000);
      child = await spawnNode({ DATA_DIR: cluster.dataDir, REDIS_URL: redis.url });
    });
    after(() => child?.kill());

    it('the other nodes keep serving, and its clients catch up on a survivor', async () => {
      const { user, agent, questionId } = await f.servedQuestion();
      const survivor = cluster.nodes[0]!;
      const onSurvivor = await recordedSocket(survivor.url, user.session);
      open.push(onSurvivor);
      const desk = new KefuClient({ url: child.url, session: agent.session, socket: { reconnection: false } });
      open.push(desk);
      await connected(desk);
      const got: Message[] = [];
      await desk.watch(questionId, (m) => got.push(messageOnly(m)));
      await f.sendText(questionId, user, 'before the crash'); // REST on the survivor → socket on the child
      await eventually(() => got.length === 2, 'child node delivered', 5000);
      assert.equal(await isOnline(survivor.realtime.presence, sessionDigest(agent.session)), true);

      await child.kill('SIGKILL');
      for (let i = 0; i < 5; i++) assert.equal((await f.sendText(questionId, user, `after ${i}`)).status, 200);
      await onSurvivor.waitFor('message:new', (p) => p.message.seq === 7);
      assert.equal(await readyz(survivor.url), 200);
      await eventually(async () => !(await isOnline(survivor.realtime.presence, sessionDigest(agent.session))), 'offline', 5000);

      // The desk reconnects to a survivor (what a load balancer does) and resumes after its last seq.
      const resumed = new KefuClient({ url: survivor.url, session: agent.session });
      open.push(resumed);
      await connected(resumed);
      await resumed.watch(questionId, (m) => got.push(messageOnly(m)), { afterMessageId: got.at(-1)!.message_id, afterSeq: got.at(-1)!.seq });
      await eventually(() => got.length === 7, 'caught up', 5000);
      assert.deepEqual(got.map((m) => m.seq), seqRange(1, 7));
    });
  });

  describe('Redis stopped and restarted', () => {
    it('nodes keep serving their own clients, readyz goes 503 then 200, and events cross again', async function () {
      this.timeout(60_000);
      const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
      const { user, agent, questionId } = await f.servedQuestion();
      const local = await recordedSocket(a.url, agent.session); // same node as the REST calls
      open.push(local);
      const desk = new KefuClient({ url: b.url, session: agent.session, socket: { reconnectionDelay: 100, reconnectionDelayMax: 500 } });
      open.push(desk);
      await connected(desk);
      const got: Message[] = [];
      await desk.watch(questionId, (m) => got.push(messageOnly(m)));
      await f.sendText(questionId, user, 'with redis');
      await eventually(() => got.length === 2, 'crossed before the outage', 5000);

      await redis.stop();
      await eventually(async () => (await readyz(a.url)) === 503 && (await readyz(b.url)) === 503, 'readyz 503', 10_000);
      const body = await (await fetch(`${a.url}/readyz`)).json();
      assert.deepEqual((body as { checks: unknown }).checks, { store: 'ok', redis: 'down' });
      for (let i = 0; i < 3; i++) assert.equal((await f.sendText(questionId, user, `during ${i}`)).status, 200);
      await local.waitFor('message:new', (p) => p.message.seq === 5); // this node still serves its own sockets
      assert.equal(await isOnline(a.realtime.presence, sessionDigest(agent.session)), true, 'presence falls back to local sockets');

      await redis.restart();
      await eventually(async () => (await readyz(a.url)) === 200 && (await readyz(b.url)) === 200, 'readyz 200', 20_000);
      // Node B's clients were told to reconnect; the desk catches up on what crossed nowhere.
      await eventually(() => got.length === 5, 'caught up after the outage', 15_000);
      await eventually(() => desk.socket.connected, 'desk connected', 10_000);
      await f.sendText(questionId, user, 'redis is back');
      await eventually(() => got.length === 6, 'events cross again', 10_000);
      assert.deepEqual(got.map((m) => m.seq), seqRange(1, 6));
    });
  });
});
