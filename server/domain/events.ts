/**
 * Domain events: what happened, recorded by commands after their write committed. They carry what
 * happened and nothing of the request that caused it (no base URLs, hosts or headers): presenting
 * for a reader happens at the edge, for that reader. The real-time publisher maps them to rooms;
 * the outbox relay and the change feed wake on them. Anything that must survive a crash is also in
 * the store (the outbox event, the change feed), written in the same transaction as the change.
 */
import { EventEmitter } from 'node:events';
import { writeSync } from 'node:fs';
import type { AppRouting, ChangeKind, CycleRecord, MessageRecord, NoteRecord, QuestionRecord } from '../stores/types.js';
import type { AgentPresence as Presence } from '../../shared/schemas/responses.js';
import type { TransitionName } from './stateMachine.js';

export type DomainEvent =
  | { type: 'question.created'; question: QuestionRecord }
  | {
      type: 'question.transitioned';
      transition: TransitionName;
      /** The question before the write, as the command loaded it. */
      previous: { status: QuestionRecord['status']; servId: string | null };
      question: QuestionRecord;
      notice: MessageRecord;
    }
  | { type: 'message.created'; question: QuestionRecord; message: MessageRecord }
  /** The asking user rated a resolved cycle (its question.rated outbox event was written with it). */
  | { type: 'question.rated'; question: QuestionRecord; cycle: CycleRecord }
  /** A private note: it goes to agents' rooms only, and to no outbox (nothing is pushed for it). */
  | { type: 'note.created'; question: QuestionRecord; note: NoteRecord }
  /**
   * A provisioning write that may change who may hear what (a binding, a deleted session, an agent's
   * apps or password, a removal) committed, with its change-feed entries: sockets are re-homed from
   * the feed, on every node (realtime/changeFeed.ts); this only says "look now".
   */
  | { type: 'accounts.changed'; changes: Array<{ kind: ChangeKind; key: string }> }
  /**
   * An agent's presence changed for everybody (it connected, disconnected, chose away or online, or
   * its node died), recorded by the one node that saw the change (realtime/agentPresence.ts).
   */
  | { type: 'agent.presence'; servId: string; presence: Presence }
  /** An app's routing was set (created, or changed by the admin API): auto-assign drains it if it is auto. */
  | { type: 'app.routing'; identify: string; routing: AppRouting };

export type DomainEventType = DomainEvent['type'];

export interface DomainEventsOptions {
  /**
   * Test-only crash drills (KEFU_TEST_HOLD_AFTER_COMMIT): when an event of this type is recorded,
   * the process prints `kefu-test-hold` and blocks for ever, right after the write committed and
   * before anyone heard of it, so a test can SIGKILL it at exactly that point.
   */
  holdAfterCommit?: string;
}

export class DomainEvents {
  private readonly emitter = new EventEmitter({ captureRejections: false });

  constructor(private readonly options: DomainEventsOptions = {}) {}

  /** Called after the write that the event describes has committed. */
  record(event: DomainEvent): void {
    if (event.type === this.options.holdAfterCommit) holdForever();
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

function holdForever(): never {
  writeSync(1, 'kefu-test-hold\n');
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

/** For exhaustive switches: a new event type is a compile error until it is mapped. */
export function unmapped(event: never): never {
  throw new Error(`unmapped domain event ${JSON.stringify(event)}`);
}
