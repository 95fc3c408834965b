/**
 * The transactional outbox under a crash: a node is stopped dead (SIGKILL) right after a message's
 * transaction committed and before anything else happened — no socket emit, no relay, no reply
 * (a test-only hook, KEFU_TEST_HOLD_AFTER_COMMIT, blocks the process there). After a restart on the
 * same DATA_DIR the push for that message is delivered, exactly once per recipient.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { allMessages, provisionServedQuestion, spawnNode, untilHeld, type ChildNode } from '../support/childServer.js';
import { eventually } from '../support/eventually.js';
import { client } from '../support/http.js';
import { tempDataDir } from '../support/server.js';
import { startReceiver, type Receiver } from '../jobs/support.js';

const SECRET = 'outbox-crash-secret-0123456789';

describe('faults: SIGKILL between commit and push (transactional outbox)', function () {
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

  const env = () => ({ DATA_DIR: dataDir, PUSH_WEBHOOK_URL: receiver.url, PUSH_WEBHOOK_SECRET: SECRET });

  it('delivers the push of a message committed just before the kill, once per recipient, after restart', async () => {
    node = await spawnNode(env());
    const q = await provisionServedQuestion(node.url, 2);
    await node.kill();

    node = await spawnNode({ ...env(), KEFU_TEST_HOLD_AFTER_COMMIT: 'message.created' });
    const held = untilHeld(node);
    // The agent writes; the request never gets its reply: the node stops right after the commit.
    const send = client(node.url)
      .post(`/v1/question/${q.questionId}/message/send_text`, { session: q.agent.session, sender: q.agent.sender, sender_type: 2, text: 'committed, then killed' })
      .catch(() => null);
    await held;
    await node.kill('SIGKILL');
    await send;
    const pushesOf = (messageId: string) => receiver.delivered().filter((d) => d.body.message_id === messageId);

    node = await spawnNode(env());
    const messages = await allMessages(node.url, q.questionId, q.users[0]!.session);
    const stored = messages.find((m) => m.text === 'committed, then killed');
    assert.ok(stored, 'the message committed before the kill is stored');
    await eventually(() => pushesOf(stored.message_id).length >= 2, 'a push to each of the two user devices', 15_000);
    // Time for any duplicate to show up: another relay poll, a delivery retry.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const pushes = pushesOf(stored.message_id);
    assert.equal(pushes.length, 2, JSON.stringify(pushes.map((p) => p.body)));
    assert.equal(new Set(pushes.map((p) => p.body.device)).size, 2, 'one push per device');
    for (const push of pushes) {
      assert.equal(push.body.kind, 'message');
      assert.match(push.body.device, /^[0-9a-f]{64}$/);
      assert.ok(!JSON.stringify(push.body).includes(q.users[0]!.session), 'no raw session token in a push');
    }
  });
});
