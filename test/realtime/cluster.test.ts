/**
 * Two nodes on one DATA_DIR and one Redis behave as one service: events cross nodes, a serve race
 * across nodes has one winner, sends spread over both nodes get seq 1..60, presence and unbinding
 * reach sockets on the other node.
 */
import { messageOnly } from '../support/questions.js';
import assert from 'node:assert/strict';
import { isOnline } from '../support/sockets.js';
import { KefuClient } from '../../shared/client.js';
import type { Message } from '../../shared/schemas/responses.js';
import { useTwoNodes } from '../support/nodes.js';
import { eventually } from '../support/eventually.js';
import { connected, seqRange } from './util.js';
import { sessionDigest } from '../../server/domain/sessionTokens.js';

describe('real time: two nodes, one Redis', function () {
  const pair = useTwoNodes();

  it('both nodes are ready with Redis', async () => {
    for (const node of pair.cluster.nodes) {
      const reply = await fetch(`${node.url}/readyz`);
      assert.equal(reply.status, 200);
      assert.deepEqual(((await reply.json()) as { checks: unknown }).checks, { store: 'ok', redis: 'ok' });
    }
  });

  it('events cross nodes: queue, serve, messages, typing', async () => {
    const user = await pair.fa.user();
    const agent = await pair.fa.agent({ identifies: [user.identify] });
    const foreign = await pair.fa.agent();
    const u = await pair.on(0, user.session);
    const a = await pair.on(1, agent.session);
    const x = await pair.on(1, foreign.session);

    const id = await pair.fa.question(user); // REST on node A
    await a.waitFor('queue:added', (p) => p.question.question_id === id);
    await pair.fb.serve(id, agent); // REST on node B
    assert.deepEqual(await u.waitFor('question:updated'), { question_id: id, status: 2, serv_id: agent.servId, action: 1 });
    const ack: any = await u.socket.emitWithAck('message:send_text', { question_id: id, text: 'over the bridge' });
    const got = await a.waitFor('message:new', (p) => p.message.message_id === ack.message_id);
    assert.equal((got.message as { text?: string }).text, 'over the bridge');
    a.socket.emit('typing', { question_id: id });
    assert.equal((await u.waitFor('typing')).sender, agent.servId);
    // The agent of another app, on the same node as the agent, got none of it.
    await a.flush();
    await x.flush();
    assert.deepEqual(x.received.filter((r) => JSON.stringify(r.payload).includes(id)), []);
  });

  it('a serve race across nodes has exactly one winner, announced once', async () => {
    const user = await pair.fa.user();
    const [one, two] = [await pair.fa.agent({ identifies: [user.identify] }), await pair.fa.agent({ identifies: [user.identify] })];
    const watcher = await pair.on(0, (await pair.fa.agent({ identifies: [user.identify] })).session);
    const id = await pair.fa.question(user);
    const replies = await Promise.all([
      pair.fa.api.post(`/v1/question/${id}/serve`, { session: one.session, serv_id: one.servId }),
      pair.fb.api.post(`/v1/question/${id}/serve`, { session: two.session, serv_id: two.servId }),
    ]);
    assert.deepEqual(replies.map((r) => r.status).sort(), [200, 409]);
    assert.equal(replies.find((r) => r.status === 409)!.body.error, 'question_taken');
    await watcher.waitFor('queue:removed', (p) => p.question_id === id);
    await watcher.socket.emitWithAck('question:subscribe', { question_id: id });
    await pair.fa.sendText(id, user, 'who won?');
    await watcher.waitFor('message:new', (p) => p.question_id === id && p.message.seq === 2);
    assert.equal(watcher.all('queue:removed').filter((p) => p.question_id === id).length, 1);
  });

  it('60 sends spread over both nodes get seq 1..60; live and typed clients see each once', async () => {
    const user = await pair.fa.user();
    const agent = await pair.fa.agent({ identifies: [user.identify] });
    const id = await pair.fa.question(user); // pending: the user may send, no notice yet
    const raw = await pair.on(1, agent.session);
    await raw.socket.emitWithAck('question:subscribe', { question_id: id });
    const desk = new KefuClient({ url: pair.cluster.nodes[0]!.url, session: agent.session });
    pair.open.push(desk);
    await connected(desk);
    const delivered: Message[] = [];
    await desk.watch(id, (m) => delivered.push(messageOnly(m)));

    const replies = await Promise.all(seqRange(1, 60).map((i) => (i % 2 ? pair.fa : pair.fb).sendText(id, user, `n${i}`)));
    assert.ok(replies.every((r) => r.status === 200));
    const list = await pair.fa.api.get(`/v1/question/${id}/message`, { sort: 1, num: 50 }, { session: user.session });
    const rest = await pair.fb.api.get(`/v1/question/${id}/message`, { sort: 1, num: 50, message_id: list.body.messages.at(-1).message_id }, { session: user.session });
    assert.deepEqual([...list.body.messages, ...rest.body.messages].map((m: any) => m.seq), seqRange(1, 60));

    await eventually(() => delivered.length === 60, 'typed client got 60', 10_000);
    assert.deepEqual(delivered.map((m) => m.seq), seqRange(1, 60), 'typed client: in order, once each');
    await eventually(() => raw.all('message:new').length >= 60, 'raw socket got 60', 10_000);
    await raw.flush();
    // Across nodes the raw arrival order may interleave; each message still arrives exactly once.
    assert.deepEqual(raw.all('message:new').map((p) => p.message.seq).sort((a, b) => a - b), seqRange(1, 60));
  });

  it('presence and unbinding reach a socket held by the other node', async () => {
    const agent = await pair.fa.agent();
    const a = await pair.on(1, agent.session);
    assert.equal(await isOnline(pair.cluster.nodes[0]!.realtime.presence, sessionDigest(agent.session)), true);
    const unbind = await pair.fa.api.post('/v1/serv/unbind', { session: agent.session, serv_id: agent.servId, password: agent.password });
    assert.equal(unbind.status, 200);
    const user = await pair.fa.user({ identify: agent.identifies[0] });
    const colleague = await pair.on(1, (await pair.fa.agent({ identifies: agent.identifies })).session);
    await eventually(async () => {
      const sockets = await pair.cluster.nodes[0]!.realtime.io.fetchSockets();
      return sockets.every((s) => !s.rooms.has(`agent:${agent.servId}`));
    }, 'agent room left on node B', 5000);
    const id = await pair.fa.question(user);
    await colleague.waitFor('queue:added', (p) => p.question.question_id === id);
    await a.flush();
    assert.equal(a.all('queue:added').length, 0);
    a.close();
    await eventually(async () => !(await isOnline(pair.cluster.nodes[0]!.realtime.presence, sessionDigest(agent.session))), 'offline', 5000);
  });
});
