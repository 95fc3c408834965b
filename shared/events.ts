/**
 * The Socket.IO contract of docs/api.md ("Real time"), typed once: payload schemas
 * (zod) for every event in both directions, and the event maps used as type parameters of the
 * server's `Server<…>` and the client's `Socket<…>`. The server validates every client payload with
 * these schemas; tests parse every server payload with them.
 */
import { z } from 'zod';
import type { ErrorBody } from './errors.js';
import { identify, objectId } from './schemas/common.js';
import { sendNoteInput, sendTextInput } from './schemas/requests.js';
import { agentPresence, id, message, rating, noteMessage, questionSummary, type Message, type Note, type QuestionSummary } from './schemas/responses.js';

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

/** `message:send_note`: the REST parameters of send_note without the session; the sender is the bound agent. */
export const sendNotePayload = sendNoteInput.omit({ sender: true, sender_type: true });
export type SendNotePayload = z.input<typeof sendNotePayload>;

// ---- acknowledgements ----

/** `{status: 200}` or the error envelope of the REST API. */
export type Ack = { status: 200 } | ErrorBody;
/** Exactly the REST reply of POST /question/<id>/message/send_text. */
export type SendTextAck = { status: 200; message_id: string } | ErrorBody;

// ---- server → client payloads ----

export const messageNewPayload = z.strictObject({ question_id: id, message });
export const noteNewPayload = z.strictObject({ question_id: id, note: noteMessage });
export const questionUpdatedPayload = z.strictObject({
  question_id: id,
  status: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  serv_id: z.string().nullable(),
  /** The notice action of the transition (1 started … 6 reopened, 7 transferred). */
  action: z.number().int().min(1).max(7),
});
export const queueAddedPayload = z.strictObject({ question: questionSummary, identify: z.string() });
export const queueRemovedPayload = z.strictObject({ question_id: id, identify: z.string() });
export const typingPayload = z.strictObject({
  question_id: id,
  sender: z.string(),
  sender_type: z.union([z.literal(1), z.literal(2)]),
});
/** Extension (issue 13): the asking user rated a resolved cycle of the question. */
export const questionRatedPayload = z.strictObject({
  question_id: id,
  /** The cycle rated: 1 the ask, then one more per reopen. */
  cycle: z.number().int().min(1),
  /** The agent that served the cycle when it ended (null when nobody served it). */
  serv_id: z.string().nullable(),
  rating,
});
/** Extension (issue 12): an agent's presence changed. */
export const agentPresencePayload = z.strictObject({ serv_id: z.string(), presence: agentPresence });

/**
 * `watch:event`, for an operator's watch socket (`kefu watch`): one line's worth of what happened
 * in a queue or a conversation. The message is previewed, never presented: no media URLs, and
 * nothing of any session.
 */
export const watchEventPayload = z.strictObject({
  event: z.enum(['question.created', 'question.transitioned', 'message.created']),
  identify: z.string(),
  question_id: id,
  user_id: z.string(),
  title: z.string(),
  status: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  serv_id: z.string().nullable(),
  /** The notice action of a transition; null otherwise. */
  action: z.number().int().min(1).max(7).nullable(),
  /** The chat message (message.created) or the transition's notice; null for question.created. */
  message: z
    .strictObject({
      message_id: id,
      seq: z.number().int().min(1),
      sender: z.string(),
      sender_type: z.union([z.literal(1), z.literal(2)]),
      type: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]),
      /** The text's first 120 characters, `[image]` or `[audio]`; empty for a notice. */
      preview: z.string(),
    })
    .nullable(),
  timestamp: z.number(),
});

/**
 * The handshake `auth` of a watch socket: the ADMIN_TOKEN instead of a session, and the apps to
 * watch (every app when absent).
 */
export const watchHandshake = z.object({
  admin_token: z.string().min(1).max(1000),
  identifies: z.array(identify).min(1).max(200).optional(),
});

export type MessageNewPayload = { question_id: string; message: Message };
export type NoteNewPayload = { question_id: string; note: Note };
export type QuestionUpdatedPayload = z.infer<typeof questionUpdatedPayload>;
export type QueueAddedPayload = { question: QuestionSummary; identify: string };
export type QueueRemovedPayload = z.infer<typeof queueRemovedPayload>;
export type TypingPayload = z.infer<typeof typingPayload>;
export type WatchEventPayload = z.infer<typeof watchEventPayload>;
export type WatchHandshake = z.input<typeof watchHandshake>;
export type AgentPresencePayload = z.infer<typeof agentPresencePayload>;
export type QuestionRatedPayload = z.infer<typeof questionRatedPayload>;

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
   * Write a private note as the session's bound agent, exactly as POST
   * /question/<id>/message/send_note; the ack is its reply.
   * @example socket.emit('message:send_note', { question_id, text: 'VIP, be kind', client_msg_id: 'n1' }, (ack) => ack.message_id)
   */
  'message:send_note': (payload: SendNotePayload, ack: (reply: SendTextAck) => void) => void;
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
  'message:send_note': true,
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
   * A private note was stored: to the agents of the app that follow the question and its serving
   * agent, never to a socket of its user (notes have their own room). Notes carry no `seq`; see
   * `after_seq` and `note_seq`.
   * @example { question_id: '65a1…', note: { message_id: '65a3…', type: 5, after_seq: 7, note_seq: 1, text: 'VIP', … } }
   */
  'note:new': (payload: NoteNewPayload) => void;
  /**
   * A question changed status or agent: to its room, its user, its agent (and the agent that left).
   * @example { question_id: '65a1…', status: 2, serv_id: 'alice', action: 1 }
   */
  'question:updated': (payload: QuestionUpdatedPayload) => void;
  /**
   * Extension (issue 13): the asking user rated a resolved cycle: to the agent that served it, and
   * to the agents following the question (its notes room); never to the user.
   * @example { question_id: '65a1…', cycle: 1, serv_id: 'alice', rating: { score: 5, comment: 'quick!', timestamp: 1732790400 } }
   */
  'question:rated': (payload: QuestionRatedPayload) => void;
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
   * A question was asked or changed, or a message stored, in a watched app: to admin-token watch
   * sockets only (`kefu watch`), which hear nothing else.
   * @example { event: 'message.created', identify: 'com.example.app', question_id: '65a1…', message: { sender: 'u1001', preview: 'hi', … }, … }
   */
  'watch:event': (payload: WatchEventPayload) => void;
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
  /** A device session's socket, or an operator's watch socket (admin token, watch rooms only). */
  kind: 'device' | 'watcher';
  /** The session's stored digest (never the token); its device room is named from it. Empty for a watcher. */
  sessionDigest: string;
  /** Empty for a watcher. */
  userId: string;
  /** Whether the session has an idle TTL, so an open socket counts as its use (server/realtime/liveSessions.ts). */
  idleTtl: boolean;
}

/** Server → client payload schemas by event, for tests and clients that validate what they receive. */
export const serverEventSchemas = {
  'message:new': messageNewPayload,
  'note:new': noteNewPayload,
  'question:updated': questionUpdatedPayload,
  'question:rated': questionRatedPayload,
  'queue:added': queueAddedPayload,
  'queue:removed': queueRemovedPayload,
  typing: typingPayload,
  'watch:event': watchEventPayload,
  'agent:presence': agentPresencePayload,
} as const;

/** The error `connect_error` carries when the handshake's session is missing or unknown. */
export const HANDSHAKE_ERROR = 'session_invalid';
