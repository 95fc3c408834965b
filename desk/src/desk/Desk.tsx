/**
 * The signed-in desk: header (presence, capacity and team, language, notifications, sign out), the Queue and Mine
 * lists, the open conversation and its side panel, or the reports view in their place (the lists stay
 * mounted, so they keep up). Narrow screens show one column at a time.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { MessageNewPayload } from '../../../shared/events.js';
import { useT } from '../common/i18n.js';
import { LanguageSwitch } from '../common/LanguageSwitch.js';
import { closeClient, openClient, useConnected, type KefuClient, type QuestionSummary } from '../common/session.js';
import { useSocketEvents } from '../common/useSocketEvents.js';
import { Outbox } from '../common/outbox.js';
import { totalUnread } from '../state/unread.js';
import { DeskConversation, type OpenQuestion } from './DeskConversation.js';
import { QuestionLists } from './QuestionLists.js';
import { Reports } from './Reports.js';
import { canAskNotifications, notifyHidden } from './notify.js';
import type { DeskIdentity } from './signIn.js';
import { useMine } from './useMine.js';
import { useQueue, type QueueFilter } from './useQueue.js';
import { TeamBar } from './TeamBar.js';
import { isSupervisor } from '../state/team.js';
import { useTeam } from './useTeam.js';

export function Desk({ identity, onSignOut }: { identity: DeskIdentity; onSignOut: (endedElsewhere: boolean) => void }) {
  const { t } = useT();
  const client = useMemo<KefuClient>(() => openClient(identity.session), [identity.session]);
  const outbox = useMemo(() => new Outbox(client), [client]);
  const connected = useConnected(client);
  const [open, setOpen] = useState<OpenQuestion | null>(null);
  const [filter, setFilter] = useState<QueueFilter>({ identify: '', label: '' });
  const [tab, setTab] = useState<'queue' | 'mine'>('queue');
  const [askNotify, setAskNotify] = useState(canAskNotifications);
  const [reports, setReports] = useState(false);
  const mineIds = useRef(new Set<string>());

  useSocketEvents(client.socket, {
    // The session ended elsewhere (logout in another tab, revoked, expired): back to the sign-in.
    connect_error: (error) => {
      if (error.message === 'session_invalid') onSignOut(true);
    },
  });
  useEffect(() => () => closeClient(client), [client]);

  const onQueued = useCallback((q: QuestionSummary) => notifyHidden(t('appDesk'), t('notifyQueued', { title: q.title || t('untitled') })), [t]);
  const onForeign = useCallback(
    ({ question_id, message }: MessageNewPayload) => {
      if (!mineIds.current.has(question_id)) return;
      notifyHidden(t('appDesk'), t('notifyMessage', { text: message.type === 3 ? message.text : '…' }));
    },
    [t],
  );
  const queue = useQueue(client, filter, onQueued);
  const mine = useMine(client, identity.servId, open?.question_id ?? null, onForeign);
  const team = useTeam(client, identity.servId, identity.identifies);
  mineIds.current = new Set(mine.items.map((q) => q.question_id));

  const unreadTotal = totalUnread(mine.unread);
  const attention = unreadTotal + queue.items.length;
  useEffect(() => {
    document.title = attention > 0 ? `(${attention}) ${t('appDesk')}` : t('appDesk');
  }, [attention, t]);

  // Back in the tab: what is on screen is read.
  useEffect(() => {
    const onVisible = () => {
      if (!document.hidden && open) mine.read(open.question_id, Number.MAX_SAFE_INTEGER);
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [open, mine.read]);

  const signOut = async () => {
    await client.request('POST', '/serv/logout').catch(() => {});
    onSignOut(false);
  };

  // Summaries seen in either list, so a question opened from the side panel keeps its title.
  const seen = useRef(new Map<string, QuestionSummary>());
  for (const q of [...queue.items, ...mine.items]) seen.current.set(q.question_id, q);

  const openQuestion = (question: OpenQuestion) => {
    const known = seen.current.get(question.question_id);
    setOpen(known ? { ...known, status: question.status, serv_id: question.serv_id } : question);
    mine.read(question.question_id, Number.MAX_SAFE_INTEGER);
  };

  return (
    <div className={open ? 'desk has-open' : 'desk'}>
      <header className="bar">
        <h1>{t('appDesk')}</h1>
        <span className="who" data-testid="signed-in-as">
          {identity.servId}
        </span>
        <TeamBar servId={identity.servId} team={team.team} self={team.self} choose={team.choose} />
        {askNotify && (
          <button type="button" onClick={() => void Notification.requestPermission().finally(() => setAskNotify(canAskNotifications()))}>
            {t('notifications')}
          </button>
        )}
        {(isSupervisor(team.self) || reports) && (
          <button type="button" aria-pressed={reports} onClick={() => setReports(!reports)}>
            {t('reports')}
          </button>
        )}
        <LanguageSwitch />
        <button type="button" onClick={() => void signOut()}>
          {t('signOut')}
        </button>
      </header>
      {!connected && (
        <p className="banner" role="status" data-testid="offline-banner">
          {t('disconnected')}
        </p>
      )}
      {reports && <Reports client={client} session={identity.session} identifies={identity.identifies} onClose={() => setReports(false)} />}
      <div className="desk-body" hidden={reports}>
        <QuestionLists
          tab={tab}
          setTab={setTab}
          identifies={identity.identifies}
          servId={identity.servId}
          filter={filter}
          setFilter={setFilter}
          queue={queue}
          mine={mine}
          unreadTotal={unreadTotal}
          openId={open?.question_id ?? null}
          onOpen={openQuestion}
        />
        {open ? (
          <DeskConversation
            key={open.question_id}
            client={client}
            outbox={outbox}
            servId={identity.servId}
            session={identity.session}
            question={open}
            connected={connected}
            onOpen={openQuestion}
            knownTitle={(id) => seen.current.get(id)?.title}
            onBack={() => setOpen(null)}
            onTaken={() => {
              queue.remove(open.question_id);
              void mine.reload();
              setTab('mine');
            }}
            onLeft={() => void mine.reload()}
            onSeen={(seq) => mine.read(open.question_id, seq)}
          />
        ) : (
          <section className="placeholder" aria-label={t('pickQuestion')}>
            <p className="muted">{t('pickQuestion')}</p>
          </section>
        )}
      </div>
    </div>
  );
}
