/**
 * The customer rates a resolved question (issue 13): 1–5 stars as a radio group (arrow keys move,
 * every star labelled), an optional comment of at most 500 characters, one rating per resolution.
 * The page remembers what it rated per question (the user cannot read the cycle list); a rating
 * sent from elsewhere answers 409 already_rated and is shown as rated.
 */
import { useState } from 'react';
import { useT } from '../common/i18n.js';
import { ReplyError, unwrap, type KefuClient } from '../common/session.js';
import { chatRating, COMMENT_MAX, ratingProblem, type RatedMark } from '../state/ratings.js';

const KEY = 'kefu.chat.rated';

function readRated(): Record<string, RatedMark> {
  try {
    return (JSON.parse(localStorage.getItem(KEY) ?? '{}') as Record<string, RatedMark>) ?? {};
  } catch {
    return {};
  }
}

function storeRated(questionId: string, mark: RatedMark): void {
  localStorage.setItem(KEY, JSON.stringify({ ...readRated(), [questionId]: mark }));
}

interface Props {
  client: KefuClient;
  questionId: string;
  status: number;
  /** The resolution on screen (state/ratings.ts resolutionMark). */
  mark: number | null;
  /** The question was reopened meanwhile (409 question_not_finished): the page says so and refreshes it (this form then goes). */
  onNotFinished: () => void;
}

export function RateResolution({ client, questionId, status, mark, onNotFinished }: Props) {
  const { t } = useT();
  const [stored, setStored] = useState(() => readRated()[questionId]);
  const [score, setScore] = useState<number | null>(null);
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const state = chatRating(status, mark, stored);
  if (state.phase === 'none') return null;

  const remember = (value: RatedMark) => {
    storeRated(questionId, value);
    setStored(value);
  };

  if (state.phase === 'rated') {
    return (
      <p className="rated" role="status" data-testid="rated">
        {state.score === null ? t('rateAlready') : t('rateThanks', { n: state.score })}
      </p>
    );
  }

  const submit = async () => {
    const problem = ratingProblem(score, comment);
    if (problem) return setError(t(problem === 'score' ? 'ratePickScore' : 'rateTooLong'));
    setBusy(true);
    setError(null);
    try {
      const reply = unwrap(await client.request<{ rating: { score: number } }>('POST', `/question/${questionId}/rate`, { score, comment }));
      remember({ mark: mark ?? 0, score: reply.rating.score });
    } catch (e) {
      const code = e instanceof ReplyError ? e.body.error : null;
      if (code === 'already_rated') remember({ mark: mark ?? 0, score: null });
      else if (code === 'question_not_finished') onNotFinished();
      else setError(t('genericError', { e: e instanceof Error ? e.message : String(e) }));
    } finally {
      setBusy(false);
    }
  };

  const length = [...comment].length;
  return (
    <form
      className="rate card"
      aria-labelledby="rate-title"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3 id="rate-title">{t('rateTitle')}</h3>
      <fieldset className="stars">
        <legend>{t('rateScore')}</legend>
        {[1, 2, 3, 4, 5].map((n) => (
          <label key={n} className={score !== null && n <= score ? 'star on' : 'star'}>
            <input type="radio" name="score" value={n} checked={score === n} onChange={() => {
                setScore(n);
                setError(null);
              }} className="sr-only" />
            <span aria-hidden="true">★</span>
            <span className="sr-only">{t('rateStar', { n })}</span>
          </label>
        ))}
      </fieldset>
      <label>
        {t('rateComment')}
        <textarea name="comment" value={comment} rows={2} maxLength={COMMENT_MAX} onChange={(e) => setComment(e.target.value)} aria-describedby="rate-count" />
      </label>
      <p id="rate-count" className="muted hint">
        {t('rateCommentHint', { n: length })}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? t('rateSending') : t('rateSend')}
      </button>
    </form>
  );
}
