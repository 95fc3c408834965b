/**
 * Crash drill: a real node in its own process takes concurrent send_text calls from several
 * devices and is SIGKILLed while some are answered and others are in flight. A node restarted on
 * the same DATA_DIR must hold every acknowledged message, keep seq gapless, and absorb retries of
 * the unanswered sends (same client_msg_id) without storing any of them twice.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { client } from '../support/http.js';
import { tempDataDir } from '../support/server.js';
import { allMessages, provisionServedQuestion, spawnNode, type ChildNode, type Device, type ServedQuestion } from '../support/childServer.js';
import { eventually } from '../support/eventually.js';

const ROUNDS = 3;
const SENDS_PER_DEVICE = 50;
const WORKERS_PER_DEVICE = 6;
/** Acknowledgements to wait for before the kill. */
const KILL_AFTER_ACKS = 40;

interface Send {
  device: Device;
  clientMsgId: string;
  text: string;
}

function post(baseUrl: string, questionId: string, send: Send) {
  return client(baseUrl).post(`/v1/question/${questionId}/message/send_text`, {
    session: send.device.session,
    sender: send.device.sender,
    sender_type: send.device.senderType,
    text: send.text,
    client_msg_id: send.clientMsgId,
  });
}

/** Checks the stored history: unique texts, seq exactly 1..n. Returns the messages by text. */
function checkHistory(messages: any[]): Map<string, any> {
  assert.deepEqual(
    messages.map((m) => m.seq),
    messages.map((_, i) => i + 1),
    'seq runs 1..n without gaps or repeats',
  );
  const byText = new Map<string, any>();
  for (const m of messages) {
    if (m.type !== 3) continue;
    assert.ok(!byText.has(m.text), `stored twice: ${m.text}`);
    byText.set(m.text, m);
  }
  return byText;
}

describe('faults: SIGKILL during concurrent sends (child process, sqlite)', function () {
  this.timeout(120_000);
  let dataDir: string;
  let node: ChildNode | undefined;
  let q: ServedQuestion;

  before(async () => {
    dataDir = tempDataDir();
    node = await spawnNode({ DATA_DIR: dataDir });
    q = await provisionServedQuestion(node.url, 3);
  });

  after(async () => {
    await node?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: acknowledged sends survive, seq stays gapless, retries store once`, async () => {
      const devices = [...q.users, q.agent];
      const sends: Send[][] = devices.map((device, d) =>
        Array.from({ length: SENDS_PER_DEVICE }, (_, i) => ({ device, clientMsgId: `r${round}-d${d}-${i}`, text: `round ${round} device ${d} #${i}` })),
      );
      const acked = new Map<Send, string>();
      const unacked: Send[] = [];
      const statuses = new Map<number, number>();
      let failures = 0;
      let killed = false;
      const victim = node!;

      // Several workers per device, each sending the device's messages one after another.
      const workers = sends.flatMap((queue) =>
        Array.from({ length: WORKERS_PER_DEVICE }, async () => {
          for (let send = queue.shift(); send; send = queue.shift()) {
            if (killed) {
              unacked.push(send);
              continue;
            }
            try {
              const reply = await post(victim.url, q.questionId, send);
              statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
              if (reply.status === 200) acked.set(send, reply.body.message_id);
              else unacked.push(send);
            } catch {
              failures += 1; // the connection died with the node
              unacked.push(send);
            }
          }
        }),
      );
      await eventually(() => acked.size >= KILL_AFTER_ACKS || unacked.length > 0, 'the first acknowledgements', 60_000);
      killed = true;
      await victim.kill('SIGKILL');
      node = undefined;
      await Promise.all(workers);

      const total = devices.length * SENDS_PER_DEVICE;
      assert.equal(acked.size + unacked.length, total);
      assert.deepEqual([...statuses.keys()].filter((s) => s !== 200), [], 'every answered send was a 200');
      assert.ok(unacked.length > 0, 'the kill landed while sends were outstanding');

      node = await spawnNode({ DATA_DIR: dataDir });
      const stored = checkHistory(await allMessages(node.url, q.questionId, q.users[0]!.session));
      for (const [send, messageId] of acked) {
        const message = stored.get(send.text);
        assert.ok(message, `acknowledged but lost: ${send.text}`);
        assert.equal(message.message_id, messageId);
        assert.equal(message.sender, send.device.sender);
      }
      const committedUnanswered = unacked.filter((s) => stored.has(s.text)).length;

      // Retry every unanswered send, and a few answered ones, with their first client_msg_id.
      const retries = [...unacked, ...[...acked.keys()].slice(0, 5)];
      const replies = await Promise.all(retries.map((send) => post(node!.url, q.questionId, send)));
      replies.forEach((reply, i) => {
        assert.equal(reply.status, 200, reply.text);
        const earlier = stored.get(retries[i]!.text);
        if (earlier) assert.equal(reply.body.message_id, earlier.message_id, 'a retry returns the stored message');
      });

      const final = checkHistory(await allMessages(node.url, q.questionId, q.users[0]!.session));
      for (const queue of devices.keys()) {
        for (let i = 0; i < SENDS_PER_DEVICE; i++) assert.ok(final.has(`round ${round} device ${queue} #${i}`));
      }
      assert.equal(final.size, round * total, 'each send of every round is stored exactly once');
      console.log(
        `      round ${round}: ${acked.size} acknowledged, ${unacked.length} unanswered (${failures} cut by the kill, ` +
          `${committedUnanswered} of them stored before it), ${final.size} texts after retries`,
      );
    });
  }
});
