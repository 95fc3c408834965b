/**
 * Capacity in MongoDB: each agent document holds one seat per question it serves (`serving`), and a
 * transition that puts a question in an agent's hands takes a seat first, in one conditional write
 * on the agent that also checks the limit (`$size` of the seats under `max_concurrent`). A
 * single-document write is atomic, so of 20 serves racing for an agent with 3 free seats exactly 3
 * get one, in both modes:
 *
 * - With transactions the seat, the question write and its notice are one transaction; two
 *   transactions seating the same agent conflict on its document, so the second retries and sees
 *   the first one's seat. A question write that then matches nothing rolls the seat back.
 * - Without (a standalone mongod) the seat is taken before the question write (the question write
 *   stays the commit point) and given back when that write matches nothing. A crash in between
 *   leaves a seat no question backs; it only ever makes the limit stricter, never looser, and one
 *   older than IN_FLIGHT_GRACE_S is pruned when it would refuse a serve (pruneSeats).
 *
 * After every transition the question's seat is given up by every agent that no longer serves it
 * (finish, quit, timeout, release), a state-based step that any later transition repeats. The load
 * the API shows is counted from the questions themselves (loadsOf), so a stale seat never shows.
 */
import mongoose, { Types, type ClientSession, type PipelineStage } from 'mongoose';
import { STATUS } from '../../../shared/limits.js';
import type { AgentDoc, QuestionDoc, SeatDoc } from './models.js';
import { IN_FLIGHT_GRACE_S } from './outbox.js';
import { n, oid, s, type QuerySpec } from './queries.js';
import { inSession, type WriteContext } from './writes.js';

const { trusted } = mongoose;

/** Seats free: no limit (0, or absent on agents from before issue 12), or fewer seats than the limit. */
export const HAS_FREE_SEAT = {
  $or: [
    { $lte: [{ $ifNull: ['$max_concurrent', 0] }, 0] },
    { $lt: [{ $size: { $ifNull: ['$serving', []] } }, '$max_concurrent'] },
  ],
};

/**
 * Takes a seat for the question unless the agent holds one already; with `limit`, only while one is
 * free. The same write records when the agent was last given a question (auto-assign's tie-break).
 */
export function takeSeat(servId: string, questionId: string, at: number, limit: boolean): QuerySpec {
  const filter: Record<string, unknown> = { _id: s(servId), 'serving.q': trusted({ $ne: oid(questionId) }) };
  if (limit) filter.$expr = trusted({ ...HAS_FREE_SEAT });
  return { filter, update: { $push: { serving: { q: oid(questionId), at: n(at) } }, $set: { last_assigned_at: n(at) } } };
}

/** Gives back exactly the seat one attempt took (retry-safe mode, its question write matched nothing). */
export function giveBackSeat(servId: string, questionId: string, at: number): QuerySpec {
  return { filter: { _id: s(servId) }, update: { $pull: { serving: { q: oid(questionId), at: n(at) } } } };
}

/** The question's seat leaves every agent but the one serving it now (every agent when nobody does). */
export function leaveSeats(questionId: string, servingNow: string | null): QuerySpec {
  const filter: Record<string, unknown> = { 'serving.q': oid(questionId) };
  if (servingNow !== null) filter._id = trusted({ $ne: s(servingNow) });
  return { filter, update: { $pull: { serving: { q: oid(questionId) } } } };
}

/** Of an agent's seats older than `before`, those whose question it no longer serves. */
export function backedSeats(servId: string, questionIds: Types.ObjectId[]): QuerySpec {
  return { filter: { _id: trusted({ $in: questionIds }), status: n(STATUS.inProgress), serv_id: s(servId) }, projection: { _id: 1 } };
}

export function dropSeats(servId: string, questionIds: Types.ObjectId[], before: number): QuerySpec {
  return {
    filter: { _id: s(servId) },
    update: { $pull: { serving: { q: trusted({ $in: questionIds }), at: trusted({ $lt: n(before) }) } } },
  };
}

/** In progress per agent, counted on questions_by_serv. */
export function loadsPipeline(servIds: string[]): PipelineStage[] {
  return [
    { $match: { serv_id: { $in: [...new Set(servIds.map(s))] }, status: STATUS.inProgress } },
    { $group: { _id: '$serv_id', load: { $sum: 1 } } },
  ];
}

/**
 * `taken`: this write took the seat; `held`: the agent holds one for this question already (another
 * attempt in flight, or one a crash left); `full`: no seat free; `absent`: no such agent document.
 */
export type SeatOutcome = 'taken' | 'held' | 'full' | 'absent';

export async function seatAgent(
  ctx: WriteContext,
  session: ClientSession | null,
  seat: { servId: string; questionId: string; at: number; limit: boolean },
): Promise<SeatOutcome> {
  const q = takeSeat(seat.servId, seat.questionId, seat.at, seat.limit);
  const written = await ctx.models.Agent.updateOne(q.filter, q.update!, inSession(session)).exec();
  if (written.modifiedCount === 1) return 'taken';
  const query = ctx.models.Agent.findOne({ _id: s(seat.servId) }, { serving: 1 });
  if (session) query.session(session);
  const agent = await query.lean<Pick<AgentDoc, '_id' | 'serving'>>().exec();
  if (!agent) return 'absent';
  return (agent.serving ?? []).some((held) => held.q.equals(seat.questionId)) ? 'held' : 'full';
}

export async function giveBack(ctx: WriteContext, seat: { servId: string; questionId: string; at: number }): Promise<void> {
  const q = giveBackSeat(seat.servId, seat.questionId, seat.at);
  await ctx.models.Agent.updateOne(q.filter, q.update!).exec();
}

/** After the question write: its seat stays only with the agent serving it now. */
export async function settleSeats(ctx: WriteContext, session: ClientSession | null, question: Pick<QuestionDoc, '_id' | 'status' | 'serv_id'>): Promise<void> {
  const servingNow = question.status === STATUS.inProgress ? question.serv_id : null;
  const q = leaveSeats(question._id.toHexString(), servingNow);
  await ctx.models.Agent.updateMany(q.filter, q.update!, inSession(session)).exec();
}

/**
 * Drops the agent's seats that no question backs and that are older than the grace period (a
 * writer that crashed between its seat and its question write, or between a finish and giving its
 * seat up). Returns how many it dropped, so a refused serve knows whether trying again can help.
 */
export async function pruneSeats(ctx: WriteContext, servId: string, now: number): Promise<number> {
  const agent = await ctx.models.Agent.findOne({ _id: s(servId) }, { serving: 1 }).lean<Pick<AgentDoc, '_id' | 'serving'>>().exec();
  const before = now - IN_FLIGHT_GRACE_S;
  const old = (agent?.serving ?? []).filter((seat: SeatDoc) => seat.at < before).map((seat) => seat.q);
  if (old.length === 0) return 0;
  const backed = backedSeats(servId, old);
  const live = new Set(
    (await ctx.models.Question.find(backed.filter, backed.projection).lean<Array<{ _id: Types.ObjectId }>>().exec()).map((q) => q._id.toHexString()),
  );
  const stale = old.filter((q) => !live.has(q.toHexString()));
  if (stale.length === 0) return 0;
  const q = dropSeats(servId, stale, before);
  await ctx.models.Agent.updateOne(q.filter, q.update!).exec();
  return stale.length;
}

export async function loadsOf(ctx: WriteContext, servIds: string[]): Promise<Map<string, number>> {
  const loads = new Map(servIds.map((servId) => [servId, 0]));
  if (servIds.length === 0) return loads;
  const rows = await ctx.models.Question.aggregate<{ _id: string; load: number }>(loadsPipeline(servIds)).exec();
  for (const row of rows) loads.set(row._id, row.load);
  return loads;
}
