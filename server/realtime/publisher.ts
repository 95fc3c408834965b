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
import type { Deps } from '../deps.js';
import { unmapped, type DomainEvent } from '../domain/events.js';
import { presentMessage, presentSummary } from '../domain/presenters.js';
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

export function startPublisher(io: KefuServer, deps: Deps, parts: { changeFeed: ChangeFeed; origins: SocketOrigins }): Publisher {
  const { publicUrl } = deps.config;

  /** This node's share of a media message: one emit per origin its sockets connected to. */
  function presentPerOrigin(targets: Room[], questionId: string, message: MessageRecord): void {
    for (const [baseUrl, others] of parts.origins.local()) {
      io.local.to(targets).except(others).emit('message:new', { question_id: questionId, message: presentMessage(message, baseUrl) });
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
  }

  async function queueAdded(question: QuestionRecord) {
    const users = await deps.store.accounts.getUsers([question.userId]);
    io.to(rooms.queue(question.identify)).emit('queue:added', {
      question: presentSummary(question, users.get(question.userId)),
      identify: question.identify,
    });
  }

  async function publish(event: DomainEvent): Promise<void> {
    switch (event.type) {
      case 'question.created':
        return queueAdded(event.question);
      case 'message.created': {
        const { question } = event;
        const servId = question.status === STATUS.inProgress ? question.servId : null;
        messageNew(question, event.message, audience(question, servId));
        return;
      }
      case 'question.transitioned': {
        const { question, previous, notice } = event;
        const targets = audience(question, question.servId, previous.servId);
        // The notice is a message with its own seq: clients that deliver by seq need it too.
        messageNew(question, notice, targets);
        io.to(targets).emit('question:updated', {
          question_id: question.id,
          status: question.status,
          serv_id: question.servId,
          action: notice.action ?? 0,
        });
        // An agent that quit stops following the question on every node; it may subscribe again
        // like any agent of the app, but its desk no longer streams a conversation it left.
        if (previous.servId && previous.servId !== question.servId) {
          io.in(rooms.agent(previous.servId)).socketsLeave(rooms.question(question.id));
        }
        const wasQueued = previous.status === STATUS.pending;
        const isQueued = question.status === STATUS.pending;
        if (wasQueued && !isQueued) {
          io.to(rooms.queue(question.identify)).emit('queue:removed', { question_id: question.id, identify: question.identify });
        }
        if (!wasQueued && isQueued) await queueAdded(question);
        return;
      }
      case 'agent.presence': {
        // The agents of its apps hear it in their queue rooms; its own desks in its agent room.
        const agent = await deps.store.accounts.getAgent(event.servId);
        const targets: Room[] = [rooms.agent(event.servId), ...(agent?.identifies ?? []).map(rooms.queue)];
        io.to(targets).emit('agent:presence', { serv_id: event.servId, presence: event.presence });
        return;
      }
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
    },
    stop() {
      unsubscribe();
      io.removeAllListeners(PRESENT_MESSAGE);
    },
  };
}
