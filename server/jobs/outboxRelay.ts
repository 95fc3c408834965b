/**
 * The outbox relay: turns the domain events that the stores record in the same transaction as
 * their cause (OutboxEvent) into deliveries (a push to one device; a webhook call later), then
 * completes the event. Whatever was acknowledged to a client is in the outbox already, so a crash
 * at any point loses nothing: an event claimed by a node that died is leased, not taken, and comes
 * back when the lease ends; deliveries have ids derived from the event and the recipient, so
 * fanning out one event twice enqueues nothing new.
 *
 * Every node relays. The node that made a change wakes its relay at once (the in-memory domain
 * event, after commit); events left by another process or a crash are found by the poll.
 */
import type { Deps } from '../deps.js';
import { startPollingWorker } from '../pollingWorker.js';
import type { MessageRecord, OutboxEvent, QuestionRecord } from '../stores/types.js';

/** An outbox event with what it names, read when it is relayed. */
export interface RelayedEvent {
  event: OutboxEvent;
  question: QuestionRecord;
  /** The notice or chat message; null for question.created. */
  message: MessageRecord | null;
}

/**
 * Something events fan out to: each returns the deliveries one event calls for, queued in the push
 * queue; a sink with a queue of its own (webhooks) queues there itself, idempotently, and returns
 * none. Either way it is done before the event is completed, so a crash loses nothing.
 */
export interface OutboxSink {
  name: string;
  fanOut(event: RelayedEvent): Promise<Array<{ id: string; payload: string }>>;
}

export interface OutboxRelay {
  /** Relays now instead of at the next poll. */
  wake(): void;
  /** Resolves once every event recorded before the call has been relayed (shutdown, tests). */
  idle(): Promise<void>;
  /** Stops after the round in flight. */
  stop(): Promise<void>;
}

export interface OutboxRelayOptions {
  sinks: OutboxSink[];
  /** Called after a round enqueued deliveries, so delivery starts at once. */
  onEnqueued?: () => void;
  /** @default 1000 */
  pollIntervalMs?: number;
}

/** Events per claim, and how long a claim holds them (by the store's clock): far longer than fanning out a batch takes. */
const BATCH = 50;
const LEASE_S = 30;
/**
 * An event whose question or message cannot be read yet is left for a later round: MongoDB's
 * standalone mode writes some events just before their cause. Past this age it never will be.
 */
const MISSING_GRACE_S = 120;
/** Claims before an event that keeps failing is dropped (and logged) so it cannot block the rest. */
const MAX_EVENT_ATTEMPTS = 20;

export function startOutboxRelay(deps: Deps, options: OutboxRelayOptions): OutboxRelay {
  const log = deps.logger.child({ job: 'outboxRelay' });
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  let stopped = false;

  /** Reads what the event names; null when it is not there (yet). */
  async function load(event: OutboxEvent): Promise<RelayedEvent | null> {
    const question = await deps.store.conversations.getQuestion(event.questionId);
    const message = event.messageId === null ? null : await deps.store.conversations.getMessage(event.messageId);
    if (!question || (event.messageId !== null && !message)) return null;
    return { event, question, message };
  }

  /**
   * Fans one event out to every sink: the deliveries it calls for, or null when it must wait for a
   * later round (an event that names nothing past the grace period is dropped: no deliveries).
   */
  async function fanOut(event: OutboxEvent): Promise<Array<{ id: string; payload: string }> | null> {
    const loaded = await load(event);
    if (!loaded) {
      if (deps.now() - event.createdAt < MISSING_GRACE_S) return null;
      log.warn({ event: event.id, type: event.type }, 'outbox event names nothing that exists; dropped');
      return [];
    }
    return (await Promise.all(options.sinks.map((sink) => sink.fanOut(loaded)))).flat();
  }

  /**
   * One claim: fans the events out in order, then enqueues the round's deliveries in one write and
   * completes its events together, so a round costs the store two commits, not two per event (the
   * embedded store's group commit joins the completions). A crash before the end of the round
   * leaves its events leased: they come back, and their deliveries' ids make the repeat a no-op.
   */
  async function round(): Promise<number> {
    const events = await deps.store.outbox.claimEvents(LEASE_S, BATCH);
    const deliveries: Array<{ id: string; payload: string }> = [];
    const done: string[] = [];
    // In order: events of one question are fanned out in the order they were recorded.
    for (const event of events) {
      try {
        const fannedOut = await fanOut(event);
        if (!fannedOut) continue;
        deliveries.push(...fannedOut);
        done.push(event.id);
      } catch (error) {
        if (event.attempts >= MAX_EVENT_ATTEMPTS) {
          log.error({ err: error, event: event.id, attempts: event.attempts }, 'outbox event keeps failing; dropped');
          done.push(event.id);
        } else {
          log.warn({ err: error, event: event.id }, 'relaying an outbox event failed; it comes back when its lease ends');
        }
      }
    }
    if (deliveries.length) await deps.store.outbox.enqueueDeliveries(deliveries);
    await Promise.all(done.map((id) => deps.store.outbox.completeEvent(id)));
    if (deliveries.length) options.onEnqueued?.();
    return events.length;
  }

  // Rounds until a claim comes back short.
  const worker = startPollingWorker(
    async () => {
      while (!stopped && (await round()) === BATCH);
    },
    { intervalMs: pollIntervalMs, onError: (error) => log.error({ err: error }, 'outbox relay round failed') },
  );
  const unsubscribe = deps.events.subscribe((event) => {
    // Only these writes record an outbox event; notes, presence and provisioning have nothing to relay.
    if (event.type === 'question.created' || event.type === 'question.transitioned' || event.type === 'message.created') worker.wake();
  });

  return {
    wake: () => worker.wake(),
    idle: () => worker.settled(),
    async stop() {
      stopped = true;
      unsubscribe();
      await worker.stop();
    },
  };
}
