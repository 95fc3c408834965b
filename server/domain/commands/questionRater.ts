import { ApiError } from '../../../shared/errors.js';
import { STATUS } from '../../../shared/limits.js';
import type { Deps } from '../../deps.js';
import type { CycleRecord } from '../../stores/types.js';
import type { Actor } from '../actor.js';
import { authorizeRate } from '../policies.js';
import { loadQuestion } from '../queries.js';

export interface QuestionRaterProps {
  actor: Actor;
  questionId: string;
  /** 1..5 (validated at the edge). */
  score: number;
  comment?: string;
}

/**
 * The asking user rates the cycle that resolved last: one conditional write in the store (the
 * question resolved and the user's, that cycle not yet rated) that also records the
 * `question.rated` outbox event. A reopen starts a new cycle, which may be rated once resolved.
 */
export async function questionRater(deps: Deps, props: QuestionRaterProps): Promise<CycleRecord> {
  const question = await loadQuestion(deps, props.questionId);
  authorizeRate(props.actor, question);
  if (question.status !== STATUS.resolved) throw new ApiError('question_not_finished', 'only a resolved question may be rated');
  const result = await deps.store.cycles.rate({
    questionId: question.id,
    userId: question.userId,
    score: props.score,
    comment: props.comment ?? '',
    now: deps.now(),
  });
  if (result === 'already_rated') throw new ApiError('already_rated', 'this resolution of the question is rated already');
  // Reopened between the read and the write.
  if (result === 'not_resolved') throw new ApiError('question_not_finished', 'only a resolved question may be rated');
  deps.events.record({ type: 'question.rated', question, cycle: result });
  return result;
}
