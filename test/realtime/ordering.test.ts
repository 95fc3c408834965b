/**
 * Order and completeness on one node: a burst of sends arrives in seq order; the typed client
 * (shared/client.ts) delivers every message exactly once, in order, across a disconnect, a dropped
 * transport and a missed broadcast.
 */
import { messageOnly } from '../support/questions.js';
import assert from 'node:assert/strict';
import { KefuClient } from '../../shared/client.js';
import type { Message } from '../../shared/schemas/responses.js';
import { deviceRoomOf } from '../../server/realtime/deviceRooms.js';
import { useTestServer } from '../support/server.js';
import { recordedSocket } from '../support/sockets.js';
import { eventually } from '../support/eventually.js';
import { connected, seqRange } from './util.js';
import { sessionDigest } from '../../server/domain/sessionTokens.js';

/** Resolves once `messages` holds `count` entries; rejects after `ms`. */
const delivered = (messages: Message[], count: number, ms = 10_000) =>
  eventually(() => messages.length >= count, `${count} delivered (have ${messages.length})`, ms);

describe('real time: order and catch-up', () => {
  const { server, f } = useTestServer();
  const clients: KefuClient[] = [];
  const client = (session: string) => {
    const c = new KefuClient({ url: server.url, session });
    clients.push(c);
    return c;
  };
  
  afterEach(() => clients.splice(0).forEach((c) => c.close()));

  it('a burst of 200 socket sends arrives everywhere in seq order, each once', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    const watcherAgent = await f.agent({ identifies: [user.identify] });
    const a = await recordedSocket(server.url, agent.session);
    const w = await recordedSocket(server.url, watcherAgent.session);
    const u = await recordedSocket(server.url, user.session);
    try {
      await w.socket.emitWithAck('question:subscribe', { question_id: questionId });
      const acks = await Promise.all(
        seqRange(1, 200).map((i) => u.socket.emitWithAck('message:send_text', { question_id: questionId, text: `m${i}` })),
      );
      assert.ok(acks.every((ack) => ack.status === 200));
      assert.equal(new Set(acks.map((ack: any) => ack.message_id)).size, 200);
      for (const r of [a, w, u]) {
        await r.waitFor('message:new', (p) => p.message.seq === 201, 10_000);
        const got = r.all('message:new').filter((p) => p.question_id === questionId).map((p) => p.message);
        const texts = got.filter((m) => m.type === 3);
        assert.deepEqual(texts.map((m) => m.seq), seqRange(2, 201), 'seq order, no gaps, no duplicates');
        // Sends from one connection are stored in the order they were sent.
        assert.deepEqual(texts.map((m: any) => m.text), seqRange(1, 200).map((i) => `m${i}`));
      }
    } finally {
      [a, w, u].forEach((r) => r.close());
    }
  });

  it('the typed client catches up after a disconnect: no loss, no duplicates, in order', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    const desk = client(agent.session);
    const got: Message[] = [];
    await connected(desk);
    await desk.watch(questionId, (m) => got.push(messageOnly(m)));
    for (let i = 0; i < 5; i++) await f.sendText(questionId, user, `before ${i}`);
    await delivered(got, 6);

    desk.socket.disconnect();
    for (let i = 0; i < 60; i++) await f.sendText(questionId, user, `while away ${i}`);
    desk.socket.connect();
    // Messages keep coming while it re-subscribes and pages through the backlog.
    const during = (async () => {
      for (let i = 0; i < 20; i++) await f.sendText(questionId, user, `during ${i}`);
    })();
    await during;
    await delivered(got, 86);
    const list = await desk.request<{ messages: Message[] }>('GET', `/question/${questionId}/message`, { sort: -1, num: 1 });
    assert.equal(list.status, 200);
    assert.equal(list.status === 200 && list.messages[0]!.seq, 86, 'the store has nothing the client lacks');
    assert.deepEqual(got.map((m) => m.seq), seqRange(1, 86));
    assert.equal(desk.lastSeq(questionId), 86);
  });

  it('recovers from a dropped transport (automatic reconnect) and a missed broadcast (seq gap)', async () => {
    const { user, questionId } = await f.servedQuestion();
    const watcher = await f.agent({ identifies: [user.identify] });
    const desk = client(watcher.session);
    const got: Message[] = [];
    await connected(desk);
    await desk.watch(questionId, (m) => got.push(messageOnly(m)));
    await delivered(got, 1);

    // A missed broadcast: the server drops the socket from the question's room behind its back.
    const io = server.realtime.io;
    io.in(deviceRoomOf(sessionDigest(watcher.session))).socketsLeave(`question:${questionId}`);
    for (let i = 0; i < 3; i++) await f.sendText(questionId, user, `unseen ${i}`);
    io.in(deviceRoomOf(sessionDigest(watcher.session))).socketsJoin(`question:${questionId}`);
    await f.sendText(questionId, user, 'seen');
    await delivered(got, 5);
    assert.deepEqual(got.map((m) => m.seq), seqRange(1, 5));

    // A dropped transport: the client reconnects by itself, then re-subscribes and catches up.
    const reconnected = new Promise<void>((resolve) => desk.socket.io.once('reconnect', () => resolve()));
    desk.socket.io.engine.close();
    for (let i = 0; i < 10; i++) await f.sendText(questionId, user, `gap ${i}`);
    await reconnected;
    await f.sendText(questionId, user, 'after');
    await delivered(got, 16);
    assert.deepEqual(got.map((m) => m.seq), seqRange(1, 16));
    assert.equal((got.at(-1) as { text?: string }).text, 'after');
  });

  it('watch(afterMessageId) delivers only what came after, and refuses a question it may not read', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    const first = await f.sendText(questionId, user, 'one');
    await f.sendText(questionId, user, 'two');
    const desk = client(agent.session);
    await connected(desk);
    const got: Message[] = [];
    await desk.watch(questionId, (m) => got.push(messageOnly(m)), { afterMessageId: first.body.message_id, afterSeq: 2 });
    await delivered(got, 1);
    assert.deepEqual(got.map((m) => m.seq), [3]);

    const errors: unknown[] = [];
    const foreign = new KefuClient({ url: server.url, session: (await f.agent()).session, onError: (_q, e) => errors.push(e) });
    clients.push(foreign);
    await connected(foreign);
    await foreign.watch(questionId, () => assert.fail('delivered to a stranger'));
    assert.equal((errors[0] as any).error, 'forbidden');
  });
});
