/** Small rules about one conversation and the lists, kept out of components so they are tested. */

/** What these rules need of a message. */
export interface NoticeLike {
  type: number;
  action?: number;
}

/** The agent asked to finish and nothing happened since: the last notice is action 3. */
export function finishRequested(messages: readonly NoticeLike[]): boolean {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.type === 4) return m.action === 3;
  }
  return false;
}

/** What ordering by activity needs of a question summary. */
export interface Active {
  timestamp: number;
  last_mess_timestamp: number | null;
}

/** When something last happened: the last message, else the asking. */
export const lastActivity = (q: Active) => q.last_mess_timestamp ?? q.timestamp;

/** Most recent activity first (Mine). */
export function byActivity<T extends Active>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => lastActivity(b) - lastActivity(a));
}
