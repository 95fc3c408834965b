/**
 * The open conversation's resolution cycles in its details (issue 13): per cycle its wait, first
 * response and resolution times, how it ended, the agents, the message counts, and the user's
 * rating with its comment. Loaded from GET /cycles, reloaded when the question changes and, at
 * most once a second, after its messages (the counts and the first response), and a rating lands
 * live from `question:rated`.
 */
import { useEffect, useRef, useState } from 'react';
import type { Cycle } from '../../../shared/schemas/responses.js';
import { useT, type MessageKey } from '../common/i18n.js';
import { unwrap, type KefuClient } from '../common/session.js';
import { useSocketEvents } from '../common/useSocketEvents.js';
import { applyRated, stars } from '../state/ratings.js';
import { formatSeconds } from '../state/reports.js';

export function Cycles({ client, questionId }: { client: KefuClient; questionId: string }) {
  const { t, lang } = useT();
  const [cycles, setCycles] = useState<Cycle[] | null>(null);
  const [version, setVersion] = useState(0);
  const messageReload = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (messageReload.current) clearTimeout(messageReload.current);
    },
    [],
  );

  useSocketEvents(client.socket, {
    'question:updated': (event) => event.question_id === questionId && setVersion((v) => v + 1),
    // A busy conversation costs one reload a second, not one per message.
    'message:new': (event) => {
      if (event.question_id !== questionId || messageReload.current) return;
      messageReload.current = setTimeout(() => {
        messageReload.current = null;
        setVersion((v) => v + 1);
      }, 1000);
    },
    'question:rated': (event) => {
      if (event.question_id !== questionId) return;
      setCycles((current) => (current?.some((c) => c.cycle === event.cycle) ? applyRated(current, event) : current));
      setVersion((v) => v + 1);
    },
    connect: () => setVersion((v) => v + 1),
  });

  useEffect(() => {
    let cancelled = false;
    void client
      .request<{ cycles: Cycle[] }>('GET', `/question/${questionId}/cycles`)
      .then((reply) => !cancelled && setCycles(unwrap(reply).cycles))
      .catch(() => {});
    return () => void (cancelled = true);
  }, [client, questionId, version]);

  return (
    <section className="cycles" aria-labelledby="cycles-title" data-testid="cycles">
      <h3 id="cycles-title">{t('cyclesTitle')}</h3>
      {cycles?.length === 0 && <p className="muted">{t('noCycles')}</p>}
      <ol className="plain">
        {[...(cycles ?? [])].reverse().map((c) => (
          <li key={c.cycle} className="cycle" data-cycle={c.cycle}>
            <p className="cycle-head">
              <strong>{t('cycleN', { n: c.cycle })}</strong>
              <span className="muted"> · {c.outcome ? t(`outcome_${c.outcome}` as MessageKey) : t('cycleOpen')}</span>
            </p>
            <dl className="metrics">
              <dt>{t('waitTime')}</dt>
              <dd>{formatSeconds(c.wait_time, lang)}</dd>
              <dt>{t('firstResponse')}</dt>
              <dd>{formatSeconds(c.first_response_time, lang)}</dd>
              <dt>{t('resolutionTime')}</dt>
              <dd>{formatSeconds(c.resolution_time, lang)}</dd>
            </dl>
            <p className="muted small">{t('messagesCount', { u: c.user_messages, a: c.agent_messages })}</p>
            {c.agents.length > 0 && <p className="muted small">{t('agentsInvolved', { list: c.agents.join(', ') })}</p>}
            {c.rating ? (
              <div className="cycle-rating" data-testid={`rating-${c.cycle}`}>
                <span className="stars-shown" aria-hidden="true">
                  {stars(c.rating.score)}
                </span>{' '}
                <span>{t('ratedScore', { n: c.rating.score })}</span>
                {c.rating.comment && <blockquote className="comment">{c.rating.comment}</blockquote>}
              </div>
            ) : (
              c.outcome && <p className="muted small">{t('notRated')}</p>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
