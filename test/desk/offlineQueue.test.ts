import assert from 'node:assert/strict';
import { newClientMsgId, OfflineQueue, type QueuedText, type SendOutcome } from '../../desk/src/state/offlineQueue.js';

describe('desk state: the offline queue', () => {
  it('gives each text a client_msg_id the API accepts, unique even within one millisecond', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newClientMsgId(1_700_000_000_000)));
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.match(id, /^[a-z0-9]{1,64}$/);
  });

  it('sends queued texts in typing order once reachable, then is empty', async () => {
    const queue = new OfflineQueue();
    queue.enqueue('q1', 'one');
    queue.enqueue('q2', 'two');
    queue.enqueue('q1', 'three');
    assert.deepEqual(queue.pendingFor('q1').map((i) => i.text), ['one', 'three']);
    const sent: string[] = [];
    const result = await queue.flush(async (item) => {
      sent.push(item.text);
      return { kind: 'sent', messageId: `m-${item.text}` };
    });
    assert.deepEqual(sent, ['one', 'two', 'three']);
    assert.equal(result.sent.length, 3);
    assert.equal(queue.size, 0);
  });

  it('keeps a text and all after it when the connection fails again, and retries with the same client_msg_id', async () => {
    const queue = new OfflineQueue();
    const first = queue.enqueue('q', 'a');
    queue.enqueue('q', 'b');
    const attempts: QueuedText[] = [];
    let reachable = false;
    const send = async (item: QueuedText): Promise<SendOutcome> => {
      attempts.push(item);
      return reachable ? { kind: 'sent', messageId: 'x' } : { kind: 'unreachable' };
    };
    const failed = await queue.flush(send);
    assert.deepEqual(failed.remaining.map((i) => i.text), ['a', 'b']);
    assert.equal(attempts.length, 1, 'stops at the first unreachable send');
    reachable = true;
    await queue.flush(send);
    assert.equal(queue.size, 0);
    assert.equal(attempts[1]!.clientMsgId, first.clientMsgId, 'the retry reuses the id, so the server stores it once');
  });

  it('treats a thrown send as unreachable, and drops a refused text with its error', async () => {
    const queue = new OfflineQueue();
    queue.enqueue('q', 'boom');
    const thrown = await queue.flush(async () => {
      throw new Error('socket closed');
    });
    assert.equal(thrown.remaining.length, 1);
    queue.enqueue('q', 'after');
    const result = await queue.flush(async (item) => (item.text === 'boom' ? { kind: 'refused', error: 'question_finished' } : { kind: 'sent', messageId: 'y' }));
    assert.deepEqual(result.refused.map((r) => [r.item.text, r.error]), [['boom', 'question_finished']]);
    assert.deepEqual(result.sent.map((i) => i.text), ['after']);
  });

  it('runs one flush at a time: a second call shares the first, so nothing is sent twice', async () => {
    const queue = new OfflineQueue();
    queue.enqueue('q', 'once');
    let calls = 0;
    const send = async (): Promise<SendOutcome> => {
      calls++;
      await new Promise((r) => setTimeout(r, 10));
      return { kind: 'sent', messageId: 'z' };
    };
    await Promise.all([queue.flush(send), queue.flush(send)]);
    assert.equal(calls, 1);
  });

  it('tells its listener each change', () => {
    const sizes: number[] = [];
    const queue = new OfflineQueue((items) => sizes.push(items.length));
    queue.enqueue('q', 'a');
    queue.enqueue('q', 'b');
    assert.deepEqual(sizes, [1, 2]);
  });
});
