/**
 * What a connected socket may ask: subscribe / unsubscribe, send a text, say it is typing. Every
 * payload goes through a zod schema and every handler through the same policies and commands as
 * REST; failures become the REST error envelope in the ack, never a thrown error.
 */
import type { z } from 'zod';
import { ApiError, type ErrorBody } from '../../shared/errors.js';
import { questionRefPayload, sendNotePayload, sendTextPayload, type ClientToServerEvents } from '../../shared/events.js';
import { MESSAGE_TYPE, SENDER_TYPE } from '../../shared/limits.js';
import { rooms } from '../../shared/rooms.js';
import type { Deps } from '../deps.js';
import type { Actor } from '../domain/actor.js';
import { messagePoster } from '../domain/commands/messagePoster.js';
import { notePoster } from '../domain/commands/notePoster.js';
import { authorizeRead, authorizeSubscribe, canSeeNotes, requireAgent, typingIdentity } from '../domain/policies.js';
import { loadQuestion } from '../domain/queries.js';
import { SEND_LIMIT, enforceLimit, type RateCounter } from '../rateLimits/index.js';
import { resolveActor } from '../domain/actor.js';
import { parseInput } from '../input.js';
import type { Publisher } from './publisher.js';
import type { KefuSocket } from './types.js';

export type { KefuSocket };

export interface HandlerContext {
  deps: Deps;
  publisher: Publisher;
  /** Shared with REST's send limit (same key), so a socket cannot dodge it; null when limits are off. */
  rateCounter: RateCounter | null;
  /** Question rooms one socket may follow at once. */
  maxSubscriptions: number;
}

/** Gives a connected socket the handlers; `session` is its device session token. */
export type AttachHandlers = (socket: KefuSocket, session: string) => void;

type Reply = { status: 200; [key: string]: unknown } | ErrorBody;
type Run<S extends z.ZodType> = (socket: KefuSocket, payload: z.output<S>, actor: Actor) => Promise<Reply>;

function toErrorBody(deps: Deps, error: unknown): ErrorBody {
  if (error instanceof ApiError) return error.toBody();
  deps.logger.error({ err: error }, 'socket handler failed');
  return new ApiError('internal', 'internal error').toBody();
}

function parsePayload<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ApiError('param_invalid', 'the payload must be an object of parameters');
  }
  return parseInput(schema, raw as Record<string, unknown>);
}

/**
 * The handlers, built once per server and shared by every socket: a listener learns its socket from
 * `this` (an EventEmitter calls its listeners on the emitter), so an idle socket holds no closures
 * of its own, only its entries in its listener table (docs/performance.md, idle sockets).
 */
export function socketHandlers(ctx: HandlerContext): AttachHandlers {
  const { deps } = ctx;
  // The token stays in this node's memory, out of socket.data (which fetchSockets ships around).
  const sessions = new WeakMap<KefuSocket, string>();

  /** Validate, resolve the session afresh (its binding may have changed), run, ack. */
  function listener<S extends z.ZodType>(schema: S, run: Run<S>) {
    return async function (this: KefuSocket, raw: unknown, ack?: unknown) {
      let reply: Reply;
      try {
        const payload = parsePayload(schema, raw);
        reply = await run(this, payload, await resolveActor(deps, sessions.get(this)!));
      } catch (error) {
        reply = toErrorBody(deps, error);
      }
      if (typeof ack === 'function') ack(reply);
    };
  }

  const listeners: { [E in keyof ClientToServerEvents]: ReturnType<typeof listener> } = {
    'question:subscribe': listener(questionRefPayload, async (socket, { question_id }, actor) => {
      const question = await loadQuestion(deps, question_id);
      authorizeSubscribe(actor, question);
      const room = rooms.question(question.id);
      const following = [...socket.rooms].filter((r) => r.startsWith('question:') && r !== room).length;
      if (following >= ctx.maxSubscriptions) {
        throw new ApiError('rate_limited', `at most ${ctx.maxSubscriptions} subscriptions per connection`);
      }
      // The question room is shared with the user; notes go to their own room, for whom the policy admits.
      await socket.join(canSeeNotes(actor, question) ? [room, rooms.notes(question.id)] : room);
      return { status: 200 };
    }),

    'question:unsubscribe': listener(questionRefPayload, async (socket, { question_id }) => {
      await socket.leave(rooms.question(question_id));
      await socket.leave(rooms.notes(question_id));
      return { status: 200 };
    }),

    'message:send_text': listener(sendTextPayload, async (socket, params, actor) => {
      if (ctx.rateCounter) await enforceLimit(ctx.rateCounter, SEND_LIMIT, sessions.get(socket)!);
      const asAgent = params.sender_type === undefined ? actor.agent !== null : params.sender_type === SENDER_TYPE.agent;
      const { message } = await messagePoster(deps, {
        actor,
        questionId: params.question_id,
        sender: params.sender ?? (asAgent ? (actor.agent?.servId ?? '') : actor.userId),
        senderType: asAgent ? SENDER_TYPE.agent : SENDER_TYPE.user,
        clientMsgId: params.client_msg_id,
        type: MESSAGE_TYPE.text,
        content: async () => ({ type: MESSAGE_TYPE.text, text: params.text }),
      });
      return { status: 200, message_id: message.id };
    }),

    'message:send_note': listener(sendNotePayload, async (socket, params, actor) => {
      if (ctx.rateCounter) await enforceLimit(ctx.rateCounter, SEND_LIMIT, sessions.get(socket)!);
      const { note } = await notePoster(deps, {
        actor,
        questionId: params.question_id,
        sender: requireAgent(actor).servId,
        text: params.text,
        clientMsgId: params.client_msg_id,
      });
      return { status: 200, message_id: note.id };
    }),

    typing: listener(questionRefPayload, async (_socket, { question_id }, actor) => {
      const question = await loadQuestion(deps, question_id);
      authorizeRead(actor, question);
      ctx.publisher.typing(question, typingIdentity(actor, question), actor.session.digest);
      return { status: 200 };
    }),
  };

  return (socket, session) => {
    sessions.set(socket, session);
    for (const [event, handle] of Object.entries(listeners)) socket.on(event as keyof ClientToServerEvents, handle as never);
  };
}
