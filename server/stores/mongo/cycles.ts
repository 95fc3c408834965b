/**
 * Cycle metrics in MongoDB: a `cycles` collection written inside the question writes they follow
 * (companion writes of writes.ts): with transactions in the same transaction; without, right after
 * the question write settled, in the retry-safe order (a crash in between loses that one count,
 * see docs/mongodb.md). A rating is one conditional update with its outbox event (insertWithEvent).
 */
import type { ClientSession } from 'mongoose';
import { STATUS } from '../../../shared/limits.js';
import { isObjectId, newObjectId } from '../objectId.js';
import { foldCycles } from '../reportFold.js';
import type { CycleReport, ReportGroupBy, CycleFacts, CycleRecord, CycleScan, CycleStore, NewMessage, NewRating, RatingRefusal, TransitionWrite } from '../types.js';
import * as C from './cycleQueries.js';
import type { CycleDoc, QuestionDoc } from './models.js';
import * as Q from './queries.js';
import { findAll, findFirst } from './reads.js';
import { newEvent } from './records.js';
import { inSession, insertWithEvent, type WriteContext } from './writes.js';

export function toCycle(doc: CycleDoc): CycleRecord {
  return {
    id: doc._id.toHexString(),
    questionId: doc.question.toHexString(),
    identify: doc.identify,
    n: doc.n,
    labels: doc.labels,
    startedAt: doc.started_at,
    servedAt: doc.served_at,
    firstResponseAt: doc.first_response_at,
    resolvedAt: doc.resolved_at,
    outcome: doc.outcome,
    userMessages: doc.user_messages,
    agentMessages: doc.agent_messages,
    agents: doc.agents,
    lastAgent: doc.last_agent,
    rating: doc.rated_at === null ? null : { score: doc.score!, comment: doc.comment ?? '', ratedAt: doc.rated_at },
  };
}

/** The rating matched nothing: thrown inside insertWithEvent so its event is not kept. */
class NotRated extends Error {
  constructor(readonly refusal: RatingRefusal) {
    super(refusal);
  }
}

export class MongoCycles implements CycleStore {
  constructor(private readonly ctx: WriteContext) {}

  private get Cycle() {
    return this.ctx.models.Cycle;
  }

  // ---- companion writes of the conversation store ----

  /** Starts cycle n of a question (its ask, or a reopen). */
  async openCycle(session: ClientSession | null, question: QuestionDoc, n: number, now: number): Promise<void> {
    const doc = C.newCycle({ id: newObjectId(now * 1000), question: question._id, n, identify: question.identify, labels: question.labels, now });
    await this.Cycle.create([doc], inSession(session));
  }

  /** The same rules as the SQLite store: reopen opens, in progress with an agent serves, resolved ends. */
  async afterTransition(session: ClientSession | null, question: QuestionDoc, write: TransitionWrite): Promise<void> {
    const id = question._id.toHexString();
    if (write.cycle?.opens) {
      const latest = await findFirst<CycleDoc>(this.Cycle, C.latestCycle(id), session);
      await this.openCycle(session, question, (latest?.n ?? 0) + 1, write.now);
    }
    if (question.status === STATUS.inProgress && question.serv_id !== null) await this.run(session, C.served(id, question.serv_id, write.now));
    if (question.status === STATUS.resolved) await this.run(session, C.resolved(id, write.cycle?.ends ?? 'finished', question.serv_id, write.now));
  }

  async afterMessage(session: ClientSession | null, input: NewMessage): Promise<void> {
    await this.run(session, C.counted(input));
  }

  private async run(session: ClientSession | null, spec: Q.QuerySpec): Promise<void> {
    await this.Cycle.updateOne(spec.filter, spec.update!, { ...spec.options, ...inSession(session) }).exec();
  }

  // ---- the subject ----

  async listCycles(questionId: string): Promise<CycleRecord[]> {
    if (!isObjectId(questionId)) return [];
    return (await findAll<CycleDoc>(this.Cycle, { filter: { question: Q.oid(questionId) }, sort: { n: 1 } })).map(toCycle);
  }

  async getCycle(id: string): Promise<CycleRecord | null> {
    if (!isObjectId(id)) return null;
    const doc = await findFirst<CycleDoc>(this.Cycle, Q.byObjectId(id));
    return doc ? toCycle(doc) : null;
  }

  async rate(rating: NewRating): Promise<CycleRecord | RatingRefusal> {
    if (!isObjectId(rating.questionId)) return 'not_resolved';
    const question = await findFirst<QuestionDoc>(this.ctx.models.Question, { ...Q.byObjectId(rating.questionId), projection: Q.WITHOUT_PENDING });
    if (!question || question.status !== STATUS.resolved || question.user_id !== rating.userId) return 'not_resolved';
    const latest = await findFirst<CycleDoc>(this.Cycle, C.latestCycle(rating.questionId));
    if (!latest || latest.resolved_at === null) return 'not_resolved';
    if (latest.rated_at !== null) return 'already_rated';
    const event = newEvent({ _id: latest._id, type: 'question.rated', question: question._id, message: null, previous: null, to: null, created_at: rating.now });
    let rated: CycleDoc | null = null;
    try {
      await insertWithEvent(this.ctx, event, async (session) => {
        const spec = C.rate(latest._id, rating);
        rated = await this.Cycle.findOneAndUpdate(spec.filter, spec.update!, { ...spec.options, ...inSession(session) }).lean<CycleDoc>().exec();
        if (!rated) throw new NotRated('already_rated');
      });
    } catch (error) {
      if (error instanceof NotRated) return error.refusal;
      // The event's _id is the cycle's: a second rating that raced this far collides on it.
      if ((error as { code?: number }).code === 11000) return 'already_rated';
      throw error;
    }
    return toCycle(rated!);
  }

  async reportCycles(scan: CycleScan, groupBy?: ReportGroupBy): Promise<CycleReport> {
    // The facts come through cycles_report, folded here as the SQLite store folds them in its statement.
    return foldCycles(await this.scanCycles({ ...scan, labels: groupBy === 'label' }), groupBy);
  }

  async scanCycles(scan: CycleScan): Promise<CycleFacts[]> {
    const docs = await findAll<CycleDoc>(this.Cycle, C.scan(scan));
    return docs.map((d) => ({
      startedAt: d.started_at,
      n: d.n,
      servedAt: d.served_at,
      firstResponseAt: d.first_response_at,
      resolvedAt: d.resolved_at,
      outcome: d.outcome,
      lastAgent: d.last_agent,
      labels: scan.labels ? d.labels : [],
      score: d.score,
    }));
  }
}
