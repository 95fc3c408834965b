/**
 * A small typed kefu client (REST + Socket.IO) for tests and agent desks. Its point is `watch()`:
 * each message of a question is delivered exactly once and in seq order, across disconnects.
 * After every (re)connect it re-subscribes, waits for the ack, then catches up with
 * GET /question/<id>/message?message_id=<last seen>&sort=1, so a message stored while the socket
 * was away is fetched, and one that arrives both ways is delivered once (de-duplicated by seq).
 * A gap in seq seen live (a lost broadcast) triggers the same catch-up.
 *
 * An agent of the question's app also gets its private notes (type 5, `note:new` live and in the
 * catch-up reads), each once and in place: a note is delivered right after the message whose seq is
 * its `after_seq` (held until that message is), and notes at one place in `note_seq` order. Notes
 * take no seq, so they never make a gap: a user's watch is the same with or without them.
 *
 * @example
 * const client = new KefuClient({ url: 'https://kefu.example.com', session });
 * await client.watch(questionId, (message) => render(message));
 * await client.sendText(questionId, 'hello', 'c-1');
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { ErrorBody } from './errors.js';
import type { Ack, ClientToServerEvents, SendTextAck, ServerToClientEvents } from './events.js';
import type { Message, Note, TimelineEntry } from './schemas/responses.js';
import { isNote } from './timeline.js';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type Reply<T> = ({ status: 200 } & T) | ErrorBody;

export interface KefuClientOptions {
  /** The server's origin, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** The device session (12 characters). */
  session: string;
  /** Extra socket.io-client options (transports, reconnection delays, …). */
  socket?: Partial<ManagerOptions & SocketOptions>;
  /** Called when a watch cannot (re)subscribe or catch up; it retries by itself. */
  onError?: (questionId: string, error: ErrorBody | Error) => void;
}

export interface WatchOptions {
  /** Deliver only messages after this one (the last one the caller already has). */
  afterMessageId?: string;
  /** Its seq; with `afterMessageId`, messages up to it are never delivered again. @default 0 */
  afterSeq?: number;
}

/** Messages fetched per catch-up page (the API's maximum `num`). */
const PAGE = 50;
/** Delay before retrying a failed catch-up while the socket stays connected. */
const RETRY_MS = 1000;

interface Watch {
  questionId: string;
  deliver: (entry: TimelineEntry) => void;
  lastSeq: number;
  /** The last public message delivered: the catch-up cursor (notes after it come with its reply). */
  lastId?: string;
  /** Received but not yet deliverable (a lower seq is still missing). */
  pending: Map<number, Message>;
  /** Notes received whose place (after_seq) is not delivered yet, by note_seq. */
  pendingNotes: Map<number, Note>;
  /** note_seq of every note delivered, so one that comes both ways is delivered once. */
  deliveredNotes: Set<number>;
  running: boolean;
  again: boolean;
  againSubscribe: boolean;
  retry?: ReturnType<typeof setTimeout>;
}

export class KefuClient {
  readonly socket: ClientSocket;
  private readonly watches = new Map<string, Watch>();
  private closed = false;

  constructor(private readonly options: KefuClientOptions) {
    // forceNew: each client is one device session; a shared Manager would share one handshake.
    this.socket = io(options.url, { auth: { session: options.session }, transports: ['websocket'], forceNew: true, ...options.socket });
    this.socket.on('connect', () => {
      for (const watch of this.watches.values()) void this.sync(watch);
    });
    this.socket.on('message:new', ({ question_id, message }) => {
      const watch = this.watches.get(question_id);
      if (!watch) return;
      this.accept(watch, [message]);
      if (watch.pending.size > 0) void this.sync(watch, { subscribe: false });
    });
    this.socket.on('note:new', ({ question_id, note }) => {
      const watch = this.watches.get(question_id);
      if (watch) this.accept(watch, [note]);
    });
  }

  /** GET or POST a /v1 path with this client's session; resolves with the JSON envelope. */
  async request<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, params: Record<string, unknown> = {}): Promise<Reply<T>> {
    const query = new URLSearchParams();
    if (method === 'GET') for (const [k, v] of Object.entries(params)) if (v !== undefined) query.set(k, String(v));
    const response = await fetch(`${this.options.url}/v1${path}${query.size ? `?${query}` : ''}`, {
      method,
      headers: { 'x-session': this.options.session, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      body: method === 'POST' ? JSON.stringify({ session: this.options.session, ...params }) : undefined,
    });
    return (await response.json()) as Reply<T>;
  }

  /** Sends a text over the socket; the ack is exactly the REST reply. */
  sendText(questionId: string, text: string, clientMsgId?: string, timeoutMs = 10_000): Promise<SendTextAck> {
    const payload = { question_id: questionId, text, ...(clientMsgId ? { client_msg_id: clientMsgId } : {}) };
    return this.socket.timeout(timeoutMs).emitWithAck('message:send_text', payload);
  }

  /** Follows a question: `deliver` gets every message after `afterMessageId` once, in order (and, for agents, its notes in place). */
  async watch(questionId: string, deliver: (entry: TimelineEntry) => void, options: WatchOptions = {}): Promise<void> {
    const watch: Watch = {
      questionId,
      deliver,
      lastSeq: options.afterSeq ?? 0,
      lastId: options.afterMessageId,
      pending: new Map(),
      pendingNotes: new Map(),
      deliveredNotes: new Set(),
      running: false,
      again: false,
      againSubscribe: false,
    };
    this.watches.set(questionId, watch);
    if (this.socket.connected) await this.sync(watch);
  }

  async unwatch(questionId: string): Promise<void> {
    const watch = this.watches.get(questionId);
    if (!watch) return;
    clearTimeout(watch.retry);
    this.watches.delete(questionId);
    if (this.socket.connected) await this.socket.timeout(5000).emitWithAck('question:unsubscribe', { question_id: questionId }).catch(() => {});
  }

  /** The last seq delivered for a watched question (0 before any). */
  lastSeq(questionId: string): number {
    return this.watches.get(questionId)?.lastSeq ?? 0;
  }

  close(): void {
    this.closed = true;
    for (const watch of this.watches.values()) clearTimeout(watch.retry);
    this.socket.close();
  }

  /** Takes entries from either path; delivers the contiguous run after lastSeq, each note once its place is reached. */
  private accept(watch: Watch, entries: TimelineEntry[]): void {
    for (const entry of entries) {
      if (!isNote(entry)) {
        if (entry.seq > watch.lastSeq) watch.pending.set(entry.seq, entry);
      } else if (!watch.deliveredNotes.has(entry.note_seq)) watch.pendingNotes.set(entry.note_seq, entry);
    }
    const current = () => this.watches.get(watch.questionId) === watch;
    for (;;) {
      const note = [...watch.pendingNotes.values()].filter((n) => n.after_seq <= watch.lastSeq).sort((a, b) => a.note_seq - b.note_seq)[0];
      if (note) {
        watch.pendingNotes.delete(note.note_seq);
        watch.deliveredNotes.add(note.note_seq);
        if (current()) watch.deliver(note);
        continue;
      }
      const next = watch.pending.get(watch.lastSeq + 1);
      if (!next) return;
      watch.pending.delete(next.seq);
      watch.lastSeq = next.seq;
      watch.lastId = next.message_id;
      if (current()) watch.deliver(next);
    }
  }

  /** Subscribe (after a connect) and catch up; one run at a time per watch, re-run if asked meanwhile. */
  private async sync(watch: Watch, { subscribe = true } = {}): Promise<void> {
    if (watch.running) {
      watch.again = true;
      watch.againSubscribe ||= subscribe;
      return;
    }
    watch.running = true;
    clearTimeout(watch.retry);
    try {
      if (subscribe) {
        const ack: Ack = await this.socket.timeout(10_000).emitWithAck('question:subscribe', { question_id: watch.questionId });
        if (ack.status !== 200) throw ack;
      }
      await this.catchUp(watch);
    } catch (error) {
      this.options.onError?.(watch.questionId, error as ErrorBody | Error);
      if (!this.closed && this.watches.get(watch.questionId) === watch) {
        watch.retry = setTimeout(() => void this.sync(watch, { subscribe }), RETRY_MS);
      }
    } finally {
      watch.running = false;
    }
    if (watch.again) {
      const again = { subscribe: watch.againSubscribe };
      watch.again = watch.againSubscribe = false;
      await this.sync(watch, again);
    }
  }

  private async catchUp(watch: Watch): Promise<void> {
    let cursor = watch.lastId;
    for (;;) {
      const reply = await this.request<{ messages: TimelineEntry[] }>('GET', `/question/${watch.questionId}/message`, {
        sort: 1,
        num: PAGE,
        message_id: cursor,
      });
      if (reply.status !== 200) throw reply;
      this.accept(watch, reply.messages);
      if (reply.messages.length < PAGE) return;
      cursor = reply.messages[reply.messages.length - 1]!.message_id;
    }
  }
}
