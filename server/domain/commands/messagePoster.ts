import { ApiError } from '../../../shared/errors.js';
import { SENDER_TYPE, type SenderType } from '../../../shared/limits.js';
import type { Deps } from '../../deps.js';
import type { AppendResult, MessageRecord, NewMessage, QuestionRecord, SendGuard } from '../../stores/types.js';
import type { Actor } from '../actor.js';
import { authorizeSend } from '../policies.js';
import { loadQuestion } from '../queries.js';
import { messageSummaryText } from '../presenters.js';
import { SEND_STATUSES, sendRefusal } from '../stateMachine.js';

/** What a message carries once its content is ready to store. */
export interface MessageContent {
  type: 1 | 2 | 3;
  text?: string;
  mediaPath?: string;
  audioLen?: number;
}

export interface MessagePosterProps {
  actor: Actor;
  questionId: string;
  sender: string;
  senderType: SenderType;
  clientMsgId?: string;
  /** The kind of message sent; a client_msg_id first used for another kind is no retry of this send. */
  type: MessageContent['type'];
  /**
   * Produces the content. Media are decoded and stored only after every check passed, so a refused
   * send costs no image processing.
   */
  content: () => Promise<MessageContent>;
}

/**
 * Posts a chat message as the user or the serving agent. The seq increment and the status check
 * happen in one store write; a retry carrying the same client_msg_id gets the first message back.
 */
export async function messagePoster(deps: Deps, props: MessagePosterProps): Promise<AppendResult> {
  const { actor } = props;
  const question = await loadQuestion(deps, props.questionId);

  const guard = authorizeSender(actor, question, props.sender, props.senderType);
  // A retry (client_msg_id) must reach the store even if the question moved on since the first try.
  if (props.clientMsgId === undefined && !guard.statuses.includes(question.status)) {
    throw new ApiError(sendRefusal(question, props.senderType, guard.servId), 'cannot send to this question now');
  }
  if (props.clientMsgId === undefined && guard.servId !== undefined && question.servId !== guard.servId) {
    throw new ApiError(sendRefusal(question, props.senderType, guard.servId), 'cannot send to this question now');
  }

  // A retry is answered from the store before any media is decoded or stored again.
  if (props.clientMsgId !== undefined) {
    const earlier = await deps.store.conversations.findMessageByClientId(actor.session.digest, props.clientMsgId);
    if (earlier) return duplicateOf(earlier, question, props.type);
  }

  const content = await props.content();
  const message: NewMessage = {
    questionId: question.id,
    sender: props.sender,
    senderType: props.senderType,
    sessionDigest: actor.session.digest,
    clientMsgId: props.clientMsgId,
    // A user who writes after "may I close this?" is not done: the finish request lapses.
    cancelsFinishRequest: props.senderType === SENDER_TYPE.user,
    now: deps.now(),
    ...content,
    summaryText: messageSummaryText(content),
  };
  const result = await deps.store.conversations.appendMessage(message, guard);
  if (!result) {
    const now = (await deps.store.conversations.getQuestion(question.id)) ?? question;
    throw new ApiError(sendRefusal(now, props.senderType, guard.servId), 'cannot send to this question now');
  }
  if (result.duplicate) return duplicateOf(result.message, result.question, props.type);
  deps.events.record({ type: 'message.created', question: result.question, message: result.message });
  return result;
}

/**
 * The key is (session digest, client_msg_id): reused on another question, or for another kind of message
 * (whose reply would carry no or the wrong media URL), it is no retry of this send.
 */
function duplicateOf(message: MessageRecord, question: QuestionRecord, type: MessageContent['type']): AppendResult {
  if (message.questionId !== question.id) {
    throw new ApiError('param_invalid', 'client_msg_id was already used for another question', { field: 'client_msg_id' });
  }
  if (message.type !== type) {
    throw new ApiError('param_invalid', 'client_msg_id was already used for another kind of message', { field: 'client_msg_id' });
  }
  return { message, question, duplicate: true };
}

/** The send guard for whoever the policy says is sending: the store re-checks it in the write. */
function authorizeSender(actor: Actor, question: QuestionRecord, sender: string, senderType: SenderType): SendGuard {
  const as = authorizeSend(actor, question, sender, senderType);
  return as === 'user' ? { statuses: SEND_STATUSES.user, userId: actor.userId } : { statuses: SEND_STATUSES.agent, servId: actor.agent!.servId };
}
