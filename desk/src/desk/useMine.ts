/**
 * The agent's in-progress questions, by last activity, with unread counts (state/unread.ts). Kept
 * live by `question:updated` (reload) and `message:new` (last message, order, unread).
 */
import { useCallback, useEffect, useState } from 'react';
import type { MessageNewPayload } from '../../../shared/events.js';
import { unwrap, type KefuClient, type QuestionSummary } from '../common/session.js';
import { useSocketEvents } from '../common/useSocketEvents.js';
import { byActivity } from '../state/conversation.js';
import { emptyUnread, forget, markRead, recordMessage, type UnreadState } from '../state/unread.js';

export function useMine(client: KefuClient, servId: string, openId: string | null, onForeign: (payload: MessageNewPayload) => void) {
  const [items, setItems] = useState<QuestionSummary[]>([]);
  const [unread, setUnread] = useState<UnreadState>(emptyUnread);

  const reload = useCallback(async () => {
    try {
      const reply = unwrap(await client.request<{ questions: QuestionSummary[] }>('GET', `/serv/${encodeURIComponent(servId)}/tasks`, { num: 50 }));
      setItems(byActivity(reply.questions));
      setUnread((state) => {
        let next = state;
        for (const id of state.keys()) if (!reply.questions.some((q) => q.question_id === id)) next = forget(next, id);
        return next;
      });
    } catch {
      // Offline: the reconnect reloads.
    }
  }, [client, servId]);

  useEffect(() => void reload(), [reload]);
  const onUpdated = () => void reload();
  useSocketEvents(client.socket, {
    'question:updated': onUpdated,
    'message:new': (payload) => {
      const { question_id, message } = payload;
      const fromMe = message.sender_type === 2 && message.sender === servId;
      const visible = openId === question_id && !document.hidden;
      setItems((current) => {
        const index = current.findIndex((q) => q.question_id === question_id);
        if (index < 0) return current;
        // The same one-line form as the server's summaries (messageSummaryText).
        const text = message.type === 3 ? message.text : message.type === 2 ? '[image]' : message.type === 1 ? '[audio]' : current[index]!.last_mess_text;
        const updated = { ...current[index]!, last_mess_text: text, last_mess_timestamp: message.timestamp, last_mess_sender: message.sender };
        return byActivity(current.map((q, i) => (i === index ? updated : q)));
      });
      setUnread((state) => recordMessage(state, question_id, { seq: message.seq, fromMe }, visible));
      if (!fromMe && message.type !== 4) onForeign(payload);
    },
  });
  useSocketEvents(client.socket.io, { reconnect: onUpdated });

  const read = useCallback((questionId: string, seq: number) => setUnread((state) => markRead(state, questionId, seq)), []);
  return { items, unread, reload, read };
}
