/**
 * Webhooks under a crash: a node is stopped dead (SIGKILL) right after a message's transaction
 * committed, before any relay or call (KEFU_TEST_HOLD_AFTER_COMMIT blocks it there). After a
 * restart on the same DATA_DIR the host app still receives the message.created call, once, signed
 * with the secret it was given, after the calls that came before it.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { allMessages, provisionServedQuestion, spawnNode, untilHeld, type ChildNode } from '../support/childServer.js';
import { eventually } from '../support/eventually.js';
import { client } from '../support/http.js';
import { tempDataDir } from '../support/server.js';
import { startReceiver, type Receiver } from '../jobs/support.js';
import { createWebhook, verifySignature } from '../jobs/webhookSupport.js';

describe('faults: SIGKILL between commit and webhook call', function () {
  this.timeout(60_000);
  let dataDir: string;
  let receiver: Receiver;
  let node: ChildNode | undefined;

  before(async () => {
    dataDir = tempDataDir();
    receiver = await startReceiver();
  });
  after(async () => {
    await node?.kill();
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const env = () => ({ DATA_DIR: dataDir, WEBHOOK_ALLOW_PRIVATE: 'on' });

  it('makes the call for a message committed just before the kill, once, after restart', async () => {
    node = await spawnNode(env());
    const q = await provisionServedQuestion(node.url);
    const { secret } = await createWebhook(node.url, q.identify, receiver.url, ['question.created', 'question.updated', 'message.created']);
    // A graceful stop: calls the serve may have queued are made or left unleased, so nothing ahead
    // of the message in its question's order is held by a dead node's lease (60 s).
    await node.kill('SIGTERM');
    receiver.requests.splice(0);

    node = await spawnNode({ ...env(), KEFU_TEST_HOLD_AFTER_COMMIT: 'message.created' });
    const held = untilHeld(node);
    const send = client(node.url)
      .post(`/v1/question/${q.questionId}/message/send_text`, { session: q.users[0]!.session, sender: q.users[0]!.sender, sender_type: 1, text: 'committed, then killed' })
      .catch(() => null);
    await held;
    await node.kill('SIGKILL');
    await send;
    assert.ok(!receiver.requests.some((r) => r.body.event === 'message.created'), 'no call was made before the kill');

    node = await spawnNode(env());
    const stored = (await allMessages(node.url, q.questionId, q.users[0]!.session)).find((m) => m.text === 'committed, then killed');
    assert.ok(stored, 'the message committed before the kill is stored');
    const messageCalls = () => receiver.delivered().filter((c) => c.body.event === 'message.created');
    await eventually(() => messageCalls().length >= 1, 'the call after restart', 15_000);
    // Time for a duplicate to show up: another relay poll, a delivery retry.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const calls = messageCalls();
    assert.equal(calls.length, 1, JSON.stringify(calls.map((c) => c.body)));
    verifySignature(secret, calls[0]!.headers, calls[0]!.raw);
    assert.equal(calls[0]!.body.data.message.message_id, stored.message_id);
    assert.equal(calls[0]!.body.data.message.text, 'committed, then killed');
  });
});
