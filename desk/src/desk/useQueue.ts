/**
 * The pending queue of the agent's apps: oldest first, paged by cursor as the list scrolls, kept
 * live by `queue:added` / `queue:removed`, reloaded after a reconnect (events may have been missed).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { unwrap, type KefuClient, type QuestionSummary } from '../common/session.js';
import { useSocketEvents } from '../common/useSocketEvents.js';

export interface QueueFilter {
  identify: string;
  label: string;
}

const PAGE = 20;

export function useQueue(client: KefuClient, filter: QueueFilter, onAdded: (q: QuestionSummary) => void) {
  const [items, setItems] = useState<QuestionSummary[]>([]);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(false);
  const generation = useRef(0);

  const fetchPage = useCallback(
    (cursor?: string) =>
      client
        .request<{ questions: QuestionSummary[] }>('GET', '/question/list', {
          num: PAGE,
          sort: 1,
          question_id: cursor,
          identify: filter.identify || undefined,
          label: filter.label.trim() || undefined,
        })
        .then((reply) => unwrap(reply).questions),
    [client, filter.identify, filter.label],
  );

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const page = await fetchPage();
      if (mine !== generation.current) return;
      setItems(page);
      setHasMore(page.length === PAGE);
    } catch {
      // Offline: the reconnect reloads.
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [fetchPage]);

  const loadMore = useCallback(async () => {
    const last = items[items.length - 1];
    if (!last || !hasMore || loading) return;
    const mine = generation.current;
    setLoading(true);
    try {
      const page = await fetchPage(last.question_id);
      if (mine !== generation.current) return;
      setItems((current) => [...current, ...page.filter((q) => !current.some((c) => c.question_id === q.question_id))]);
      setHasMore(page.length === PAGE);
    } finally {
      setLoading(false);
    }
  }, [items, hasMore, loading, fetchPage]);

  useEffect(() => {
    void reload();
  }, [reload]);

  useSocketEvents(client.socket, {
    'queue:added': ({ question, identify }) => {
      if (filter.identify && identify !== filter.identify) return;
      onAdded(question);
      // The summary carries no labels: under a label filter the server decides.
      if (filter.label.trim()) return void reload();
      // Oldest first: a new question belongs after every page, so only a fully loaded list shows it now.
      if (!hasMore) setItems((current) => (current.some((c) => c.question_id === question.question_id) ? current : [...current, question]));
    },
    'queue:removed': ({ question_id }) => setItems((current) => current.filter((q) => q.question_id !== question_id)),
  });
  useSocketEvents(client.socket.io, { reconnect: () => void reload() });

  const remove = (questionId: string) => setItems((current) => current.filter((q) => q.question_id !== questionId));
  return { items, hasMore, loading, loadMore, remove };
}
