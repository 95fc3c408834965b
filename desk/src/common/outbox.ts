/**
 * The page's outbox: every text goes through one OfflineQueue (state/offlineQueue.ts), sent over
 * the socket now when connected, else on the next connect, with the client_msg_id given when typed.
 */
import type { KefuClient } from '../../../shared/client.js';
import { OfflineQueue, type QueuedText, type SendOutcome } from '../state/offlineQueue.js';

/** A text that left the queue with an error reply (shown under the conversation). */
export interface RefusedText {
  item: QueuedText;
  error: string;
}

/** The page's outbox: one queue, flushed on every connect. */
export class Outbox {
  readonly queue: OfflineQueue;
  private listeners = new Set<() => void>();
  /** Replaced on every change, so React sees a new snapshot. */
  private snapshot: { queued: readonly QueuedText[]; refused: readonly RefusedText[] } = { queued: [], refused: [] };

  constructor(private readonly client: KefuClient) {
    this.queue = new OfflineQueue((items) => {
      this.snapshot = { ...this.snapshot, queued: [...items] };
      this.emit();
    });
    client.socket.on('connect', () => void this.flush());
  }

  send(questionId: string, text: string): void {
    this.queue.enqueue(questionId, text);
    void this.flush();
  }

  async flush(): Promise<void> {
    if (!this.client.socket.connected) return;
    const result = await this.queue.flush((item) => this.sendOne(item));
    if (result.refused.length > 0) {
      this.snapshot = { ...this.snapshot, refused: [...this.snapshot.refused, ...result.refused] };
      this.emit();
    }
  }

  private async sendOne(item: QueuedText): Promise<SendOutcome> {
    if (!this.client.socket.connected) return { kind: 'unreachable' };
    try {
      const ack = await this.client.sendText(item.questionId, item.text, item.clientMsgId, 8000);
      return ack.status === 200 ? { kind: 'sent', messageId: ack.message_id } : { kind: 'refused', error: ack.error };
    } catch {
      return { kind: 'unreachable' };
    }
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  state = () => this.snapshot;

  private emit() {
    for (const listener of this.listeners) listener();
  }
}
