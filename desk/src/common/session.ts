/**
 * The connection of a page: one KefuClient (REST + socket) per session, its connected state as a
 * React hook, and the REST calls the pages make, typed by the repo's shared schemas.
 */
import { useEffect, useState } from 'react';
import { KefuClient, type Reply } from '../../../shared/client.js';
import type { ErrorBody } from '../../../shared/errors.js';
import type { Message, Note, QuestionSummary, TimelineEntry } from '../../../shared/schemas/responses.js';
import { useSocketEvents } from './useSocketEvents.js';

export type { Message, Note, QuestionSummary, Reply, TimelineEntry };

/** A failed REST reply or ack, thrown so callers can show its code. */
export class ReplyError extends Error {
  constructor(readonly body: ErrorBody) {
    super(`${body.error}: ${body.debug}`);
  }
}

/** The success body, or a thrown ReplyError. */
export function unwrap<T>(reply: Reply<T>): T {
  if (reply.status !== 200) throw new ReplyError(reply as ErrorBody);
  return reply as T;
}

const closedClients = new WeakSet<KefuClient>();

/** Closes a page's client for good (no retry after a server disconnect either). */
export function closeClient(client: KefuClient): void {
  closedClients.add(client);
  client.close();
}

export function openClient(session: string): KefuClient {
  const client = new KefuClient({ url: window.location.origin, session });
  // The server drops the sockets of a session it ended; socket.io does not retry those, so the
  // page tries once more: the handshake then answers session_invalid, which the page shows.
  client.socket.on('disconnect', (reason) => {
    if (reason === 'io server disconnect') setTimeout(() => closedClients.has(client) || client.socket.connect(), 500);
  });
  return client;
}

/** Tracks the socket's connected state (false until the first connect). */
export function useConnected(client: KefuClient | null): boolean {
  const [connected, setConnected] = useState(client?.socket.connected ?? false);
  useSocketEvents(client?.socket, { connect: () => setConnected(true), disconnect: () => setConnected(false) });
  // After the listeners (effects run in order), so a connect in between is not missed.
  useEffect(() => {
    if (client) setConnected(client.socket.connected);
  }, [client]);
  return connected;
}

/** POST without a session (login): the same envelope as every call. */
export async function postPublic<T>(path: string, body: Record<string, unknown>): Promise<{ reply: Reply<T>; retryAfter: number | null }> {
  const response = await fetch(`/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const retry = response.headers.get('retry-after');
  return { reply: (await response.json()) as Reply<T>, retryAfter: retry ? Number(retry) : null };
}

/** Who sends: the page's user, or the signed-in agent. */
export interface Sender {
  sender: string;
  sender_type: 1 | 2;
}

/** One page of messages before `beforeMessageId` (newest first from the server), returned oldest first. */
export async function olderMessages(client: KefuClient, questionId: string, beforeMessageId?: string, num = 50): Promise<TimelineEntry[]> {
  const reply = unwrap(
    await client.request<{ messages: TimelineEntry[] }>('GET', `/question/${questionId}/message`, { sort: -1, num, message_id: beforeMessageId }),
  );
  return [...reply.messages].reverse();
}

export async function sendImage(client: KefuClient, questionId: string, sender: Sender, dataUrl: string, clientMsgId: string): Promise<void> {
  unwrap(await client.request('POST', `/question/${questionId}/message/send_image`, { ...sender, image: dataUrl, client_msg_id: clientMsgId }));
}

/** Writes a private note as the agent (agents of the app only; the user never sees it). */
export async function sendNote(client: KefuClient, questionId: string, servId: string, text: string, clientMsgId: string): Promise<void> {
  unwrap(await client.request('POST', `/question/${questionId}/message/send_note`, { sender: servId, sender_type: 2, text, client_msg_id: clientMsgId }));
}

export type { KefuClient };
