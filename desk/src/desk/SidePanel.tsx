/** About the asking user: name, avatar, their card (device and group counts), their other questions. */
import { useEffect, useState } from 'react';
import { formatTime, useT, type MessageKey } from '../common/i18n.js';
import { unwrap, type KefuClient } from '../common/session.js';
import { useSocketEvents } from '../common/useSocketEvents.js';
import type { OpenQuestion } from './DeskConversation.js';
import { Cycles } from './Cycles.js';
import { Avatar } from './QuestionLists.js';

interface Listed {
  question_id: string;
  status: 1 | 2 | 3;
  timestamp: number;
  serv_id: string | null;
}

interface Props {
  client: KefuClient;
  session: string;
  question: OpenQuestion;
  onOpen: (q: OpenQuestion) => void;
  knownTitle: (questionId: string) => string | undefined;
  onClose: () => void;
}

export function SidePanel({ client, session, question, onOpen, knownTitle, onClose }: Props) {
  const { t, lang } = useT();
  const [others, setOthers] = useState<Listed[]>([]);
  const [version, setVersion] = useState(0);
  useSocketEvents(client.socket, { 'question:updated': () => setVersion((v) => v + 1) });
  useEffect(() => {
    let cancelled = false;
    void client
      .request<{ questions: Listed[] }>('GET', `/user/${encodeURIComponent(question.user_id)}/alls`, { num: 50 })
      .then((reply) => !cancelled && setOthers(unwrap(reply).questions))
      .catch(() => {});
    return () => void (cancelled = true);
  }, [client, question.user_id, question.question_id, version]);

  const name = question.user_name || question.user_id;
  // The session goes in the query (the log redacts it); an iframe cannot send a header.
  const card = `/v1/user?question_id=${question.question_id}&session=${encodeURIComponent(session)}`;
  return (
    <aside className="side card" aria-label={t('userPanel')}>
      <div className="side-head">
        <Avatar name={name} url={question.user_image_url} />
        <h2>{name}</h2>
        <button type="button" className="close-side" onClick={onClose}>
          {t('close')}
        </button>
      </div>
      <iframe className="user-card" title={t('userCard')} src={card} sandbox="" />
      <Cycles client={client} questionId={question.question_id} />
      <h3>{t('otherQuestions')}</h3>
      <ul className="plain">
        {others.map((q) => (
          <li key={q.question_id}>
            <button
              type="button"
              className={q.question_id === question.question_id ? 'other selected' : 'other'}
              aria-current={q.question_id === question.question_id || undefined}
              onClick={() => onOpen({ ...question, question_id: q.question_id, status: q.status, serv_id: q.serv_id, title: '', labels: [], last_mess_text: '' })}
            >
              <span className="other-title">
                {q.question_id === question.question_id ? question.title || t('untitled') : knownTitle(q.question_id) || t('untitled')}
                <span className="muted"> · {formatTime(q.timestamp, lang)}</span>
              </span>
              <span className={`badge s${q.status}`}>{t(`status${q.status}` as MessageKey)}</span>
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}
