/**
 * Presence and capacity on two nodes with one Redis (issue 12): presence is the same on every node
 * and each change is announced once; a capacity race split over both nodes leaves exactly the limit
 * served; a node killed with its agents online takes their presence with it within 30 s.
 */
import assert from 'node:assert/strict';
import { okReply, servAgentsReply, servStatusReply } from '../../shared/schemas/responses.js';
import { assertError, assertOk } from '../support/envelope.js';
import type { Factories } from '../support/factories.js';
import { eventually } from '../support/eventually.js';
import { useChildNode, useTwoNodes } from '../support/nodes.js';
import { recordedSocket } from '../support/sockets.js';

describe('presence and capacity: two nodes, one Redis', function () {
  this.timeout(60_000);
  const pair = useTwoNodes();
  const presenceOn = async (f: Factories, identify: string, session: string, servId: string) =>
    assertOk(await f.api.get('/v1/serv/agents', { identify }, { session }), servAgentsReply).agents.find((a) => a.serv_id === servId)!.presence;

  it('an agent connected on one node is online on both; its sockets moving between nodes announce nothing; each change is announced once', async () => {
    const identify = await pair.fa.app();
    const [alice, bob] = [await pair.fa.agent({ identifies: [identify] }), await pair.fa.agent({ identifies: [identify] })];
    const watcherA = await pair.on(0, bob.session);
    const watcherB = await pair.on(1, bob.session);

    const onA = await pair.on(0, alice.session);
    await watcherB.waitFor('agent:presence', (p) => p.serv_id === alice.servId && p.presence === 'online');
    assert.equal(await presenceOn(pair.fb, identify, bob.session, alice.servId), 'online');
    assert.equal(await presenceOn(pair.fa, identify, bob.session, alice.servId), 'online');

    // A second socket on the other node, then the first one closes: still online, nothing announced.
    const device = await pair.fa.user({ identify });
    assertOk(await pair.fa.api.post('/v1/serv/bind', { session: device.session, serv_id: alice.servId, password: alice.password }), okReply);
    const onB = await pair.on(1, device.session);
    await pair.cluster.nodes[1]!.realtime.presenceTracker.sync();
    onA.close();
    await eventually(async () => {
      await pair.cluster.nodes[0]!.realtime.presenceTracker.sync();
      return (await presenceOn(pair.fa, identify, bob.session, alice.servId)) === 'online';
    }, 'still online through node B');

    assert.equal(assertOk(await pair.fb.api.post('/v1/serv/status', { session: alice.session, serv_id: alice.servId, status: 'away' }), servStatusReply).presence, 'away');
    await watcherA.waitFor('agent:presence', (p) => p.serv_id === alice.servId && p.presence === 'away');
    onB.close();
    await watcherA.waitFor('agent:presence', (p) => p.serv_id === alice.servId && p.presence === 'offline');
    await Promise.all([watcherA.flush(), watcherB.flush()]);
    for (const watcher of [watcherA, watcherB]) {
      assert.deepEqual(watcher.all('agent:presence').filter((p) => p.serv_id === alice.servId).map((p) => p.presence), ['online', 'away', 'offline']);
    }
    assert.equal(await presenceOn(pair.fb, identify, bob.session, alice.servId), 'offline');
  });

  it('a capacity race across nodes: 20 serves by one agent at capacity 3, split over both nodes, leave exactly 3', async () => {
    const user = await pair.fa.user();
    const agent = await pair.fa.agent({ identifies: [user.identify], maxConcurrent: 3 });
    const ids = await Promise.all(Array.from({ length: 20 }, () => pair.fa.question(user)));
    const replies = await Promise.all(
      ids.map((id, i) => (i % 2 ? pair.fb : pair.fa).api.post(`/v1/question/${id}/serve`, { session: agent.session, serv_id: agent.servId })),
    );
    assert.equal(replies.filter((r) => r.status === 200).length, 3);
    for (const refused of replies.filter((r) => r.status !== 200)) assertError(refused, 'agent_at_capacity', 'serv_id');
    const agents = assertOk(await pair.fb.api.get('/v1/serv/agents', { identify: user.identify }, { session: agent.session }), servAgentsReply).agents;
    assert.deepEqual(agents.map((a) => [a.serv_id, a.load, a.max_concurrent]), [[agent.servId, 3, 3]]);
  });

  describe('a node killed while its agents are online', () => {
    const child = useChildNode(pair);

    it('takes their presence offline within 30 s, announced by a survivor', async () => {
      const identify = await pair.fa.app();
      const [alice, bob] = [await pair.fa.agent({ identifies: [identify] }), await pair.fa.agent({ identifies: [identify] })];
      const watcher = await pair.on(0, bob.session);
      const onChild = await recordedSocket(child().url, alice.session, { reconnection: false });
      pair.open.push(onChild);
      await watcher.waitFor('agent:presence', (p) => p.serv_id === alice.servId && p.presence === 'online');

      await child().kill('SIGKILL');
      const killedAt = Date.now();
      await watcher.waitFor('agent:presence', (p) => p.serv_id === alice.servId && p.presence === 'offline', 30_000);
      const took = Date.now() - killedAt;
      assert.ok(took < 30_000, `offline after ${took} ms`);
      assert.equal(await presenceOn(pair.fb, identify, bob.session, alice.servId), 'offline');
      await watcher.flush();
      assert.equal(watcher.all('agent:presence').filter((p) => p.serv_id === alice.servId && p.presence === 'offline').length, 1);
    });
  });
});
