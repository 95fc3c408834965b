/** Shared helpers of the store contract parts. */
import type { NewMessage, QuestionRecord, Store } from '../../../server/stores/types.js';

/** Opens a fresh, empty store; `destroy` closes it and removes its data. */
export type StoreFactory = () => Promise<{ store: Store; destroy: () => Promise<void> }>;
export type GetStore = () => Store;

/** A fixed clock origin, so ids (which embed the creation second) sort as the test intends. */
export const T0 = 1_732_790_000.25;

export async function newQuestion(store: Store, props: Partial<{ identify: string; userId: string; labels: string[]; now: number; title: string }> = {}): Promise<QuestionRecord> {
  return store.createQuestion({
    identify: props.identify ?? 'com.example.app',
    userId: props.userId ?? 'u1',
    title: props.title ?? 'Help',
    labels: props.labels ?? [],
    now: props.now ?? T0,
  });
}

/** Pending → in progress, served by servId. */
export async function serve(store: Store, questionId: string, servId: string, now = T0 + 1): Promise<QuestionRecord> {
  const result = await store.transition({
    questionId,
    from: [1],
    to: 2,
    setServId: servId,
    notice: { sender: servId, senderType: 2, action: 1 },
    now,
  });
  if (!result) throw new Error('serve failed');
  return result.question;
}

export function userText(questionId: string, text: string, extra: Partial<NewMessage> = {}): NewMessage {
  return { questionId, sender: 'u1', senderType: 1, type: 3, text, session: 'SESSION00001', summaryText: text, now: T0 + 2, ...extra };
}

export const USER_GUARD = { statuses: [1, 2] as (1 | 2 | 3)[], userId: 'u1' };
