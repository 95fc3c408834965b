/**
 * The messages of one conversation, oldest at the top: scrolling near the top loads the older page
 * (keeping the view where it was), new messages keep the view at the bottom when it was there.
 * Text is rendered as text (never as HTML); notices are system lines in the page's language.
 */
import { memo, useLayoutEffect, useRef, useState } from 'react';
import type { Message, Note, TimelineEntry } from '../../../shared/schemas/responses.js';
import { positionOf } from '../../../shared/timeline.js';
import { entryKey } from '../state/seqMerge.js';
import type { QueuedText } from '../state/offlineQueue.js';
import type { RefusedText } from './outbox.js';
import { formatTime, useT, type MessageKey } from './i18n.js';

export interface MessageListProps {
  /** Messages, and for agents private notes in place (shown apart, as the agents' own). */
  messages: TimelineEntry[];
  pending: QueuedText[];
  refused?: RefusedText[];
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
  }, [props.messages, props.pending]);

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
      {props.messages.map((entry) =>
        entry.type === 5 ? (
          <NoteRow key={entryKey(entry)} note={entry} name={props.nameOf(entry)} />
        ) : (
          <MessageRow key={entryKey(entry)} message={entry} mine={props.isMine(entry)} name={props.nameOf(entry)} onView={setViewing} />
        ),
      )}
      {props.pending.map((item) => (
        <div key={item.clientMsgId} className="row mine pending" data-client-msg-id={item.clientMsgId}>
          <div className="bubble">
            <span className="text">{item.text}</span>
            <span className="meta">{props.connected ? t('sending') : t('queued')}</span>
          </div>
        </div>
      ))}
      {(props.refused ?? []).map(({ item, error }) => (
        <div key={item.clientMsgId} className="row mine refused">
          <div className="bubble">
            <span className="text">{item.text}</span>
            <span className="meta error">{t('refused', { e: error })}</span>
          </div>
        </div>
      ))}
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

/** One message; memoised, so a new message re-renders one row, not the whole history. */
const MessageRow = memo(function MessageRow({ message, mine, name, onView }: { message: Message; mine: boolean; name: string; onView: (url: string) => void }) {
  const { t, lang } = useT();
  if (message.type === 4) {
    const key = `notice${message.action}` as MessageKey;
    return (
      <p className="system" data-seq={message.seq}>
        {t(key, { who: name, to: message.serv_id ?? '' })} · {formatTime(message.timestamp, lang)}
      </p>
    );
  }
  return (
    <div className={mine ? 'row mine' : 'row'} data-seq={message.seq}>
      <div className="bubble">
        {message.type === 3 && <span className="text">{message.text}</span>}
        {message.type === 2 && (
          <button type="button" className="image" onClick={() => onView(message.image_url)} aria-label={t('viewImage')}>
            <img src={message.image_url} alt={t('imageAlt', { who: name })} loading="lazy" />
          </button>
        )}
        {message.type === 1 && <audio controls preload="none" src={message.audio_url} aria-label={`${name} · ${message.audio_len} s`} />}
        <span className="meta">
          {mine ? '' : `${name} · `}
          {formatTime(message.timestamp, lang)}
        </span>
      </div>
    </div>
  );
});
