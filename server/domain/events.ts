/**
 * Domain events: what happened, recorded by commands after their write committed. The real-time
 * publisher (and the push outbox) subscribe here; nothing else emits to sockets.
 */
import { EventEmitter } from 'node:events';
import type { MessageRecord, QuestionRecord } from '../stores/types.js';
import type { TransitionName } from './stateMachine.js';

export type DomainEvent =
  | { type: 'question.created'; question: QuestionRecord; baseUrl: string }
  | {
      type: 'question.transitioned';
      transition: TransitionName;
      /** The question before the write, as the command loaded it. */
      previous: { status: QuestionRecord['status']; servId: string | null };
      question: QuestionRecord;
      notice: MessageRecord;
      baseUrl: string;
    }
  | { type: 'message.created'; question: QuestionRecord; message: MessageRecord; baseUrl: string }
  /**
   * A device session was bound, rebound, unbound or deleted: its sockets must join or leave agent,
   * queue and question rooms (or disconnect) on every node. `formerServId` is the agent it acted as.
   * Carries the digest, never the token (see sessionTokens.ts).
   */
  | { type: 'session.changed'; sessionDigest: string; formerServId?: string };

export class DomainEvents {
  private readonly emitter = new EventEmitter({ captureRejections: false });

  /** Called after the write that the event describes has committed. */
  record(event: DomainEvent): void {
    this.emitter.emit('event', event);
  }

  subscribe(listener: (event: DomainEvent) => void): () => void {
    const safe = (event: DomainEvent) => {
      try {
        listener(event);
      } catch (error) {
        this.emitter.emit('listenerError', error);
      }
    };
    this.emitter.on('event', safe);
    return () => this.emitter.off('event', safe);
  }

  onListenerError(handler: (error: unknown) => void): void {
    this.emitter.on('listenerError', handler);
  }
}
