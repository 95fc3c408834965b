/**
 * The page's outbox: every text goes through one OfflineQueue (state/offlineQueue.ts), sent over
 * the socket now when connected, else on the next connect, with the client_msg_id given when typed.
 * Besides the queue it tells which text is on its way and, for the questions a view shows, which
 * message id each stored text got: what a conversation needs to show a text as one row from the
 * Enter to its stored message (state/ownTexts.ts).
 */
import type { KefuClient } from '../../../shared/client.js';
import { OfflineQueue, type QueuedText, type SendOutcome } from '../state/offlineQueue.js';
import type { OwnTexts, SentText } from '../state/ownTexts.js';

/** A text that left the queue with an error reply (shown under the conversation). */
export interface RefusedText {
  item: QueuedText;
  error: string;
}

export interface OutboxState {
  queued: readonly QueuedText[];
  sending: QueuedText | null;
  sent: readonly SentText[];
  refused: readonly RefusedText[];
}

/** The page's outbox: one queue, flushed on every connect. */
export class Outbox {
  readonly queue: OfflineQueue;
  private listeners = new Set<() => void>();
  /** Replaced on every change, so React sees a new snapshot. */
  private snapshot: OutboxState = { queued: [], sending: null, sent: [], refused: [] };
  /** Views showing each question: only their stored texts are remembered, and only while shown. */
  private readonly shown = new Map<string, number>();

  constructor(private readonly client: KefuClient) {
    this.queue = new OfflineQueue((items) => this.update({ queued: [...items] }));
    client.socket.on('connect', () => void this.flush());
  }

  send(questionId: string, text: string): void {
    this.queue.enqueue(questionId, text);
    void this.flush();
  }

  async flush(): Promise<void> {
    if (!this.client.socket.connected) return;
    const result = await this.queue.flush((item) => this.sendOne(item));
    if (result.refused.length > 0) this.update({ refused: [...this.snapshot.refused, ...result.refused] });
  }

  /**
   * A view shows this question: remember the message id of each of its texts stored from now on,
   * until the returned release (the view keys a stored text by its client_msg_id while it lives).
   */
  show(questionId: string): () => void {
    this.shown.set(questionId, (this.shown.get(questionId) ?? 0) + 1);
    return () => {
      const views = this.shown.get(questionId)! - 1;
      if (views > 0) return void this.shown.set(questionId, views);
      this.shown.delete(questionId);
      this.update({ sent: this.snapshot.sent.filter((sent) => sent.item.questionId !== questionId) });
    };
  }

  private async sendOne(item: QueuedText): Promise<SendOutcome> {
    if (!this.client.socket.connected) return { kind: 'unreachable' };
    this.update({ sending: item });
    let outcome: SendOutcome;
    try {
      const ack = await this.client.sendText(item.questionId, item.text, item.clientMsgId, 8000);
      outcome = ack.status === 200 ? { kind: 'sent', messageId: ack.message_id } : { kind: 'refused', error: ack.error };
    } catch {
      outcome = { kind: 'unreachable' };
    }
    const sent = outcome.kind === 'sent' && this.shown.has(item.questionId) ? [...this.snapshot.sent, { item, messageId: outcome.messageId }] : this.snapshot.sent;
    this.update({ sending: null, sent });
    return outcome;
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  state = () => this.snapshot;

  private update(change: Partial<OutboxState>) {
    this.snapshot = { ...this.snapshot, ...change };
    for (const listener of this.listeners) listener();
  }
}

/** The own texts of one question in an outbox state, for its rows. */
export function ownTextsOf(state: OutboxState, questionId: string): OwnTexts {
  const of = (item: QueuedText) => item.questionId === questionId;
  return {
    queued: state.queued.filter(of),
    sending: state.sending && of(state.sending) ? state.sending : null,
    sent: state.sent.filter((sent) => of(sent.item)),
    refused: state.refused.filter((refused) => of(refused.item)),
  };
}
