/**
 * The messages of one conversation, oldest at the top: scrolling near the top loads the older page
 * (keeping the view where it was), new messages keep the view at the bottom when it was there.
 * Text is rendered as text (never as HTML); notices are system lines in the page's language.
 */
import { memo, useLayoutEffect, useRef, useState } from 'react';
import type { Message, Note, TimelineEntry } from '../../../shared/schemas/responses.js';
import { positionOf } from '../../../shared/timeline.js';
import type { QueuedText } from '../state/offlineQueue.js';
import type { Row } from '../state/ownTexts.js';
import { formatTime, useT, type MessageKey } from './i18n.js';

export interface MessageListProps {
  /** Messages, and for agents private notes in place (shown apart, as the agents' own). */
  messages: TimelineEntry[];
  /** What to show: `messages` and the page's own texts not stored yet (state/ownTexts.ts). */
  rows: Row[];
  olderExists: boolean;
  loadingOlder: boolean;
  loadOlder: () => void;
  /** Whether a message is the reader's own (shown on the right). */
  isMine: (message: TimelineEntry) => boolean;
  /** How to name a sender in notices and alt texts. */
  nameOf: (message: TimelineEntry) => string;
  connected: boolean;
}

export function MessageList(props: MessageListProps) {
  const { t } = useT();
  const box = useRef<HTMLDivElement>(null);
  const previous = useRef({ first: 0, last: 0, height: 0, atBottom: true });
  const [viewing, setViewing] = useState<string | null>(null);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const firstEntry = props.messages[0];
    const lastEntry = props.messages[props.messages.length - 1];
    // Positions compare as seq + note number / 1e6: notes sit between their message and the next.
    const first = firstEntry ? positionOf(firstEntry)[0] + positionOf(firstEntry)[1] / 1e6 : 0;
    const last = lastEntry ? positionOf(lastEntry)[0] + positionOf(lastEntry)[1] / 1e6 : 0;
    const before = previous.current;
    if (before.first && first < before.first && last === before.last) {
      el.scrollTop += el.scrollHeight - before.height; // older page prepended: keep the view still
    } else if (before.atBottom) {
      el.scrollTop = el.scrollHeight;
    }
    previous.current = { first, last, height: el.scrollHeight, atBottom: before.atBottom };
  }, [props.rows]);

  const onScroll = () => {
    const el = box.current!;
    previous.current.atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    previous.current.height = el.scrollHeight;
    if (el.scrollTop < 120 && props.olderExists && !props.loadingOlder) props.loadOlder();
  };

  return (
    <div className="messages" ref={box} onScroll={onScroll} role="log" aria-live="polite" aria-label={t('conversation')} tabIndex={0}>
      {props.loadingOlder && <p className="system">{t('loadOlder')}</p>}
      {!props.olderExists && props.messages.length > 0 && <p className="system">{t('beginning')}</p>}
      {props.rows.map((row) =>
        'unsent' in row ? (
          <MessageRow key={row.key} unsent={{ item: row.unsent, error: row.error, connected: props.connected }} mine name="" onView={setViewing} />
        ) : row.entry.type === 5 ? (
          <NoteRow key={row.key} note={row.entry} name={props.nameOf(row.entry)} />
        ) : (
          <MessageRow key={row.key} message={row.entry} mine={props.isMine(row.entry)} name={props.nameOf(row.entry)} onView={setViewing} />
        ),
      )}
      {viewing && (
        <div className="viewer" role="dialog" aria-modal="true" aria-label={t('viewImage')} onClick={() => setViewing(null)}>
          <img src={viewing} alt={t('viewImage')} />
          <button type="button" autoFocus onClick={() => setViewing(null)} onKeyDown={(e) => e.key === 'Escape' && setViewing(null)}>
            {t('close')}
          </button>
        </div>
      )}
    </div>
  );
}

/** A private note: full width, marked as such, so nobody mistakes it for what the user reads. */
const NoteRow = memo(function NoteRow({ note, name }: { note: Note; name: string }) {
  const { t, lang } = useT();
  return (
    <div className="row note" data-note-seq={note.note_seq} data-after-seq={note.after_seq}>
      <div className="bubble">
        <span className="note-label">{t('noteLabel')}</span>
        <span className="text">{note.text}</span>
        <span className="meta">
          {name} · {formatTime(note.timestamp, lang)}
        </span>
      </div>
    </div>
  );
});

/** One of the page's own texts not stored yet: on its way or queued, or refused with its error. */
interface Unsent {
  item: QueuedText;
  error?: string;
  connected: boolean;
}

type MessageRowProps = ({ message: Message; unsent?: never } | { message?: never; unsent: Unsent }) & {
  mine: boolean;
  name: string;
  onView: (url: string) => void;
};

/**
 * One message; memoised, so a new message re-renders one row, not the whole history. An own text
 * not stored yet is drawn by the same row, so when it is stored React keeps the element (same key,
 * state/ownTexts.ts) and only its seq, style and time change.
 */
const MessageRow = memo(function MessageRow({ message, unsent, mine, name, onView }: MessageRowProps) {
  const { t, lang } = useT();
  if (message?.type === 4) {
    const key = `notice${message.action}` as MessageKey;
    return (
      <p className="system" data-seq={message.seq}>
        {t(key, { who: name, to: message.serv_id ?? '' })} · {formatTime(message.timestamp, lang)}
      </p>
    );
  }
  // One element tree for both, so a stored text updates its row in place rather than replacing it.
  const text = unsent ? unsent.item.text : message.type === 3 ? message.text : null;
  const state = !unsent ? '' : unsent.error === undefined ? ' pending' : ' refused';
  const meta = !unsent
    ? `${mine ? '' : `${name} · `}${formatTime(message.timestamp, lang)}`
    : unsent.error !== undefined
      ? t('refused', { e: unsent.error })
      : unsent.connected
        ? t('sending')
        : t('queued');
  return (
    <div className={`${mine ? 'row mine' : 'row'}${state}`} data-seq={message?.seq} data-client-msg-id={unsent?.item.clientMsgId}>
      <div className="bubble">
        {text !== null && <span className="text">{text}</span>}
        {message?.type === 2 && (
          <button type="button" className="image" onClick={() => onView(message.image_url)} aria-label={t('viewImage')}>
            <img src={message.image_url} alt={t('imageAlt', { who: name })} loading="lazy" />
          </button>
        )}
        {message?.type === 1 && <audio controls preload="none" src={message.audio_url} aria-label={`${name} · ${message.audio_len} s`} />}
        <span className={unsent?.error !== undefined ? 'meta error' : 'meta'}>{meta}</span>
      </div>
    </div>
  );
});
