/**
 * The socket events of shared/events.ts as data, for the AsyncAPI document and the /docs page:
 * each event's payload schema, what it means, its ack and one example payload. The doc comments
 * of the event maps are for readers of the code; these are what a running server can publish.
 * `satisfies` ties both records to the event maps, so an event added there without its entry here
 * is a compile error, and a test parses every example with its event's schema.
 */
import type { z } from 'zod';
import {
  questionRefPayload,
  sendNotePayload,
  sendTextPayload,
  serverEventSchemas,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from './events.js';
import { errorReply, messageIdReply, okReply } from './schemas/responses.js';

/** One event as the documentation presents it. */
export interface EventDoc {
  payload: z.ZodType;
  summary: string;
  /** Present when the event takes an acknowledgement callback (client → server only). */
  ack?: { description: string; replies: AckReply[] };
  example: unknown;
}

/** One shape an acknowledgement may take, named for the documents that list it once. */
export interface AckReply {
  name: string;
  schema: z.ZodType;
}

const OK: AckReply = { name: 'ok', schema: okReply };
const ERROR: AckReply = { name: 'error', schema: errorReply };
const SENT: AckReply = { name: 'message_id', schema: messageIdReply };

const QUESTION_ID = '674830f05c2b1a0012ab34cd';

/** Client → server events: the server validates each payload with `payload`. */
export const CLIENT_EVENT_DOCS = {
  'question:subscribe': {
    payload: questionRefPayload,
    summary:
      'Follow one question: its room then receives `message:new` and `question:updated`. Allowed to whoever may read its messages over REST (its user; agents of its app).',
    ack: { description: '`{status: 200}`, or the error envelope when the question is unknown or not readable.', replies: [OK, ERROR] },
    example: { question_id: QUESTION_ID },
  },
  'question:unsubscribe': {
    payload: questionRefPayload,
    summary: 'Stop following a question.',
    ack: { description: 'Always `{status: 200}` for a well-formed payload.', replies: [OK, ERROR] },
    example: { question_id: QUESTION_ID },
  },
  'message:send_text': {
    payload: sendTextPayload,
    summary:
      'Post a text message, exactly as `POST /v1/question/{question_id}/message/send_text`; `sender` and `sender_type` default to the session’s bound agent (2), else its user (1).',
    ack: { description: 'The REST reply of send_text: `{status: 200, message_id}` or the error envelope.', replies: [SENT, ERROR] },
    example: { question_id: QUESTION_ID, text: 'Order 42 has not arrived', client_msg_id: 'c-1' },
  },
  'message:send_note': {
    payload: sendNotePayload,
    summary:
      'Write a private note as the session’s bound agent, exactly as `POST /v1/question/{question_id}/message/send_note`: agents of the question’s app only; the user never receives it.',
    ack: { description: 'The REST reply of send_note: `{status: 200, message_id}` or the error envelope.', replies: [SENT, ERROR] },
    example: { question_id: QUESTION_ID, text: 'Long-time customer, refund without asking twice', client_msg_id: 'n-1' },
  },
  typing: {
    payload: questionRefPayload,
    summary: '“I am typing” in a question; relayed to the other party only (the user ↔ its serving agent).',
    ack: { description: 'Optional; `{status: 200}` or the error envelope.', replies: [OK, ERROR] },
    example: { question_id: QUESTION_ID },
  },
} satisfies Record<keyof ClientToServerEvents, EventDoc>;

/** Server → client events: only server/realtime/publisher.ts emits them. */
export const SERVER_EVENT_DOCS = {
  'message:new': {
    payload: serverEventSchemas['message:new'],
    summary:
      'A message (chat or notice) was stored: to the question’s room, its user and its serving agent. Messages carry `seq`; a client delivers by seq and catches up over REST after a gap.',
    example: {
      question_id: QUESTION_ID,
      message: {
        message_id: '674831125c2b1a0012ab34d2',
        sender: 'u1001',
        sender_type: 1,
        timestamp: 1732790012.0,
        seq: 2,
        type: 3,
        text: 'Order 42 has not arrived',
      },
    },
  },
  'note:new': {
    payload: serverEventSchemas['note:new'],
    summary:
      'A private note was stored: to the `notes` room of the question (agents of its app that follow it) and to its serving agent, never to a socket of its user. A note has no `seq`: it sits after the message whose seq is `after_seq`, and `note_seq` orders the notes there.',
    example: {
      question_id: QUESTION_ID,
      note: {
        message_id: '674831205c2b1a0012ab34d9',
        type: 5,
        sender: 'mei',
        sender_type: 2,
        timestamp: 1732790020.5,
        text: 'Long-time customer, refund without asking twice',
        after_seq: 2,
        note_seq: 1,
      },
    },
  },
  'question:updated': {
    payload: serverEventSchemas['question:updated'],
    summary:
      'A question changed status or agent (`action` is the notice action of the change): to its room, its user, its agent and the agent that just left (a transfer, action 7, reaches both agents).',
    example: { question_id: QUESTION_ID, status: 2, serv_id: 'mei', action: 1 },
  },
  'queue:added': {
    payload: serverEventSchemas['queue:added'],
    summary: 'A question entered the pending queue (asked, quit by its agent, reopened without agent): to the app’s queue room.',
    example: {
      identify: 'com.example.app',
      question: {
        question_id: QUESTION_ID,
        user_id: 'u1001',
        user_image_url: '',
        user_name: 'Ada Lovelace',
        title: 'Where is my parcel?',
        last_mess_text: '',
        last_mess_timestamp: null,
        last_mess_sender: null,
        last_mess_sender_type: null,
        timestamp: 1732790000.123,
        identify: 'com.example.app',
        labels: ['shipping'],
      },
    },
  },
  'queue:removed': {
    payload: serverEventSchemas['queue:removed'],
    summary: 'A question left the pending queue (served, timed out): to the app’s queue room.',
    example: { question_id: QUESTION_ID, identify: 'com.example.app' },
  },
  typing: {
    payload: serverEventSchemas.typing,
    summary: 'The other party is typing.',
    example: { question_id: QUESTION_ID, sender: 'mei', sender_type: 2 },
  },
  'watch:event': {
    payload: serverEventSchemas['watch:event'],
    summary:
      'A question was asked or changed, or a message stored, in a watched app: to admin-token watch sockets only (`kefu watch`), which hear nothing else. Text is previewed (120 characters); no media URLs, nothing of any session.',
    example: {
      event: 'message.created',
      identify: 'com.example.shop',
      question_id: QUESTION_ID,
      user_id: 'u1001',
      title: 'Where is my parcel?',
      status: 2,
      serv_id: 'mei',
      action: null,
      message: { message_id: '674831125c2b1a0012ab34d2', seq: 2, sender: 'u1001', sender_type: 1, type: 3, preview: 'Order 42 has not arrived' },
      timestamp: 1732790012.0,
    },
  },
  'question:rated': {
    payload: serverEventSchemas['question:rated'],
    summary:
      'Extension: the asking user rated a resolved cycle (POST /question/<id>/rate): to the agent that served it and to the agents following the question, never to the user.',
    example: { question_id: QUESTION_ID, cycle: 1, serv_id: 'mei', rating: { score: 5, comment: 'Quick and kind', timestamp: 1732790400.0 } },
  },
  'agent:presence': {
    payload: serverEventSchemas['agent:presence'],
    summary:
      'Extension: an agent went `online`, `away` or `offline`: to the agents of its apps and its own sockets. A node that dies takes its agents offline within 30 s.',
    example: { serv_id: 'mei', presence: 'away' },
  },
} satisfies Record<keyof ServerToClientEvents, EventDoc>;
