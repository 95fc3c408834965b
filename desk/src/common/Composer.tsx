/**
 * The message box: Enter sends, Shift+Enter starts a new line; images come from the picker, a paste
 * or a drop and are downscaled before upload. `extra` holds page-specific buttons (quick answers).
 */
import { useRef, useState, type ReactNode } from 'react';
import { downscaleImage, imageFrom } from './images.js';
import { useT } from './i18n.js';

export interface ComposerProps {
  onText: (text: string) => void;
  onImage: (dataUrl: string) => Promise<void>;
  onTyping: () => void;
  disabled?: boolean;
  /** Controlled text, so quick answers can insert into it. */
  text: string;
  setText: (text: string) => void;
  extra?: ReactNode;
  imageLabel?: string;
  /**
   * The desk's private-note mode: while active, what is typed is a note for agents only (no image,
   * shown apart); `toggle`, when given, switches between replying and writing a note.
   */
  note?: { active: boolean; toggle?: () => void };
}

export function Composer(props: ComposerProps) {
  const { t } = useT();
  const picker = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [uploading, setUploading] = useState(false);

  const submit = () => {
    const text = props.text.trim();
    if (!text || props.disabled) return;
    props.onText(props.text);
    props.setText('');
  };

  const upload = async (file: File | null) => {
    if (!file || props.disabled) return;
    setError(null);
    setUploading(true);
    try {
      await props.onImage(await downscaleImage(file));
    } catch (e) {
      setError(t('genericError', { e: e instanceof Error ? e.message : String(e) }));
    } finally {
      setUploading(false);
    }
  };

  return (
    <form
      className={props.note?.active ? 'composer note-mode' : 'composer'}
      data-mode={props.note?.active ? 'note' : 'reply'}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        void upload(imageFrom(e.dataTransfer));
      }}
    >
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <textarea
        aria-label={props.note?.active ? t('noteMode') : t('messageInput')}
        placeholder={props.note?.active ? t('noteHint') : t('messageHint')}
        rows={2}
        value={props.text}
        disabled={props.disabled}
        onChange={(e) => {
          props.setText(e.target.value);
          props.onTyping();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            submit();
          }
        }}
        onPaste={(e) => {
          const file = imageFrom(e.clipboardData);
          if (file) {
            e.preventDefault();
            void upload(file);
          }
        }}
      />
      <div className="actions">
        <input
          ref={picker}
          type="file"
          accept="image/*"
          className="sr-only"
          tabIndex={-1}
          aria-hidden="true"
          onChange={(e) => {
            void upload(e.target.files?.[0] ?? null);
            e.target.value = '';
          }}
        />
        {props.note?.toggle && (
          <button type="button" aria-pressed={props.note.active} onClick={props.note.toggle}>
            {t('noteMode')}
          </button>
        )}
        {!props.note?.active && (
          <button type="button" onClick={() => picker.current?.click()} disabled={props.disabled || uploading}>
            {props.imageLabel ?? t('attachImage')}
          </button>
        )}
        {props.extra}
        <button type="submit" className="primary" disabled={props.disabled}>
          {props.note?.active ? t('addNote') : t('send')}
        </button>
      </div>
    </form>
  );
}
