/**
 * The socket events section of the /docs page, as static HTML generated from the same event
 * documentation as /v1/asyncapi.json: per event its direction, summary, payload schema, ack and
 * example. Static, so it needs no script and no renderer of its own.
 */
import escapeHtml from 'escape-html';
import { documentedEvents, eventKey, payloadJsonSchema, type DocumentedEvent } from './asyncapi.js';

/** Escapes text and turns Markdown `code` spans into <code>. */
const inline = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
const json = (value: unknown) => `<pre><code>${escapeHtml(JSON.stringify(value, null, 2))}</code></pre>`;

/** Schemas are long: folded by default, with no script (`<details>`). */
const folded = (title: string, body: string) => `<details><summary>${title}</summary>${body}</details>`;

const DIRECTION = { client: 'client → server', server: 'server → client' } as const;

function eventHtml(event: DocumentedEvent): string {
  const direction = DIRECTION[event.direction];
  const ack = event.ack
    ? `<h4>Acknowledgement</h4><p>${inline(event.ack.description)}</p>` +
      event.ack.replies.map((reply) => folded(`Ack schema <code>${reply.name}</code>`, json(payloadJsonSchema(reply.schema, 'server')))).join('')
    : '';
  return `<article class="kefu-event ${event.direction}" id="${escapeHtml(eventKey(event))}">
<h3><span class="kefu-direction">${direction}:</span> <code>${escapeHtml(event.name)}</code></h3>
<p>${inline(event.summary)}</p>
<h4>Example payload</h4>${json(event.example)}
${folded('Payload schema', json(payloadJsonSchema(event.payload, event.direction)))}
${ack}</article>`;
}

/** The whole section, `id="socket-events"`. */
export function eventsSectionHtml(): string {
  return `<section class="kefu-events" id="socket-events">
<h2>Socket events</h2>
<p>Socket.IO v4 on this origin (path <code>/socket.io</code>), the device session in the handshake:
<code>io(origin, { auth: { session } })</code>. Client → server events take an acknowledgement
callback; a bad payload gets the REST error envelope as its ack, never a disconnect. The same events
as an AsyncAPI 3.0 document: <a href="/v1/asyncapi.json">/v1/asyncapi.json</a>.</p>
${documentedEvents().map(eventHtml).join('\n')}
</section>`;
}
