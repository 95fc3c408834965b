/** The chat page's home: the ask form and the user's questions, grouped by status. */
import { useState } from 'react';
import { formatTime, useT, type MessageKey } from '../common/i18n.js';
import { unwrap, type KefuClient } from '../common/session.js';
import { readTitles, rememberTitle } from './titles.js';

export interface OwnQuestion {
  question_id: string;
  status: 1 | 2 | 3;
  timestamp: number;
  serv_id: string | null;
}

export function QuestionList(props: { client: KefuClient; questions: OwnQuestion[]; onOpen: (q: OwnQuestion) => void; onAsked: (q: OwnQuestion) => void }) {
  const { t, lang } = useT();
  const [title, setTitle] = useState('');
  const [labels, setLabels] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const titles = readTitles();

  const ask = async () => {
    setBusy(true);
    setError(null);
    try {
      const label = JSON.stringify(labels.split(/[,，]/).map((l) => l.trim()).filter(Boolean));
      const reply = unwrap(await props.client.request<{ question_id: string }>('POST', '/question/new', { title, label }));
      rememberTitle(reply.question_id, title);
      setTitle('');
      setLabels('');
      props.onAsked({ question_id: reply.question_id, status: 1, timestamp: Date.now() / 1000, serv_id: null });
    } catch (e) {
      setError(t('genericError', { e: e instanceof Error ? e.message : String(e) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <section className="card" aria-labelledby="ask-heading">
        <h2 id="ask-heading">{t('askTitle')}</h2>
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void ask();
          }}
        >
          <label>
            {t('title')}
            <input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={100} required />
          </label>
          <label>
            {t('labels')}
            <input value={labels} onChange={(e) => setLabels(e.target.value)} />
          </label>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy}>
            {t('ask')}
          </button>
        </form>
      </section>
      <section className="card" aria-labelledby="mine-heading">
        <h2 id="mine-heading">{t('myQuestions')}</h2>
        {props.questions.length === 0 && <p className="muted">{t('noQuestions')}</p>}
        {([1, 2, 3] as const).map((status) => {
          const group = props.questions.filter((q) => q.status === status);
          if (group.length === 0) return null;
          return (
            <div key={status} className="group">
              <h3>{t(`status${status}` as MessageKey)}</h3>
              <ul className="plain">
                {group.map((q) => (
                  <li key={q.question_id}>
                    <button type="button" className="question-link" data-question-id={q.question_id} onClick={() => props.onOpen(q)}>
                      <span className="title">{titles[q.question_id] || t('questionFrom', { t: formatTime(q.timestamp, lang) })}</span>
                      <span className={`badge s${q.status}`}>{t(`status${q.status}` as MessageKey)}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          );
        })}
      </section>
    </>
  );
}
