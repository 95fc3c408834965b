/**
 * Ratings of resolution cycles (issue 13), kept out of components so they are tested: where the
 * customer's rating form stands for the resolution on screen, and the desk's cycle list fed by
 * `question:rated`.
 */
import type { Cycle, Rating } from '../../../shared/schemas/responses.js';

/** What these rules need of a timeline entry. */
export interface NoticeEntry {
  type: number;
  seq?: number;
  action?: number;
}

/** The longest comment the API takes. */
export const COMMENT_MAX = 500;

/**
 * The resolution the conversation ends with: the seq of its last notice when that notice resolved
 * the question (4 finished, 5 timed out), else null (not resolved, or reopened since). A reopen
 * starts a new cycle, whose resolution has a later seq, so the seq names the cycle's resolution
 * without the user being able to read the cycle list.
 */
export function resolutionMark(messages: readonly NoticeEntry[]): number | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.type !== 4) continue;
    return (m.action === 4 || m.action === 5) && typeof m.seq === 'number' ? m.seq : null;
  }
  return null;
}

/** What the page remembers of a rating it sent: which resolution, and the score when it knows it. */
export interface RatedMark {
  mark: number;
  score: number | null;
}

/** Where the customer's rating stands for the question on screen. */
export type ChatRating =
  | { phase: 'none' }
  | { phase: 'form' }
  | { phase: 'rated'; score: number | null };

/**
 * `none` until the question is resolved (status 3); `rated` when this page rated (or was told it
 * had rated) this resolution; else the form. The server stays the judge: a second rating from
 * another device answers 409 already_rated, which the page records as rated.
 */
export function chatRating(status: number, mark: number | null, stored: RatedMark | undefined): ChatRating {
  if (status !== 3) return { phase: 'none' };
  if (stored && (mark === null || stored.mark === mark)) return { phase: 'rated', score: stored.score };
  return { phase: 'form' };
}

/** A score is a whole 1–5 and a comment at most 500 characters; the reason otherwise. */
export function ratingProblem(score: number | null, comment: string): 'score' | 'comment' | null {
  if (score === null || !Number.isInteger(score) || score < 1 || score > 5) return 'score';
  if ([...comment].length > COMMENT_MAX) return 'comment';
  return null;
}

/** A question:rated event applied to a question's cycles (unknown cycles wait for the reload). */
export function applyRated(cycles: readonly Cycle[], event: { cycle: number; rating: Rating }): Cycle[] {
  return cycles.map((c) => (c.cycle === event.cycle ? { ...c, rating: event.rating } : c));
}

/** "★★★★☆" for a score, for sighted readers; the label says the number. */
export const stars = (score: number) => '★'.repeat(score) + '☆'.repeat(5 - score);
