/**
 * Texts typed while the socket is away: each gets its `client_msg_id` when typed, waits in order,
 * and is sent once the connection is back. A retry reuses the id, so the server stores it once even
 * when an earlier attempt did arrive. A refusal (an error reply) drops the text and reports it; a
 * transport failure keeps it and everything after it for the next flush.
 */

export interface QueuedText {
  clientMsgId: string;
  questionId: string;
  text: string;
  /** Milliseconds since the epoch, when typed. */
  queuedAt: number;
}

/** The server's answer to one send: stored, refused for good, or not reached at all. */
export type SendOutcome = { kind: 'sent'; messageId: string } | { kind: 'refused'; error: string } | { kind: 'unreachable' };

export interface FlushResult {
  sent: QueuedText[];
  refused: Array<{ item: QueuedText; error: string }>;
  /** Still queued (the connection failed again). */
  remaining: QueuedText[];
}

let counter = 0;

/** A client_msg_id unique to this tab (1–64 characters, as the API allows). */
export function newClientMsgId(now: number = Date.now(), random: () => number = Math.random): string {
  counter = (counter + 1) % 1_000_000;
  return `d${now.toString(36)}${counter.toString(36)}${Math.floor(random() * 2 ** 40).toString(36)}`;
}

export class OfflineQueue {
  private items: QueuedText[] = [];
  private flushing: Promise<FlushResult> | null = null;

  constructor(private readonly onChange: (items: readonly QueuedText[]) => void = () => {}) {}

  /** Queues a text; returns the queued item (its client_msg_id is final). */
  enqueue(questionId: string, text: string, now: number = Date.now()): QueuedText {
    const item = { clientMsgId: newClientMsgId(now), questionId, text, queuedAt: now };
    this.items = [...this.items, item];
    this.onChange(this.items);
    return item;
  }

  /** The queued texts of one question (to show them as pending), in typing order. */
  pendingFor(questionId: string): QueuedText[] {
    return this.items.filter((item) => item.questionId === questionId);
  }

  get size(): number {
    return this.items.length;
  }

  /** Sends queued texts in order, one at a time; concurrent calls share one run. */
  flush(send: (item: QueuedText) => Promise<SendOutcome>): Promise<FlushResult> {
    this.flushing ??= this.run(send).finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async run(send: (item: QueuedText) => Promise<SendOutcome>): Promise<FlushResult> {
    const result: FlushResult = { sent: [], refused: [], remaining: [] };
    while (this.items.length > 0) {
      const item = this.items[0]!;
      const outcome = await send(item).catch((): SendOutcome => ({ kind: 'unreachable' }));
      if (outcome.kind === 'unreachable') break;
      this.items = this.items.slice(1);
      if (outcome.kind === 'sent') result.sent.push(item);
      else result.refused.push({ item, error: outcome.error });
      this.onChange(this.items);
    }
    result.remaining = [...this.items];
    return result;
  }
}
