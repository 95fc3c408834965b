/**
 * The queries of cycle metrics (cycles.ts), pure like queries.ts so tests assert their exact shape.
 * Every write names one cycle: the question's open one (resolved_at null, the highest n) or, for a
 * rating, the latest one by its `_id` once read.
 */
import mongoose, { type Types } from 'mongoose';
import { SENDER_TYPE } from '../../../shared/limits.js';
import type { CycleScan, NewMessage, NewRating, Seconds } from '../types.js';
import type { CycleDoc } from './models.js';
import { AFTER, n, oid, s, type QuerySpec } from './queries.js';

const { trusted } = mongoose;

/** A new cycle (the ask, or a reopen) with nothing counted yet. */
export function newCycle(fields: { id: string; question: Types.ObjectId; n: number; identify: string; labels: string[]; now: Seconds }): CycleDoc {
  return {
    _id: oid(fields.id),
    question: fields.question,
    n: n(fields.n),
    identify: s(fields.identify),
    labels: fields.labels.map(s),
    started_at: n(fields.now),
    served_at: null,
    first_response_at: null,
    resolved_at: null,
    outcome: null,
    user_messages: 0,
    agent_messages: 0,
    agents: [],
    last_agent: null,
    score: null,
    comment: null,
    rated_at: null,
  };
}

/** The question's latest cycle (the open one while it is not resolved), from cycles_by_question. */
export const latestCycle = (questionId: string): QuerySpec => ({ filter: { question: oid(questionId) }, sort: { n: -1 } });

/** The question's open cycle, by the filter every counting write uses. */
const open = (questionId: string) => ({ question: oid(questionId), resolved_at: null });

/**
 * The cycle's first serve (kept if it has one: a quit and a later serve keep the first) and the
 * agent, added once to those involved. A pipeline, so "keep the first" is one atomic write.
 */
export function served(questionId: string, servId: string, now: Seconds): QuerySpec {
  const agent = { $literal: s(servId) };
  return {
    filter: open(questionId),
    update: [
      {
        $set: {
          served_at: { $ifNull: ['$served_at', n(now)] },
          last_agent: agent,
          agents: { $cond: [{ $in: [agent, '$agents'] }, '$agents', { $concatArrays: ['$agents', [agent]] }] },
        },
      },
    ],
    options: { updatePipeline: true },
  };
}

/** The open cycle ends with its outcome; the agent serving at the end (if any) is its last agent. */
export function resolved(questionId: string, outcome: string, servId: string | null, now: Seconds): QuerySpec {
  const set: Record<string, unknown> = { resolved_at: n(now), outcome: s(outcome) };
  if (servId !== null) set.last_agent = s(servId);
  return { filter: open(questionId), update: { $set: set } };
}

/** A chat message counted in the open cycle; an agent's first one is the cycle's first response. */
export function counted(input: NewMessage): QuerySpec {
  const agent = input.senderType === SENDER_TYPE.agent;
  if (!agent) return { filter: open(input.questionId), update: { $inc: { user_messages: 1 } } };
  return {
    filter: open(input.questionId),
    update: [{ $set: { agent_messages: { $add: ['$agent_messages', 1] }, first_response_at: { $ifNull: ['$first_response_at', n(input.now)] } } }],
    options: { updatePipeline: true },
  };
}

/** Rates one cycle (the latest, read first) only while it is resolved and not rated. */
export function rate(cycleId: Types.ObjectId, rating: NewRating): QuerySpec {
  return {
    filter: { _id: cycleId, resolved_at: trusted({ $ne: null }), rated_at: null },
    update: { $set: { score: n(rating.score), comment: s(rating.comment), rated_at: n(rating.now) } },
    options: AFTER,
  };
}

/** A report's cycles: one app, started in [from, to), through cycles_report. */
export function scan(range: CycleScan): QuerySpec {
  return {
    filter: { identify: s(range.identify), started_at: trusted({ $gte: n(range.from), $lt: n(range.to) }) },
    projection: { _id: 0, started_at: 1, n: 1, served_at: 1, first_response_at: 1, resolved_at: 1, outcome: 1, last_agent: 1, labels: 1, score: 1 },
  };
}
