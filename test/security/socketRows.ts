/**
 * The Socket.IO rows of the authorization matrix (authorizationMatrix.socket.test.ts): the ack
 * every column gets for each client → server event, and who receives each server → client event.
 * Expectations follow docs/api.md ("Real time"); where it is silent the current behaviour
 * was taken as the decision, marked "silent:" below.
 */
import assert from 'node:assert/strict';
import type { ErrorCode } from '../../shared/errors.js';
import type { Recorded, ServerEvent, TestSocket } from '../support/sockets.js';
import { cells, everyColumn, type QuestionState, type SessionColumn, type World } from './matrixWorld.js';

/** One row's world: fresh users, one open socket per session column, the row's question. */
export interface Scene {
  w: World;
  sockets: Record<SessionColumn, Recorded>;
  questionId: string;
}

export type AckExpect = 200 | ErrorCode;

export interface EmitRow {
  title: string;
  question?: QuestionState;
  /** Emits as the socket; resolves with the ack. */
  emit: (socket: TestSocket, x: Scene) => Promise<{ status: number; error?: string }>;
  /** The emit may add messages: a refusal must leave the question's messages as they were. */
  sends?: boolean;
  expect: Record<SessionColumn, AckExpect>;
}

export interface ReceiveRow {
  event: ServerEvent;
  how: string;
  question?: QuestionState;
  /** Every socket asks question:subscribe first (refusals included). */
  subscribe?: boolean;
  /** Makes the event happen; resolves with what picks out its copies (and no earlier event). */
  trigger: (x: Scene) => Promise<(payload: any) => boolean>;
  receivers: SessionColumn[];
}

const ack = cells<AckExpect>;

/** The asker rates the scene's (resolved) question over REST. */
async function asksRating(x: Scene): Promise<(payload: any) => boolean> {
  const reply = await x.w.f.api.post(`/v1/question/${x.questionId}/rate`, { session: x.w.asker.session, score: 4 });
  assert.equal(reply.status, 200, reply.text);
  return (p: any) => p.question_id === x.questionId;
}
export const ref = (x: Scene) => ({ question_id: x.questionId });

// Column order of every `ack(…)` below:
//   asker        same-app user  other-app user  serving agent  colleague         supervisor        foreign agent  unbound
export const EMIT_ROWS: EmitRow[] = [
  {
    title: 'question:subscribe',
    question: 'inProgress',
    emit: (s, x) => s.emitWithAck('question:subscribe', ref(x)),
    expect: ack(200, 'forbidden', 'forbidden', 200, 200, 200, 'forbidden', 'forbidden'),
  },
  // Leaving a room one is not in is harmless; docs/api.md promises 200 for any well-formed payload.
  {
    title: 'question:unsubscribe',
    question: 'inProgress',
    emit: (s, x) => s.emitWithAck('question:unsubscribe', ref(x)),
    expect: everyColumn<AckExpect>(200),
  },
  // sender / sender_type default to the socket's identity: the unbound device is a plain user now.
  {
    title: 'message:send_text',
    question: 'inProgress',
    sends: true,
    emit: (s, x) => s.emitWithAck('message:send_text', { ...ref(x), text: 'hello' }),
    expect: ack(200, 'forbidden', 'forbidden', 200, 'question_taken', 'question_taken', 'forbidden', 'forbidden'),
  },
  {
    title: 'message:send_text (claiming to be the serving agent)',
    question: 'inProgress',
    sends: true,
    emit: (s, x) => s.emitWithAck('message:send_text', { ...ref(x), text: 'hello', sender: x.w.serving.servId, sender_type: 2 }),
    expect: ack('sender_mismatch', 'sender_mismatch', 'sender_mismatch', 200, 'sender_mismatch', 'sender_mismatch', 'sender_mismatch', 'sender_mismatch'),
  },
  // Notes: any agent of the app, as its bound agent; a socket with no bound agent is serv_not_bound.
  {
    title: 'message:send_note',
    question: 'inProgress',
    emit: (s, x) => s.emitWithAck('message:send_note', { ...ref(x), text: 'a note' }),
    expect: ack('serv_not_bound', 'serv_not_bound', 'serv_not_bound', 200, 200, 200, 'forbidden', 'serv_not_bound'),
  },
  // silent: typing is refused (forbidden) to readers who are neither the asker nor the serving agent.
  {
    title: 'typing',
    question: 'inProgress',
    emit: (s, x) => s.emitWithAck('typing', ref(x)),
    expect: ack(200, 'forbidden', 'forbidden', 200, 'forbidden', 'forbidden', 'forbidden', 'forbidden'),
  },
];

const post = async (x: Scene, path: string, body: Record<string, unknown>) => {
  const reply = await x.w.f.api.post(path, body);
  assert.equal(reply.status, 200, reply.text);
};
const servingSays = (x: Scene, path: string, action: number) =>
  post(x, `/v1/question/${x.questionId}/${path}`, { session: x.w.serving.session, serv_id: x.w.serving.servId }).then(
    () => (p: any) => p.question_id === x.questionId && p.action === action,
  );
const userSends = async (x: Scene) => {
  const reply = await x.w.f.sendText(x.questionId, x.w.asker, 'hi');
  assert.equal(reply.status, 200, reply.text);
  return (p: any) => p.message?.message_id === reply.body.message_id;
};
const agentNotes = async (x: Scene) => {
  const reply = await x.w.f.note(x.questionId, x.w.serving, 'a note');
  assert.equal(reply.status, 200, reply.text);
  return (p: any) => p.note?.message_id === reply.body.message_id;
};
const typesAs = (column: 'asker' | 'servingAgent', sender: (x: Scene) => string) => async (x: Scene) => {
  assert.equal((await x.sockets[column].socket.emitWithAck('typing', ref(x))).status, 200);
  return (p: any) => p.question_id === x.questionId && p.sender === sender(x);
};

export const RECEIVE_ROWS: ReceiveRow[] = [
  {
    event: 'message:new',
    how: 'the user sends a text; nobody subscribed',
    question: 'inProgress',
    trigger: userSends,
    receivers: ['asker', 'servingAgent'],
  },
  {
    event: 'message:new',
    how: 'the user sends a text; everyone asked to subscribe',
    question: 'inProgress',
    subscribe: true,
    trigger: userSends,
    receivers: ['asker', 'servingAgent', 'colleague', 'supervisor'],
  },
  {
    event: 'question:updated',
    how: 'the serving agent finishes; nobody subscribed',
    question: 'inProgress',
    trigger: (x) => servingSays(x, 'finish', 4),
    receivers: ['asker', 'servingAgent'],
  },
  {
    event: 'question:updated',
    how: 'the serving agent quits; everyone asked to subscribe',
    question: 'inProgress',
    subscribe: true,
    trigger: (x) => servingSays(x, 'quit', 2),
    receivers: ['asker', 'servingAgent', 'colleague', 'supervisor'],
  },
  {
    event: 'queue:added',
    how: 'the user asks a question',
    trigger: (x) => x.w.f.question(x.w.asker).then((id) => (p: any) => p.question?.question_id === id),
    receivers: ['servingAgent', 'colleague', 'supervisor'],
  },
  {
    event: 'queue:removed',
    how: 'the colleague serves a pending question',
    question: 'pending',
    trigger: (x) => x.w.f.serve(x.questionId, x.w.colleague).then(() => (p: any) => p.question_id === x.questionId),
    receivers: ['servingAgent', 'colleague', 'supervisor'],
  },
  // A private note reaches agents only: never the asker, subscribed to the question or not.
  {
    event: 'note:new',
    how: 'the serving agent writes a note; nobody subscribed',
    question: 'inProgress',
    trigger: agentNotes,
    receivers: ['servingAgent'],
  },
  {
    event: 'note:new',
    how: 'the serving agent writes a note; everyone asked to subscribe',
    question: 'inProgress',
    subscribe: true,
    trigger: agentNotes,
    receivers: ['servingAgent', 'colleague', 'supervisor'],
  },
  {
    event: 'note:new',
    how: 'the colleague writes a note on a pending question; everyone asked to subscribe',
    question: 'pending',
    subscribe: true,
    trigger: async (x) => {
      const reply = await x.w.f.note(x.questionId, x.w.colleague, 'a pending note');
      assert.equal(reply.status, 200, reply.text);
      return (p: any) => p.note?.message_id === reply.body.message_id;
    },
    receivers: ['servingAgent', 'colleague', 'supervisor'],
  },
  // A rating reaches the agent that served the cycle and the agents following the question, never the asker.
  {
    event: 'question:rated',
    how: 'the asker rates its resolved question; nobody subscribed',
    question: 'resolved',
    trigger: asksRating,
    receivers: ['servingAgent'],
  },
  {
    event: 'question:rated',
    how: 'the asker rates its resolved question; everyone asked to subscribe',
    question: 'resolved',
    subscribe: true,
    trigger: asksRating,
    receivers: ['servingAgent', 'colleague', 'supervisor'],
  },
  // Presence goes to the agents of the agent's apps and its own desks: never to users, never to other apps' agents.
  {
    event: 'agent:presence',
    how: 'the serving agent chooses away',
    trigger: async (x) => {
      const choose = (status: string) => x.w.f.api.post('/v1/serv/status', { session: x.w.serving.session, serv_id: x.w.serving.servId, status });
      assert.equal((await choose('online')).status, 200);
      assert.equal((await choose('away')).status, 200);
      return (p: any) => p.serv_id === x.w.serving.servId && p.presence === 'away';
    },
    receivers: ['servingAgent', 'colleague', 'supervisor'],
  },
  // Typing goes to the other party only: never to question rooms, never back to the typist.
  {
    event: 'typing',
    how: 'the user types; everyone asked to subscribe',
    question: 'inProgress',
    subscribe: true,
    trigger: typesAs('asker', (x) => x.w.asker.userId),
    receivers: ['servingAgent'],
  },
  {
    event: 'typing',
    how: 'the serving agent types; everyone asked to subscribe',
    question: 'inProgress',
    subscribe: true,
    trigger: typesAs('servingAgent', (x) => x.w.serving.servId),
    receivers: ['asker'],
  },
];
