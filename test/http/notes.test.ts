/**
 * Private notes over real HTTP and sockets: who may write them, where agents read them (in place,
 * with cursors), and that a question's user never meets one: not in a read, a summary or a socket
 * event, and its seq stays gapless however notes interleave.
 */
import assert from 'node:assert/strict';
import { KefuClient } from '../../shared/client.js';
import { messageIdReply, messagesReply, okReply, summaryListReply, type TimelineEntry } from '../../shared/schemas/responses.js';
import { sessionDigest } from '../../server/domain/sessionTokens.js';
import { deviceRoomOf } from '../../server/realtime/deviceRooms.js';
import { isNote, positionOf, publicMessages } from '../../shared/timeline.js';
import { assertError, assertOk } from '../support/envelope.js';
import { eventually } from '../support/eventually.js';
import { questionHelpers } from '../support/questions.js';
import { useTestServer } from '../support/server.js';
import { recordedSocket } from '../support/sockets.js';
import { connected } from '../realtime/util.js';

describe('private notes (POST /question/<id>/message/send_note)', () => {
  const { server, f } = useTestServer();
  const h = questionHelpers(f);
  const noteId = async (questionId: string, agent: Parameters<typeof f.note>[1], text: string, extra?: Record<string, string>) =>
    assertOk(await f.note(questionId, agent, text, extra), messageIdReply).message_id;

  it('any agent of the app writes one, in any status; agents read it in place, the user never', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    const colleague = await f.agent({ identifies: [user.identify] });
    await f.sendText(questionId, user, 'my order is late');
    const first = await noteId(questionId, colleague, 'VIP: refund without asking twice');
    await f.sendText(questionId, agent, 'sorry, refunding now');
    const second = await noteId(questionId, agent, 'refund done');

    const asAgent = await h.timeline(questionId, agent);
    assert.deepEqual(asAgent.map((e) => (isNote(e) ? `n${e.note_seq}@${e.after_seq}` : `m${e.seq}`)), ['m1', 'm2', 'n1@2', 'm3', 'n2@3']);
    const note = asAgent.find((e) => e.message_id === first)!;
    assert.deepEqual({ ...note, timestamp: 0 }, {
      message_id: first, type: 5, sender: colleague.servId, sender_type: 2, timestamp: 0, text: 'VIP: refund without asking twice', after_seq: 2, note_seq: 1,
    });
    assert.deepEqual(await h.timeline(questionId, colleague), asAgent, 'an agent who does not serve it reads the same');

    const asUser = await h.allMessages(questionId, user);
    assert.deepEqual(asUser.map((m) => m.seq), [1, 2, 3]);
    assert.ok(!JSON.stringify(asUser).includes('VIP'));
    // A note's id is no cursor for the user: answered as any id that is not a message of the question.
    assertError(await h.messages(questionId, user, { message_id: second }), 'param_invalid', 'message_id');

    // The summaries never show a note, for anyone (last_mess_* is the last chat message).
    const [summary] = (await h.queueOf(agent)).filter((q) => q.question_id === questionId);
    assert.equal(summary, undefined, 'served: not in the queue');
    const tasks = summaryListReply.parse((await f.api.get(`/v1/serv/${agent.servId}/tasks`, {}, { session: agent.session })).body).questions;
    assert.equal(tasks.find((q) => q.question_id === questionId)!.last_mess_text, 'sorry, refunding now');

    // After it is resolved, notes may still be written (closing the file), still in place.
    assertOk(await h.agentAction(questionId, 'finish', agent), messageIdReply);
    await noteId(questionId, colleague, 'closed: refunded');
    const after = await h.timeline(questionId, agent);
    assert.deepEqual(positionOf(after.at(-1)!), [4, 3]);
    assert.deepEqual((await h.allMessages(questionId, user)).map((m) => m.seq), [1, 2, 3, 4]);
  });

  it('pages an agent read in timeline order, by offset and by a message or note cursor, both ways', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    for (let i = 0; i < 4; i++) {
      await f.sendText(questionId, user, `m${i}`);
      await noteId(questionId, agent, `n${i}`);
      await noteId(questionId, agent, `n${i}b`);
    }
    const all = await h.timeline(questionId, agent);
    assert.equal(all.length, 13);
    const ids = all.map((e) => e.message_id);
    const page = async (params: Record<string, unknown>) =>
      assertOk(await h.messages(questionId, agent, params), messagesReply).messages.map((e: TimelineEntry) => e.message_id);
    assert.deepEqual(await page({ sort: 1, num: 5, page: 1 }), ids.slice(5, 10));
    assert.deepEqual(await page({ sort: -1, num: 4 }), [...ids].reverse().slice(0, 4));
    for (const at of [0, 1, 2, 5, 6, 12]) {
      assert.deepEqual(await page({ sort: 1, num: 50, message_id: ids[at] }), ids.slice(at + 1), `after entry ${at}`);
      assert.deepEqual(await page({ sort: -1, num: 50, message_id: ids[at] }), ids.slice(0, at).reverse(), `before entry ${at}`);
    }
    assertError(await h.messages(questionId, agent, { message_id: '65f000000000000000000099' }), 'param_invalid', 'message_id');
  });

  it('refuses writers who are not an agent of the app, and bad input, with the documented errors', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    const stranger = await f.agent({ identifies: [await f.app()] });
    assertError(await f.note(questionId, stranger, 'x'), 'forbidden', 'question_id');
    const asUser = await f.api.post(`/v1/question/${questionId}/message/send_note`, { session: user.session, sender: user.userId, sender_type: 2, text: 'x' });
    assertError(asUser, 'serv_not_bound', 'session');
    const typed1 = await f.api.post(`/v1/question/${questionId}/message/send_note`, { session: agent.session, sender: agent.servId, sender_type: 1, text: 'x' });
    assertError(typed1, 'param_invalid', 'sender_type');
    const other = await f.api.post(`/v1/question/${questionId}/message/send_note`, { session: agent.session, sender: stranger.servId, sender_type: 2, text: 'x' });
    assertError(other, 'sender_mismatch', 'sender');
    assertError(await f.note(questionId, agent, ''), 'param_missing', 'text');
    assertError(await f.note(questionId, agent, 'x'.repeat(4001)), 'param_invalid', 'text');
    assertError(await f.note('65f000000000000000000099', agent, 'x'), 'question_not_found', 'question_id');
    assertError(await f.note('nope', agent, 'x'), 'param_invalid', 'question_id');
    assert.deepEqual((await h.timeline(questionId, agent)).filter(isNote), []);
  });

  it('stores a retried note once (client_msg_id) and publishes it once', async () => {
    const { agent, questionId } = await f.servedQuestion();
    const a = await recordedSocket(server.url, agent.session);
    try {
      const first = await noteId(questionId, agent, 'once', { client_msg_id: 'n-1' });
      assert.equal(await noteId(questionId, agent, 'once more', { client_msg_id: 'n-1' }), first);
      await a.waitFor('note:new');
      await a.flush();
      assert.equal(a.all('note:new').length, 1);
      assert.equal((await h.timeline(questionId, agent)).filter(isNote).length, 1);
    } finally {
      a.close();
    }
  });

  it('reaches agents live (the serving agent, subscribed colleagues, socket sends) and never a socket of the user', async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    const colleague = await f.agent({ identifies: [user.identify] });
    const [u, a, c] = await Promise.all([user, agent, colleague].map((who) => recordedSocket(server.url, who.session)));
    try {
      for (const s of [u, c]) assert.equal((await s.socket.emitWithAck('question:subscribe', { question_id: questionId })).status, 200);
      const viaSocket = await c.socket.emitWithAck('message:send_note', { question_id: questionId, text: 'from the socket', client_msg_id: 's-1' });
      assert.equal(viaSocket.status, 200);
      await noteId(questionId, agent, 'from REST');
      for (const s of [a, c]) await eventually(() => s.all('note:new').length === 2, 'two notes live');
      assert.deepEqual(c.all('note:new').map((p) => p.note.text), ['from the socket', 'from REST']);
      // The user's socket is in the question room and its user room, and heard nothing.
      await f.sendText(questionId, user, 'still there?');
      await u.waitFor('message:new', (p) => p.message.text === 'still there?');
      await u.flush();
      assert.deepEqual(u.all('note:new'), []);
      assert.ok(!u.received.some((r) => JSON.stringify(r.payload).includes('from ')), 'no payload carries a note');
      // A user socket cannot write one either.
      const refused = await u.socket.emitWithAck('message:send_note', { question_id: questionId, text: 'x' });
      assert.equal(refused.status === 200 ? '' : refused.error, 'serv_not_bound');
    } finally {
      [u, a, c].forEach((s) => s.close());
    }
  });

  it('a colleague who logs out leaves the notes room on its open socket, and joins it again on logging back in', async () => {
    const { user, questionId } = await f.servedQuestion();
    const colleague = await f.agent({ identifies: [user.identify] });
    const c = await recordedSocket(server.url, colleague.session);
    const roomsOfColleague = async () => {
      const sockets = await server.realtime.io.local.in(deviceRoomOf(sessionDigest(colleague.session))).fetchSockets();
      return new Set(sockets.flatMap((s) => [...s.rooms]));
    };
    try {
      assert.equal((await c.socket.emitWithAck('question:subscribe', { question_id: questionId })).status, 200);
      assert.ok((await roomsOfColleague()).has(`notes:${questionId}`));
      const credentials = { session: colleague.session, serv_id: colleague.servId, password: colleague.password };
      assertOk(await f.api.post('/v1/serv/unbind', credentials), okReply);
      // Now a plain user of the app, who is not the asker: no question room, no notes room.
      await eventually(async () => !(await roomsOfColleague()).has(`notes:${questionId}`), 'left the notes room');
      assert.equal((await roomsOfColleague()).has(`question:${questionId}`), false);
      assertOk(await f.api.post('/v1/serv/bind', credentials), okReply);
      assert.equal((await c.socket.emitWithAck('question:subscribe', { question_id: questionId })).status, 200);
      assert.ok((await roomsOfColleague()).has(`notes:${questionId}`));
    } finally {
      c.close();
    }
  });

  it("a user's typed client stays gapless with notes interleaved; an agent's places every note after its message", async () => {
    const { user, agent, questionId } = await f.servedQuestion();
    const userClient = new KefuClient({ url: server.url, session: user.session });
    const agentClient = new KefuClient({ url: server.url, session: agent.session });
    try {
      await Promise.all([connected(userClient), connected(agentClient)]);
      const seen: { user: TimelineEntry[]; agent: TimelineEntry[] } = { user: [], agent: [] };
      await userClient.watch(questionId, (e) => seen.user.push(e));
      await agentClient.watch(questionId, (e) => seen.agent.push(e));
      for (let i = 0; i < 6; i++) {
        await f.sendText(questionId, i % 2 ? agent : user, `m${i}`);
        await noteId(questionId, agent, `n${i}`);
        if (i === 2) {
          // A reconnect in the middle: the catch-up brings what was missed, notes included, each once.
          userClient.socket.disconnect();
          agentClient.socket.disconnect();
          await noteId(questionId, agent, 'while away');
          await f.sendText(questionId, user, 'while away');
          userClient.socket.connect();
          agentClient.socket.connect();
        }
      }
      await eventually(() => seen.user.length === 8 && seen.agent.length === 15, `all delivered (user ${seen.user.length}, agent ${seen.agent.length})`);
      assert.deepEqual(seen.user.map((e) => (isNote(e) ? 'note' : e.seq)), [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.equal(userClient.lastSeq(questionId), 8);
      const positions = seen.agent.map(positionOf);
      const sorted = [...positions].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      assert.deepEqual(positions, sorted, 'the agent got the timeline in order');
      assert.deepEqual(publicMessages(seen.agent).map((m) => m.seq), [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.deepEqual(seen.agent.filter(isNote).map((n) => n.note_seq), [1, 2, 3, 4, 5, 6, 7]);
    } finally {
      userClient.close();
      agentClient.close();
    }
  });
});
