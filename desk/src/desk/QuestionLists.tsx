/** The left column: Queue (filters, cursor paging on scroll) and Mine (by activity, unread counts). */
import { useEffect, useRef, useState } from 'react';
import { formatDuration, useT, type Translate } from '../common/i18n.js';
import type { QuestionSummary } from '../common/session.js';
import { unreadCount, type UnreadState } from '../state/unread.js';
import type { OpenQuestion } from './DeskConversation.js';
import type { QueueFilter } from './useQueue.js';

interface Props {
  tab: 'queue' | 'mine';
  setTab: (tab: 'queue' | 'mine') => void;
  identifies: string[];
  servId: string;
  filter: QueueFilter;
  setFilter: (filter: QueueFilter) => void;
  queue: { items: QuestionSummary[]; hasMore: boolean; loading: boolean; loadMore: () => Promise<void> };
  mine: { items: QuestionSummary[]; unread: UnreadState };
  unreadTotal: number;
  openId: string | null;
  onOpen: (q: OpenQuestion) => void;
}

export function QuestionLists(props: Props) {
  const { t } = useT();
  const sentinel = useRef<HTMLLIElement>(null);
  const { loadMore, hasMore } = props.queue;
  // Waiting times move on without any event.
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), 30_000);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    const el = sentinel.current;
    if (!el || !hasMore) return;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && void loadMore());
    observer.observe(el);
    return () => observer.disconnect();
  }, [loadMore, hasMore, props.tab]);

  return (
    <nav className="lists" aria-label={`${t('queue')} / ${t('mine')}`}>
      <div
        className="tabs"
        role="tablist"
        onKeyDown={(e) => {
          // The tabs pattern: arrows move between tabs (Tab moves on to the panel).
          if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
          const next = props.tab === 'queue' ? 'mine' : 'queue';
          props.setTab(next);
          document.getElementById(`tab-${next}`)?.focus();
        }}
      >
        <button type="button" role="tab" id="tab-queue" aria-selected={props.tab === 'queue'} tabIndex={props.tab === 'queue' ? 0 : -1} aria-controls="panel-queue" onClick={() => props.setTab('queue')}>
          {t('queue')} <span className="badge">{props.queue.items.length}{props.queue.hasMore ? '+' : ''}</span>
        </button>
        <button type="button" role="tab" id="tab-mine" aria-selected={props.tab === 'mine'} tabIndex={props.tab === 'mine' ? 0 : -1} aria-controls="panel-mine" onClick={() => props.setTab('mine')}>
          {t('mine')} <span className="badge">{props.mine.items.length}</span>
          {props.unreadTotal > 0 && <span className="badge count">{t('unread', { n: props.unreadTotal })}</span>}
        </button>
      </div>
      {props.tab === 'queue' ? (
        <div id="panel-queue" role="tabpanel" aria-labelledby="tab-queue" className="panel">
          <div className="filters">
            <label>
              {t('app')}
              <select value={props.filter.identify} onChange={(e) => props.setFilter({ ...props.filter, identify: e.target.value })}>
                <option value="">{t('allApps')}</option>
                {props.identifies.map((identify) => (
                  <option key={identify} value={identify}>
                    {identify}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('label')}
              <input
                type="search"
                placeholder={t('filterLabel')}
                defaultValue={props.filter.label}
                onKeyDown={(e) => e.key === 'Enter' && props.setFilter({ ...props.filter, label: e.currentTarget.value })}
                onBlur={(e) => props.setFilter({ ...props.filter, label: e.currentTarget.value })}
              />
            </label>
          </div>
          <ul className="plain items" data-testid="queue">
            {props.queue.items.length === 0 && !props.queue.loading && <li className="muted empty">{t('emptyQueue')}</li>}
            {props.queue.items.map((q) => (
              <Item
                key={q.question_id}
                q={q}
                showApp={props.identifies.length > 1}
                selected={props.openId === q.question_id}
                onOpen={() => props.onOpen({ ...q, status: 1, serv_id: null })}
                queued
              />
            ))}
            {props.queue.hasMore && (
              <li ref={sentinel} className="muted empty">
                {t('loadingMore')}
              </li>
            )}
          </ul>
        </div>
      ) : (
        <div id="panel-mine" role="tabpanel" aria-labelledby="tab-mine" className="panel">
          <ul className="plain items" data-testid="mine">
            {props.mine.items.length === 0 && <li className="muted empty">{t('emptyMine')}</li>}
            {props.mine.items.map((q) => (
              <Item
                key={q.question_id}
                q={q}
                showApp={props.identifies.length > 1}
                selected={props.openId === q.question_id}
                unread={unreadCount(props.mine.unread, q.question_id)}
                onOpen={() => props.onOpen({ ...q, status: 2, serv_id: props.servId })}
              />
            ))}
          </ul>
        </div>
      )}
    </nav>
  );
}

interface ItemProps {
  q: QuestionSummary;
  selected: boolean;
  onOpen: () => void;
  unread?: number;
  queued?: boolean;
  /** The agent serves several apps: say which one asked. */
  showApp: boolean;
}

function Item({ q, selected, onOpen, unread = 0, queued, showApp }: ItemProps) {
  const { t, lang } = useT();
  const now = Date.now() / 1000;
  return (
    <li>
      <button type="button" className={selected ? 'item selected' : 'item'} onClick={onOpen} data-question-id={q.question_id} aria-current={selected || undefined}>
        <Avatar name={q.user_name || q.user_id} url={q.user_image_url} />
        <span className="item-body">
          <span className="item-top">
            <span className="name">{q.user_name || q.user_id}</span>
            {queued ? <span className="since">{t('waiting', { t: formatDuration(now - q.timestamp, lang) })}</span> : null}
            {unread > 0 && <span className="badge count" aria-label={t('unread', { n: unread })}>{unread}</span>}
          </span>
          <span className="title">{q.title || t('untitled')}</span>
          {(q.labels.length > 0 || showApp) && (
            <span className="labels">
              {showApp && <span className="badge app">{q.identify}</span>}
              {q.labels.map((label) => (
                <span key={label} className="badge label">
                  {label}
                </span>
              ))}
            </span>
          )}
          <span className="last">{lastText(q, t)}</span>
        </span>
      </button>
    </li>
  );
}

/** The last message in one line; the server's media placeholders are said in the page's language. */
function lastText(q: QuestionSummary, t: Translate): string {
  if (!q.last_mess_text) return t('noMessageYet');
  if (q.last_mess_text === '[image]') return t('lastImage');
  if (q.last_mess_text === '[audio]') return t('lastAudio');
  return q.last_mess_text;
}

export function Avatar({ name, url }: { name: string; url: string }) {
  if (/^https?:\/\//.test(url)) return <img className="avatar" src={url} alt="" width={36} height={36} referrerPolicy="no-referrer" />;
  return (
    <span className="avatar letter" aria-hidden="true">
      {name.slice(0, 1).toUpperCase()}
    </span>
  );
}
