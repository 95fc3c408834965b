import { ApiError } from '../../../shared/errors.js';
import type { Deps } from '../../deps.js';
import type { NoteRecord } from '../../stores/types.js';
import type { Actor } from '../actor.js';
import { authorizeNote } from '../policies.js';
import { loadQuestion } from '../queries.js';

export interface NotePosterProps {
  actor: Actor;
  questionId: string;
  /** The agent writing; must be the session's bound agent. */
  sender: string;
  text: string;
  clientMsgId?: string;
}

/**
 * Writes a private note as an agent of the question's app. The store places it after the
 * question's last seq in the same write that numbers it; a retry carrying the same client_msg_id
 * gets the first note back and publishes nothing again.
 */
export async function notePoster(deps: Deps, props: NotePosterProps): Promise<{ note: NoteRecord; duplicate: boolean }> {
  const question = await loadQuestion(deps, props.questionId);
  authorizeNote(props.actor, question, props.sender);
  const result = await deps.store.notes.appendNote({
    questionId: question.id,
    sender: props.sender,
    text: props.text,
    sessionDigest: props.actor.session.digest,
    clientMsgId: props.clientMsgId,
    now: deps.now(),
  });
  // Questions are never deleted, so the question loaded above is still there.
  if (!result) throw new Error(`question ${question.id} vanished while writing a note`);
  if (result.note.questionId !== question.id) {
    throw new ApiError('param_invalid', 'client_msg_id was already used for another question', { field: 'client_msg_id' });
  }
  if (!result.duplicate) deps.events.record({ type: 'note.created', question, note: result.note });
  return result;
}
