/** One of the user's conversations: messages, composer, and the confirm / reopen actions. */
import { useMemo, useState } from 'react';
import { Composer } from '../common/Composer.js';
import { formatTime, useT, type MessageKey } from '../common/i18n.js';
import { MessageList } from '../common/MessageList.js';
import { sendImage, unwrap, type KefuClient, type TimelineEntry } from '../common/session.js';
import { finishRequested } from '../state/conversation.js';
import { resolutionMark } from '../state/ratings.js';
import { newClientMsgId } from '../state/offlineQueue.js';
import type { Outbox } from '../common/outbox.js';
import { typingNotifier, useConversation, useQuestionState, useTypingFrom } from '../common/useConversation.js';
import type { ChatIdentity } from './fragment.js';
import type { OwnQuestion } from './QuestionList.js';
import { RateResolution } from './RateResolution.js';
import { readTitles } from './titles.js';

interface Props {
  client: KefuClient;
  outbox: Outbox;
  identity: ChatIdentity;
  question: OwnQuestion;
  connected: boolean;
  onBack: () => void;
  onChanged: () => void;
}

export function ChatConversation({ client, outbox, identity, question, connected, onBack, onChanged }: Props) {
  const { t, lang } = useT();
  const qid = question.question_id;
  const state = useQuestionState(client, qid, { status: question.status, servId: question.serv_id });
  const conversation = useConversation(client, outbox, qid);
  const typing = useTypingFrom(client, qid);
  const notifyTyping = useMemo(() => typingNotifier(client, qid), [client, qid]);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);

  const act = async (path: 'confirm_finish' | 'reopen') => {
    setError(null);
    try {
      unwrap(await client.request('POST', `/question/${qid}/${path}`));
      onChanged();
    } catch (e) {
      setError(t('genericError', { e: e instanceof Error ? e.message : String(e) }));
    }
  };

  const nameOf = (m: TimelineEntry) => (m.sender_type === 1 ? t('you') : m.sender === 'system' ? 'kefu' : m.sender);
  const title = readTitles()[qid] || t('questionFrom', { t: formatTime(question.timestamp, lang) });
  return (
    <section className="conversation card" aria-label={title}>
      <header className="conversation-head">
        <button type="button" onClick={onBack}>
          ← {t('back')}
        </button>
        <h2>{title}</h2>
        <span className={`badge s${state.status}`} data-testid="status">
          {t(`status${state.status}` as MessageKey)}
        </span>
      </header>
      <MessageList
        {...conversation}
        connected={connected}
        isMine={(m) => m.sender_type === 1}
        nameOf={nameOf}
        loadOlder={() => void conversation.loadOlder()}
      />
      <p className="typing" aria-live="polite">
        {typing ? t('typing', { who: t('theAgent') }) : ''}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {state.status === 2 && finishRequested(conversation.messages) && (
        <div className="ask-finish" role="group" aria-label={t('finishAsked')}>
          <p>{t('finishAsked')}</p>
          <button type="button" className="primary" onClick={() => void act('confirm_finish')}>
            {t('confirmFinish')}
          </button>
        </div>
      )}
      {state.status === 3 ? (
        <div className="resolved-area">
          <RateResolution
            key={qid}
            client={client}
            questionId={qid}
            status={state.status}
            mark={resolutionMark(conversation.messages)}
            onNotFinished={() => {
              setError(t('rateNotFinished'));
              onChanged();
            }}
          />
          <div className="ask-finish">
            <p>{t('resolvedNote')}</p>
            <button type="button" className="primary" onClick={() => void act('reopen')}>
              {t('reopen')}
            </button>
          </div>
        </div>
      ) : (
        <Composer
          text={text}
          setText={setText}
          onTyping={notifyTyping}
          onText={(value) => outbox.send(qid, value)}
          onImage={(dataUrl) => sendImage(client, qid, { sender: identity.userId, sender_type: 1 }, dataUrl, newClientMsgId())}
          imageLabel={t('photo')}
        />
      )}
    </section>
  );
}
