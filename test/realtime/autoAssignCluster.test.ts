/**
 * Auto-assign on two nodes with one Redis (issue 12): a burst of questions split over both nodes is
 * assigned exactly up to the agents' capacity, a finish assigns exactly one more (the oldest
 * waiting), and an agent whose node was killed is never assigned once its presence has lapsed.
 */
import assert from 'node:assert/strict';
import { okReply } from '../../shared/schemas/responses.js';
import { assertOk } from '../support/envelope.js';
import { eventually } from '../support/eventually.js';
import type { TestAgent } from '../support/factories.js';
import { useChildNode, useTwoNodes } from '../support/nodes.js';
import { ADMIN_TOKEN } from '../support/server.js';
import { recordedSocket } from '../support/sockets.js';

describe('auto-assign: two nodes, one Redis', function () {
  this.timeout(90_000);
  const pair = useTwoNodes();

  const store = () => pair.cluster.nodes[0]!.deps.store;
  const presence = async (servId: string) => (await pair.cluster.nodes[0]!.deps.presence.presenceOf([servId])).get(servId);
  async function autoApp(): Promise<string> {
    const identify = await pair.fa.app();
    assertOk(await pair.fa.api.post('/v1/admin/apps', { identify, routing: 'auto' }, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }), okReply);
    return identify;
  }
  async function connect(url: string, agent: TestAgent): Promise<void> {
    pair.open.push(await recordedSocket(url, agent.session));
    await eventually(async () => (await presence(agent.servId)) === 'online', `${agent.servId} online`);
  }
  const questionsOf = async (identify: string, status: 1 | 2) =>
    store().conversations.listQuestions({ status, identifies: [identify] }, { num: 100, offset: 0, sort: 1 });
  /** Every drain either node was asked for has run (a presence edge marks its apps a moment later). */
  async function settled(): Promise<void> {
    for (let i = 0; i < 3; i++) await Promise.all(pair.cluster.nodes.map((node) => node.jobs.autoAssign.idle()));
  }

  it('50 questions asked at once over both nodes, 3 online agents at capacity 5: exactly 15 assigned (5 each), 35 waiting; a finish assigns exactly the oldest waiting one', async () => {
    const identify = await autoApp();
    const agents = await Promise.all([0, 1, 2].map(() => pair.fa.agent({ identifies: [identify], maxConcurrent: 5 })));
    await connect(pair.cluster.nodes[0]!.url, agents[0]!);
    await connect(pair.cluster.nodes[1]!.url, agents[1]!);
    await connect(pair.cluster.nodes[1]!.url, agents[2]!);
    const users = await Promise.all(Array.from({ length: 10 }, () => pair.fa.user({ identify })));
    await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? pair.fb : pair.fa).question(users[i % 10]!, { title: `burst ${i}` })));

    await eventually(async () => (await questionsOf(identify, 2)).length === 15, '15 assigned');
    await settled();
    const inProgress = await questionsOf(identify, 2);
    assert.equal(inProgress.length, 15);
    assert.equal((await questionsOf(identify, 1)).length, 35);
    const loads = await store().conversations.loadsOf(agents.map((a) => a.servId));
    assert.deepEqual([...loads.values()], [5, 5, 5]);
    // Each assignment wrote exactly one action-1 notice, signed by its agent.
    for (const q of inProgress) {
      const notices = (await store().conversations.listMessages(q.id, { num: 10, offset: 0, sort: 1 })).filter((m) => m.action === 1);
      assert.deepEqual(notices.map((m) => m.sender), [q.servId]);
    }

    const oldestWaiting = (await questionsOf(identify, 1))[0]!;
    const done = inProgress.find((q) => q.servId === agents[2]!.servId)!;
    const finish = await pair.fb.api.post(`/v1/question/${done.id}/finish`, { session: agents[2]!.session, serv_id: agents[2]!.servId });
    assert.equal(finish.status, 200, finish.text);
    await eventually(async () => (await store().conversations.getQuestion(oldestWaiting.id))?.status === 2, 'the oldest waiting assigned');
    await settled();
    assert.equal((await store().conversations.getQuestion(oldestWaiting.id))?.servId, agents[2]!.servId);
    assert.equal((await questionsOf(identify, 2)).length, 15);
    assert.equal((await questionsOf(identify, 1)).length, 34);
  });

  describe('a node killed while its agents are online', () => {
    const child = useChildNode(pair);

    it('their presence goes offline within 30 s, and no question is assigned to them after that', async () => {
      const identify = await autoApp();
      const [alice, bob] = [await pair.fa.agent({ identifies: [identify] }), await pair.fa.agent({ identifies: [identify] })];
      const onChild = await recordedSocket(child().url, alice.session, { reconnection: false });
      pair.open.push(onChild);
      await eventually(async () => (await presence(alice.servId)) === 'online', 'alice online on the child node');
      await connect(pair.cluster.nodes[0]!.url, bob);
      const user = await pair.fa.user({ identify });
      // Both are candidates while online: two questions, one each (lowest load).
      await pair.fa.question(user);
      await pair.fa.question(user);
      await eventually(async () => (await questionsOf(identify, 2)).length === 2, 'both assigned');
      assert.deepEqual((await questionsOf(identify, 2)).map((q) => q.servId).sort(), [alice.servId, bob.servId].sort());

      await child().kill('SIGKILL');
      const killedAt = Date.now();
      await eventually(async () => (await presence(alice.servId)) === 'offline', 'alice offline', 30_000);
      assert.ok(Date.now() - killedAt < 30_000);

      // alice's load (1) soon is the lower one, yet every new question goes to bob.
      const after = await Promise.all(Array.from({ length: 4 }, (_, i) => (i % 2 ? pair.fb : pair.fa).question(user)));
      await eventually(async () => {
        const qs = await Promise.all(after.map((id) => store().conversations.getQuestion(id)));
        return qs.every((q) => q?.status === 2);
      }, 'the new questions assigned');
      await settled();
      for (const id of after) assert.equal((await store().conversations.getQuestion(id))?.servId, bob.servId);
    });
  });
});
