/**
 * The one place that emits to sockets. It follows the domain events (recorded after each write
 * committed) and maps each to rooms; with the Redis adapter the same emit reaches every node.
 * A socket in several target rooms gets one copy: rooms of one emit are a union.
 *
 * Media URLs are presented for each reader: PUBLIC_URL when set, else the origin that reader's
 * socket connected to. Only messages that carry media depend on it; those are presented by every
 * node for its own sockets, once per origin among them (see presentPerOrigin).
 */
import { STATUS, type SenderType } from '../../shared/limits.js';
import { rooms, type Room } from '../../shared/rooms.js';
import type { ServerToClientEvents } from '../../shared/events.js';
import type { Deps } from '../deps.js';
import { unmapped, type DomainEvent } from '../domain/events.js';
import { watchersOfApp } from '../domain/policies.js';
import { presentMessage, presentNote, presentRating, presentSummary, presentWatchEvent } from '../domain/presenters.js';
import type { Metrics } from '../metrics/index.js';
import type { MessageRecord, QuestionRecord } from '../stores/types.js';
import type { ChangeFeed } from './changeFeed.js';
import { deviceRoomOf } from './deviceRooms.js';
import type { SocketOrigins } from './origins.js';
import type { KefuServer } from './types.js';

export interface Publisher {
  /** Relays "typing" to the other party of a question (if it has one now), not to the typist's own device. */
  typing(question: QuestionRecord, from: { sender: string; senderType: SenderType }, typistDigest: string): void;
  /** Stops following domain events. */
  stop(): void;
}

/** The question's room, its user, and each agent named (serving now, or serving before). */
function audience(question: QuestionRecord, ...servIds: Array<string | null>): Room[] {
  const targets: Room[] = [rooms.question(question.id), rooms.user(question.userId)];
  for (const servId of new Set(servIds)) if (servId) targets.push(rooms.agent(servId));
  return targets;
}

/** The inter-node event that asks every node to present a media message for its own sockets. */
export const PRESENT_MESSAGE = 'kefu:present-message' as const;

export interface PublisherParts {
  changeFeed: ChangeFeed;
  origins: SocketOrigins;
  /** Counts each emit by event name, when metrics are on. */
  metrics?: Metrics;
}

export function startPublisher(io: KefuServer, deps: Deps, parts: PublisherParts): Publisher {
  const { publicUrl } = deps.config;
  /** Counts one emit of `event`, however many sockets (and nodes) it reaches. */
  const emitted = (event: keyof ServerToClientEvents) => parts.metrics?.socketEventsEmitted.inc({ event });

  /** This node's share of a media message: one emit per origin its sockets connected to. */
  function presentPerOrigin(targets: Room[], questionId: string, message: MessageRecord): void {
    for (const [baseUrl, others] of parts.origins.local()) {
      io.local.to(targets).except(others).emit('message:new', { question_id: questionId, message: presentMessage(message, baseUrl) });
      emitted('message:new');
    }
  }
  io.on(PRESENT_MESSAGE, ({ targets, questionId, message }) => presentPerOrigin(targets, questionId, message));

  function messageNew(question: QuestionRecord, message: MessageRecord, targets: Room[]): void {
    if (message.mediaPath !== undefined && !publicUrl) {
      presentPerOrigin(targets, question.id, message);
      // Only an adapter that joins nodes (Redis) has other nodes to ask.
      if (deps.config.redisUrl) io.serverSideEmit(PRESENT_MESSAGE, { targets, questionId: question.id, message });
      return;
    }
    // No URL to present (text, notice) or one for everybody (PUBLIC_URL): one broadcast.
    io.to(targets).emit('message:new', { question_id: question.id, message: presentMessage(message, publicUrl ?? '') });
    emitted('message:new');
  }

  async function queueAdded(question: QuestionRecord) {
    const users = await deps.store.accounts.getUsers([question.userId]);
    io.to(rooms.queue(question.identify)).emit('queue:added', {
      question: presentSummary(question, users.get(question.userId)),
      identify: question.identify,
    });
    emitted('queue:added');
  }

  /** The operator's watch sockets of the question's app (and of every app) hear every domain event of it. */
  function watch(event: 'question.created' | 'question.transitioned' | 'message.created', question: QuestionRecord, message: MessageRecord | null) {
    io.to(watchersOfApp(question.identify)).emit('watch:event', presentWatchEvent(event, question, message));
    emitted('watch:event');
  }

  async function publish(event: DomainEvent): Promise<void> {
    switch (event.type) {
      case 'question.created':
        watch(event.type, event.question, null);
        return queueAdded(event.question);
      case 'message.created': {
        const { question } = event;
        watch(event.type, question, event.message);
        const servId = question.status === STATUS.inProgress ? question.servId : null;
        messageNew(question, event.message, audience(question, servId));
        return;
      }
      case 'question.transitioned': {
        const { question, previous, notice } = event;
        watch(event.type, question, notice);
        const targets = audience(question, question.servId, previous.servId);
        // The notice is a message with its own seq: clients that deliver by seq need it too.
        messageNew(question, notice, targets);
        io.to(targets).emit('question:updated', {
          question_id: question.id,
          status: question.status,
          serv_id: question.servId,
          action: notice.action ?? 0,
        });
        emitted('question:updated');
        // An agent that quit stops following the question on every node; it may subscribe again
        // like any agent of the app, but its desk no longer streams a conversation it left.
        if (previous.servId && previous.servId !== question.servId) {
          io.in(rooms.agent(previous.servId)).socketsLeave([rooms.question(question.id), rooms.notes(question.id)]);
        }
        const wasQueued = previous.status === STATUS.pending;
        const isQueued = question.status === STATUS.pending;
        if (wasQueued && !isQueued) {
          io.to(rooms.queue(question.identify)).emit('queue:removed', { question_id: question.id, identify: question.identify });
          emitted('queue:removed');
        }
        if (!wasQueued && isQueued) await queueAdded(question);
        return;
      }
      case 'note.created': {
        // Notes have a room of their own: the question room is shared with the user. The asker's
        // user room is excepted too, so a socket that is both (its user bound to an agent) never hears one.
        const { question, note } = event;
        const targets: Room[] = [rooms.notes(question.id)];
        if (question.status === STATUS.inProgress && question.servId) targets.push(rooms.agent(question.servId));
        io.to(targets).except(rooms.user(question.userId)).emit('note:new', { question_id: question.id, note: presentNote(note) });
        emitted('note:new');
        return;
      }
      case 'question.rated': {
        // For agents only: the one that served the cycle, and those following the question (its
        // notes room admits agents of the app alone); the asker's room is excepted, as for notes.
        const { question, cycle } = event;
        const targets: Room[] = [rooms.notes(question.id)];
        if (cycle.lastAgent) targets.push(rooms.agent(cycle.lastAgent));
        io.to(targets)
          .except(rooms.user(question.userId))
          .emit('question:rated', { question_id: question.id, cycle: cycle.n, serv_id: cycle.lastAgent, rating: presentRating(cycle.rating!) });
        emitted('question:rated');
        return;
      }
      case 'agent.presence': {
        // The agents of its apps hear it in their queue rooms; its own desks in its agent room.
        const agent = await deps.store.accounts.getAgent(event.servId);
        const targets: Room[] = [rooms.agent(event.servId), ...(agent?.identifies ?? []).map(rooms.queue)];
        io.to(targets).emit('agent:presence', { serv_id: event.servId, presence: event.presence });
        emitted('agent:presence');
        return;
      }
      case 'app.routing':
        // Nobody is told: what auto-assign then does is announced as transitions.
        return;
      case 'accounts.changed':
        // Re-homing reads the change feed, so this node and every other apply the same entries.
        parts.changeFeed.wake();
        return;
      default:
        return unmapped(event);
    }
  }

  const unsubscribe = deps.events.subscribe((event) => {
    publish(event).catch((error) => deps.logger.error({ err: error, event: event.type }, 'real-time publish failed'));
  });

  return {
    typing(question, from, typistDigest) {
      // Nobody hears typing while the question waits for an agent.
      if (question.status !== STATUS.inProgress || question.servId === null) return;
      const target = from.senderType === 1 ? rooms.agent(question.servId ?? '') : rooms.user(question.userId);
      io.to(target)
        .except(deviceRoomOf(typistDigest))
        .emit('typing', { question_id: question.id, sender: from.sender, sender_type: from.senderType });
      emitted('typing');
    },
    stop() {
      unsubscribe();
      io.removeAllListeners(PRESENT_MESSAGE);
    },
  };
}
