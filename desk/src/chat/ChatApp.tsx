/**
 * The customer page: ask a question, list one's questions by status, chat with text and photos,
 * see the agent join, quit and finish, confirm the end when asked, reopen.
 */
import { useEffect, useMemo, useState } from 'react';
import { LangContext, useT } from '../common/i18n.js';
import { LanguageSwitch } from '../common/LanguageSwitch.js';
import { Outbox } from '../common/outbox.js';
import { useSocketEvents } from '../common/useSocketEvents.js';
import { closeClient, openClient, unwrap, useConnected, type KefuClient } from '../common/session.js';
import { useLangState } from '../common/useLang.js';
import { ChatConversation } from './ChatConversation.js';
import { identityFromFragment, type ChatIdentity } from './fragment.js';
import { QuestionList, type OwnQuestion } from './QuestionList.js';

export function ChatApp() {
  const lang = useLangState();
  const identity = useMemo(() => identityFromFragment(window.location.hash), []);
  useEffect(() => {
    document.title = lang.t('appChat');
  }, [lang]);
  return (
    <LangContext.Provider value={lang}>
      {identity ? <Chat identity={identity} /> : <NoSession />}
    </LangContext.Provider>
  );
}

function NoSession() {
  const { t } = useT();
  return (
    <main className="page narrow">
      <header className="bar">
        <h1>{t('appChat')}</h1>
        <LanguageSwitch />
      </header>
      <p role="alert">{t('noSession')}</p>
    </main>
  );
}

function Chat({ identity }: { identity: ChatIdentity }) {
  const { t } = useT();
  const client = useMemo<KefuClient>(() => openClient(identity.session), [identity.session]);
  const outbox = useMemo(() => new Outbox(client), [client]);
  const connected = useConnected(client);
  const [open, setOpen] = useState<OwnQuestion | null>(null);
  const [questions, setQuestions] = useState<OwnQuestion[]>([]);
  const [version, setVersion] = useState(0);

  const [sessionInvalid, setSessionInvalid] = useState(false);
  useSocketEvents(client.socket, { connect_error: (error) => error.message === 'session_invalid' && setSessionInvalid(true) });
  useEffect(() => () => closeClient(client), [client]);

  useEffect(() => {
    let cancelled = false;
    void client
      .request<{ questions: OwnQuestion[] }>('GET', `/user/${encodeURIComponent(identity.userId)}/alls`, { num: 50 })
      .then((reply) => !cancelled && setQuestions(unwrap(reply).questions))
      .catch(() => {});
    return () => void (cancelled = true);
  }, [client, identity.userId, version]);

  const refresh = () => setVersion((v) => v + 1);
  useSocketEvents(client.socket, { 'question:updated': refresh, connect: refresh });

  const current = open && (questions.find((q) => q.question_id === open.question_id) ?? open);
  return (
    <main className="page narrow chat-page">
      <header className="bar">
        <h1>{t('appChat')}</h1>
        <LanguageSwitch />
      </header>
      {sessionInvalid ? (
        <p className="banner" role="alert">
          {t('chatSessionInvalid')}
        </p>
      ) : (
        !connected && (
          <p className="banner" role="status">
            {t('disconnected')}
          </p>
        )
      )}
      {current ? (
        <ChatConversation
          client={client}
          outbox={outbox}
          identity={identity}
          question={current}
          connected={connected}
          onBack={() => setOpen(null)}
          onChanged={() => setVersion((v) => v + 1)}
        />
      ) : (
        <QuestionList
          client={client}
          questions={questions}
          onOpen={setOpen}
          onAsked={(q) => {
            setVersion((v) => v + 1);
            setOpen(q);
          }}
        />
      )}
    </main>
  );
}
