/**
 * The Socket.IO contract of docs/api.md ("Real time"), typed once: payload schemas
 * (zod) for every event in both directions, and the event maps used as type parameters of the
 * server's `Server<…>` and the client's `Socket<…>`. The server validates every client payload with
 * these schemas; tests parse every server payload with them.
 */
import { z } from 'zod';
import type { ErrorBody } from './errors.js';
import { objectId } from './schemas/common.js';
import { sendTextInput } from './schemas/requests.js';
import { agentPresence, id, message, questionSummary, type Message, type QuestionSummary } from './schemas/responses.js';

// ---- client → server payloads ----

/** `question:subscribe`, `question:unsubscribe` and `typing` name one question. */
export const questionRefPayload = z.object({ question_id: objectId });
export type QuestionRefPayload = z.input<typeof questionRefPayload>;

/**
 * `message:send_text`: the REST parameters without the session (the socket's own). `sender` and
 * `sender_type` default to the session's identity: its bound agent (2), else its user (1).
 */
export const sendTextPayload = sendTextInput.partial({ sender: true, sender_type: true });
export type SendTextPayload = z.input<typeof sendTextPayload>;

// ---- acknowledgements ----

/** `{status: 200}` or the error envelope of the REST API. */
export type Ack = { status: 200 } | ErrorBody;
/** Exactly the REST reply of POST /question/<id>/message/send_text. */
export type SendTextAck = { status: 200; message_id: string } | ErrorBody;

// ---- server → client payloads ----

export const messageNewPayload = z.strictObject({ question_id: id, message });
export const questionUpdatedPayload = z.strictObject({
  question_id: id,
  status: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  serv_id: z.string().nullable(),
  /** The notice action of the transition (1 started … 6 reopened). */
  action: z.number().int().min(1).max(6),
});
export const queueAddedPayload = z.strictObject({ question: questionSummary, identify: z.string() });
export const queueRemovedPayload = z.strictObject({ question_id: id, identify: z.string() });
export const typingPayload = z.strictObject({
  question_id: id,
  sender: z.string(),
  sender_type: z.union([z.literal(1), z.literal(2)]),
});
/** Extension (issue 12): an agent's presence changed. */
export const agentPresencePayload = z.strictObject({ serv_id: z.string(), presence: agentPresence });

export type MessageNewPayload = { question_id: string; message: Message };
export type QuestionUpdatedPayload = z.infer<typeof questionUpdatedPayload>;
export type QueueAddedPayload = { question: QuestionSummary; identify: string };
export type QueueRemovedPayload = z.infer<typeof queueRemovedPayload>;
export type TypingPayload = z.infer<typeof typingPayload>;
export type AgentPresencePayload = z.infer<typeof agentPresencePayload>;

/** Events a client emits. Every payload is validated; a bad one gets an error ack, never a crash. */
export interface ClientToServerEvents {
  /**
   * Follow one question: its room then receives `message:new` and `question:updated`. Allowed to
   * whoever may read its messages over REST (its user; agents of its app).
   * @example socket.emit('question:subscribe', { question_id }, (ack) => ack.status === 200)
   */
  'question:subscribe': (payload: QuestionRefPayload, ack: (reply: Ack) => void) => void;
  /**
   * Stop following a question; always `{status: 200}` for a well-formed payload.
   * @example socket.emit('question:unsubscribe', { question_id }, () => {})
   */
  'question:unsubscribe': (payload: QuestionRefPayload, ack: (reply: Ack) => void) => void;
  /**
   * Post a text message, exactly as POST /question/<id>/message/send_text; the ack is its reply.
   * @example socket.emit('message:send_text', { question_id, text: 'hi', client_msg_id: 'c1' }, (ack) => ack.message_id)
   */
  'message:send_text': (payload: SendTextPayload, ack: (reply: SendTextAck) => void) => void;
  /**
   * "I am typing" in a question; relayed to the other party only (the user ↔ its serving agent).
   * @example socket.emit('typing', { question_id })
   */
  typing: (payload: QuestionRefPayload, ack?: (reply: Ack) => void) => void;
}

/**
 * The name of every client → server event. `satisfies` makes a missing or an extra name a compile
 * error, so lists built from this one (docs/api.md's test) cannot fall behind the event map.
 */
export const CLIENT_EVENT_NAMES = Object.keys({
  'question:subscribe': true,
  'question:unsubscribe': true,
  'message:send_text': true,
  typing: true,
} satisfies Record<keyof ClientToServerEvents, true>) as Array<keyof ClientToServerEvents>;

/** Events the server emits (only server/realtime/publisher.ts emits them). */
export interface ServerToClientEvents {
  /**
   * A message (chat or notice) was stored: to the question's room, its user and its serving agent.
   * Messages carry `seq`; a client delivers by seq and catches up over REST after a gap.
   * @example { question_id: '65a1…', message: { message_id: '65a2…', seq: 7, type: 3, text: 'hi', … } }
   */
  'message:new': (payload: MessageNewPayload) => void;
  /**
   * A question changed status or agent: to its room, its user, its agent (and the agent that left).
   * @example { question_id: '65a1…', status: 2, serv_id: 'alice', action: 1 }
   */
  'question:updated': (payload: QuestionUpdatedPayload) => void;
  /**
   * A question entered the pending queue (asked, quit by its agent, reopened without agent).
   * @example { identify: 'com.example.app', question: { question_id: '65a1…', title: 'Help', … } }
   */
  'queue:added': (payload: QueueAddedPayload) => void;
  /**
   * A question left the pending queue (served, timed out).
   * @example { question_id: '65a1…', identify: 'com.example.app' }
   */
  'queue:removed': (payload: QueueRemovedPayload) => void;
  /**
   * The other party is typing.
   * @example { question_id: '65a1…', sender: 'alice', sender_type: 2 }
   */
  typing: (payload: TypingPayload) => void;
  /**
   * Extension (issue 12): an agent went online, away or offline: to the agents of its apps (and
   * its own desks). A node that dies takes its agents offline within 30 s.
   * @example { serv_id: 'alice', presence: 'away' }
   */
  'agent:presence': (payload: AgentPresencePayload) => void;
}


/**
 * What a socket carries from its handshake. fetchSockets() ships this to other nodes through
 * Redis, so the session token itself stays out of it (the handlers keep it in a closure).
 */
export interface SocketData {
  /** The session's stored digest (never the token); its device room is named from it. */
  sessionDigest: string;
  userId: string;
  /** Whether the session has an idle TTL, so an open socket counts as its use (server/realtime/liveSessions.ts). */
  idleTtl: boolean;
}

/** Server → client payload schemas by event, for tests and clients that validate what they receive. */
export const serverEventSchemas = {
  'message:new': messageNewPayload,
  'question:updated': questionUpdatedPayload,
  'queue:added': queueAddedPayload,
  'queue:removed': queueRemovedPayload,
  typing: typingPayload,
  'agent:presence': agentPresencePayload,
} as const;

/** The error `connect_error` carries when the handshake's session is missing or unknown. */
export const HANDSHAKE_ERROR = 'session_invalid';
