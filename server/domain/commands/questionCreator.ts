import type { Deps } from '../../deps.js';
import type { QuestionRecord } from '../../stores/types.js';
import type { Actor } from '../actor.js';

export interface QuestionCreatorProps {
  actor: Actor;
  title: string;
  labels: string[];
}

/** A user asks a question in the app of its session; it enters that app's queue as pending. */
export async function questionCreator(deps: Deps, props: QuestionCreatorProps): Promise<QuestionRecord> {
  const question = await deps.store.conversations.createQuestion({
    identify: props.actor.identify,
    userId: props.actor.userId,
    title: props.title,
    labels: props.labels,
    now: deps.now(),
  });
  deps.events.record({ type: 'question.created', question });
  return question;
}
