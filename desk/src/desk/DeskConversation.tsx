/**
 * The open conversation on the desk: history and live messages, the composer with quick answers
 * (when this agent serves it), the take / quit / transfer / ask-to-finish / finish actions, the side panel.
 */
import { useEffect, useMemo, useState } from 'react';
import { Composer } from '../common/Composer.js';
import { useT, type MessageKey } from '../common/i18n.js';
import { MessageList } from '../common/MessageList.js';
import { ReplyError, sendImage, sendNote, unwrap, type KefuClient, type QuestionSummary, type TimelineEntry } from '../common/session.js';
import type { Outbox } from '../common/outbox.js';
import { typingNotifier, useConversation, useQuestionState, useTypingFrom } from '../common/useConversation.js';
import { finishRequested } from '../state/conversation.js';
import { newClientMsgId } from '../state/offlineQueue.js';
import { QuickAnswers } from './QuickAnswers.js';
import { SidePanel } from './SidePanel.js';
import { TransferPicker } from './TransferPicker.js';

/** A question opened on the desk: its summary (from a list) plus where it stands. */
export type OpenQuestion = QuestionSummary & { status: 1 | 2 | 3; serv_id: string | null };

interface Props {
  client: KefuClient;
  outbox: Outbox;
  servId: string;
  session: string;
  question: OpenQuestion;
  connected: boolean;
  onOpen: (q: OpenQuestion) => void;
  /** The title of a question seen in the lists (the user's other questions show it). */
  knownTitle: (questionId: string) => string | undefined;
  onBack: () => void;
  onTaken: () => void;
  onLeft: () => void;
  onSeen: (seq: number) => void;
}

type Action = 'serve' | 'quit' | 'request_finish' | 'finish';

export function DeskConversation(props: Props) {
  const { t } = useT();
  const { client, question, servId } = props;
  const qid = question.question_id;
  const state = useQuestionState(client, qid, { status: question.status, servId: question.serv_id });
  // Notes take no seq and count nothing unread: only messages move the seen mark.
  const conversation = useConversation(client, props.outbox, qid, (m) => m.type !== 5 && !document.hidden && props.onSeen(m.seq));
  const typing = useTypingFrom(client, qid);
  const notifyTyping = useMemo(() => typingNotifier(client, qid), [client, qid]);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [panelOpen, setPanelOpen] = useState(false);
  const serving = state.status === 2 && state.servId === servId;
  // Any agent of the app may write notes; one who does not serve the question can write nothing else.
  const [noteChosen, setNoteChosen] = useState(false);
  const noteMode = noteChosen || !serving;

  useEffect(() => {
    setError(null);
    setNoteChosen(false);
  }, [qid]);

  const writeNote = async (value: string) => {
    setError(null);
    try {
      await sendNote(client, qid, servId, value, newClientMsgId());
    } catch (e) {
      setText(value);
      setError(t('genericError', { e: e instanceof Error ? e.message : String(e) }));
    }
  };

  const act = async (action: Action) => {
    setError(null);
    try {
      unwrap(await client.request('POST', `/question/${qid}/${action}`, { serv_id: servId }));
      if (action === 'serve') props.onTaken();
      else props.onLeft();
    } catch (e) {
      if (e instanceof ReplyError && e.body.error === 'question_taken') setError(t('takenByOther'));
      else if (e instanceof ReplyError && e.body.error === 'agent_at_capacity') setError(t('atCapacity'));
      else setError(t('genericError', { e: e instanceof Error ? e.message : String(e) }));
    }
  };

  const nameOf = (m: TimelineEntry) =>
    m.sender_type === 1 ? question.user_name || question.user_id : m.sender === 'system' ? 'kefu' : m.sender === servId ? servId : m.sender;

  return (
    <div className={panelOpen ? 'conversation-area panel-open' : 'conversation-area'}>
      <section className="conversation card" aria-labelledby="conversation-title">
        <header className="conversation-head">
          <button type="button" className="back" onClick={props.onBack}>
            ← {t('back')}
          </button>
          <h2 id="conversation-title">{question.title || t('untitled')}</h2>
          <span className={`badge s${state.status}`} data-testid="status">
            {t(`status${state.status}` as MessageKey)}
          </span>
          <div className="head-actions">
            {state.status === 1 && (
              <button type="button" className="primary" onClick={() => void act('serve')}>
                {t('take')}
              </button>
            )}
            {serving && (
              <>
                <button type="button" onClick={() => void act('quit')}>
                  {t('quit')}
                </button>
                <TransferPicker
                  client={client}
                  servId={servId}
                  questionId={qid}
                  identify={question.identify}
                  onTransferred={() => {
                    setError(null);
                    props.onLeft();
                  }}
                  onError={setError}
                />
                <button type="button" onClick={() => void act('request_finish')}>
                  {t('askFinish')}
                </button>
                <button type="button" className="danger" onClick={() => void act('finish')}>
                  {t('finish')}
                </button>
              </>
            )}
            <button type="button" className="details" aria-expanded={panelOpen} onClick={() => setPanelOpen(!panelOpen)}>
              {t('details')}
            </button>
          </div>
        </header>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <MessageList
          {...conversation}
          connected={props.connected}
          isMine={(m) => m.sender_type === 2 && m.sender === servId}
          nameOf={nameOf}
          loadOlder={() => void conversation.loadOlder()}
        />
        <p className="typing" aria-live="polite">
          {typing ? t('typing', { who: question.user_name || t('theUser') }) : ''}
        </p>
        {serving && finishRequested(conversation.messages) && <p className="muted awaiting">{t('awaitingConfirm')}</p>}
        {!serving && state.status !== 1 && <p className="muted read-only">{t('readOnly')}</p>}
        <Composer
          text={text}
          setText={setText}
          onTyping={noteMode ? () => {} : notifyTyping}
          onText={(value) => (noteMode ? void writeNote(value) : props.outbox.send(qid, value))}
          onImage={(dataUrl) => sendImage(client, qid, { sender: servId, sender_type: 2 }, dataUrl, newClientMsgId())}
          note={{
            active: noteMode,
            // Not serving, notes are all there is to write.
            toggle: serving ? () => setNoteChosen(!noteChosen) : undefined,
          }}
          extra={
            serving && !noteMode ? (
              <QuickAnswers client={client} identify={question.identify} onInsert={(content) => setText(content)} onSend={(content) => props.outbox.send(qid, content)} />
            ) : undefined
          }
        />
      </section>
      <SidePanel client={client} session={props.session} question={question} onOpen={props.onOpen} knownTitle={props.knownTitle} onClose={() => setPanelOpen(false)} />
    </div>
  );
}
