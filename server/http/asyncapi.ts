/**
 * The AsyncAPI 3.0 document of the Socket.IO events, generated once from shared/eventDocs.ts (and
 * through it the zod schemas of shared/events.ts), as openapi.ts does for REST. The document
 * describes the server: it receives the client → server events and sends the server → client ones.
 */
import { z } from 'zod';
import { CLIENT_EVENT_DOCS, SERVER_EVENT_DOCS, type EventDoc } from '../../shared/eventDocs.js';

/** Which side emits the event. */
export type EventDirection = 'client' | 'server';

/** One documented event with its direction, in the order of shared/eventDocs.ts. */
export interface DocumentedEvent extends EventDoc {
  name: string;
  direction: EventDirection;
}

/** Every event of shared/eventDocs.ts, client → server first. */
export function documentedEvents(): DocumentedEvent[] {
  const list = (direction: EventDirection, docs: Record<string, EventDoc>) =>
    Object.entries(docs).map(([name, doc]) => ({ ...doc, name, direction }));
  return [...list('client', CLIENT_EVENT_DOCS), ...list('server', SERVER_EVENT_DOCS)];
}

/**
 * A payload schema as JSON Schema draft-07, the base of AsyncAPI's schema format. Client payloads
 * are described as the server accepts them (`io: 'input'`: numbers may come as strings).
 */
export function payloadJsonSchema(schema: z.ZodType, direction: EventDirection): Record<string, unknown> {
  const { $schema: _, ...json } = z.toJSONSchema(schema, {
    target: 'draft-7',
    io: direction === 'client' ? 'input' : 'output',
    unrepresentable: 'any',
  });
  return json;
}

/** `client.question.subscribe`: AsyncAPI keys allow letters, digits, `.`, `-`, `_` only. */
export const eventKey = (event: Pick<DocumentedEvent, 'name' | 'direction'>): string =>
  `${event.direction}.${event.name.replace(/:/g, '.')}`;

const CHANNEL = 'socket';

let cached: object | undefined;

/** The document, built on first use and kept: its inputs are constants of the code. */
export function asyncApiDocument(): object {
  if (cached) return cached;
  const messages: Record<string, object> = {};
  const operations: Record<string, object> = {};
  const ref = (key: string) => ({ $ref: `#/channels/${CHANNEL}/messages/${key}` });
  for (const event of documentedEvents()) {
    const key = eventKey(event);
    messages[key] = {
      name: event.name,
      title: `${event.direction === 'client' ? 'client → server' : 'server → client'}: ${event.name}`,
      summary: event.summary,
      payload: payloadJsonSchema(event.payload, event.direction),
      examples: [{ name: 'example', payload: event.example }],
    };
    const replies = event.ack?.replies.map((reply) => {
      const replyKey = `ack.${reply.name}`;
      messages[replyKey] ??= { name: replyKey, title: `ack ${reply.name}`, payload: payloadJsonSchema(reply.schema, 'server') };
      return ref(replyKey);
    });
    operations[key] = {
      action: event.direction === 'client' ? 'receive' : 'send',
      channel: { $ref: `#/channels/${CHANNEL}` },
      title: event.name,
      summary: event.summary,
      ...(event.ack ? { description: `Acknowledgement: ${event.ack.description}` } : {}),
      messages: [ref(key)],
      ...(replies ? { reply: { channel: { $ref: `#/channels/${CHANNEL}` }, messages: replies } } : {}),
    };
  }
  cached = {
    asyncapi: '3.0.0',
    info: {
      title: 'kefu real time',
      version: '1',
      description: [
        'Socket.IO v4 on the same origin and port as the REST API (path `/socket.io`), the device session in the handshake: `io(origin, { auth: { session } })`.',
        'A missing or unknown session fails the handshake with `session_invalid`. Clients never name rooms; the server places each socket in the rooms its session may hear.',
        'Client → server events take an acknowledgement callback; a bad payload gets the REST error envelope as its ack, never a disconnect.',
        'The full contract, rooms and the catch-up rule: docs/api.md, "Real time".',
      ].join('\n\n'),
    },
    defaultContentType: 'application/json',
    channels: {
      [CHANNEL]: {
        address: '/',
        title: 'Socket.IO namespace /',
        description: 'Every event travels on the default namespace; the server routes it through rooms.',
        messages,
      },
    },
    operations,
  };
  return cached;
}
