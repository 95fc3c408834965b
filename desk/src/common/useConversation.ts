/**
 * One open conversation: the latest page of history, older pages on demand, and every live message
 * once and in seq order (KefuClient.watch catches up by cursor after each reconnect). Texts go
 * through the page's Outbox, so a text typed while disconnected is sent on reconnect; each shows as
 * one row from the Enter to its stored message (state/ownTexts.ts).
 */
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { KefuClient } from '../../../shared/client.js';
import type { TimelineEntry } from '../../../shared/schemas/responses.js';
import { ownTextsOf, type Outbox } from './outbox.js';
import { conversationRows, mayEcho, type Row } from '../state/ownTexts.js';
import { hasOlder, mergeBySeq } from '../state/seqMerge.js';
import { olderMessages } from './session.js';
import { publicMessages } from '../../../shared/timeline.js';
import { useSocketEvents } from './useSocketEvents.js';

export interface ConversationState {
  /** Messages, and for an agent of the app its private notes in place. */
  messages: TimelineEntry[];
  olderExists: boolean;
  loadingOlder: boolean;
  loadOlder: () => Promise<void>;
  /** What to show: the messages (and notes) with this page's texts not stored yet, or refused. */
  rows: Row[];
}

export function useConversation(client: KefuClient, outbox: Outbox, questionId: string, onLive?: (entry: TimelineEntry) => void): ConversationState {
  const [messages, setMessages] = useState<TimelineEntry[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const live = useRef(onLive);
  live.current = onLive;
  const firstId = useRef<string | undefined>(undefined);
  /** Messages delivered while a text of the same words was on its way (see mayEcho), to that text's client_msg_id. */
  const [held, setHeld] = useState<ReadonlyMap<string, string>>(new Map());

  useEffect(() => outbox.show(questionId), [outbox, questionId]);

  useEffect(() => {
    let cancelled = false;
    setMessages([]);
    setLoaded(false);
    setHeld(new Map());
    firstId.current = undefined;
    const deliver = (message: TimelineEntry) => {
      if (cancelled) return;
      // Read now, not at render: what counts is whether the text was on its way when this came.
      const sending = ownTextsOf(outbox.state(), questionId).sending;
      if (mayEcho(message, sending)) setHeld((ids) => new Map(ids).set(message.message_id, sending.clientMsgId));
      setMessages((current) => mergeBySeq(current, [message]));
      live.current?.(message);
    };
    void (async () => {
      let latest: TimelineEntry[] = [];
      try {
        latest = await olderMessages(client, questionId);
      } catch {
        // Offline at open: the watch fetches everything once connected.
      }
      if (cancelled) return;
      firstId.current = latest[0]?.message_id;
      setMessages((current) => mergeBySeq(current, latest));
      setLoaded(true);
      // The watch continues after the last message; notes after it come again and merge once.
      const last = publicMessages(latest).at(-1);
      await client.watch(questionId, deliver, last ? { afterMessageId: last.message_id, afterSeq: last.seq } : {});
    })();
    return () => {
      cancelled = true;
      void client.unwatch(questionId);
    };
  }, [client, outbox, questionId]);

  const loadOlder = useCallback(async () => {
    const first = messages[0];
    if (!first || !hasOlder(messages) || loadingOlder) return;
    setLoadingOlder(true);
    try {
      const older = await olderMessages(client, questionId, first.message_id);
      setMessages((current) => mergeBySeq(current, older));
    } finally {
      setLoadingOlder(false);
    }
  }, [client, questionId, messages, loadingOlder]);

  const outboxState = useSyncExternalStore(outbox.subscribe, outbox.state);
  const rows = useMemo(() => conversationRows(messages, ownTextsOf(outboxState, questionId), held), [messages, outboxState, questionId, held]);
  return {
    messages,
    olderExists: loaded && hasOlder(messages),
    loadingOlder,
    loadOlder,
    rows,
  };
}

/** True for ~4 s after the other party said it is typing in this question. */
export function useTypingFrom(client: KefuClient, questionId: string): string | null {
  const [who, setWho] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), [client, questionId]);
  useSocketEvents(client.socket, {
    typing: (payload) => {
      if (payload.question_id !== questionId) return;
      setWho(payload.sender);
      clearTimeout(timer.current);
      timer.current = setTimeout(() => setWho(null), 4000);
    },
    'message:new': (payload) => {
      if (payload.question_id === questionId) setWho(null);
    },
  });
  return who;
}

/** Tells the other party we type, at most every 2 s. */
export function typingNotifier(client: KefuClient, questionId: string): () => void {
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last < 2000 || !client.socket.connected) return;
    last = now;
    client.socket.emit('typing', { question_id: questionId });
  };
}

/** The question's status and agent, kept current by `question:updated`. */
export function useQuestionState(client: KefuClient, questionId: string, initial: { status: 1 | 2 | 3; servId: string | null }) {
  const [state, setState] = useState(initial);
  useEffect(() => setState(initial), [questionId, initial.status, initial.servId]);
  useSocketEvents(client.socket, {
    'question:updated': (payload) => {
      if (payload.question_id === questionId) setState({ status: payload.status, servId: payload.serv_id });
    },
  });
  return state;
}
