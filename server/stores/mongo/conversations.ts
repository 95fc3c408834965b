/**
 * Questions, their transitions and their messages in MongoDB. Races resolve in MongoDB: every state
 * change is one conditional findOneAndUpdate with the status in its filter, seq comes from the same
 * atomic write on the question, and unique indexes on (question, seq) and (session, client_msg_id)
 * back ordering and idempotency. Each write records its outbox event with it (writes.ts).
 */
import { MESSAGE_TYPE, STATUS, type QuestionStatus } from '../../../shared/limits.js';
import { isObjectId, newObjectId } from '../objectId.js';
import type {
  AppendResult,
  ConversationStore,
  MessageRecord,
  NewMessage,
  NewQuestion,
  Page,
  QuestionFilter,
  QuestionRecord,
  QuestionSummaryRecord,
  SendGuard,
  TimeoutScan,
  TransitionRefusal,
  TransitionResult,
  TransitionWrite,
} from '../types.js';
import { MongoCycles } from './cycles.js';
import type { ClientKeyDoc, MessageDoc, PendingEventDoc, QuestionDoc, UserDoc } from './models.js';
import { IN_FLIGHT_GRACE_S } from './outbox.js';
import * as Q from './queries.js';
import { findAll, findFirst } from './reads.js';
import { isDuplicateKey, newEvent, toMessage, toQuestion, toSummary } from './records.js';
import { giveBack, loadsOf, pruneSeats, seatAgent, settleSeats, type SeatOutcome } from './seats.js';
import { assertStorable, inSession, insertWithEvent, settleQuestion, writeWithMessage, type CompanionWrites, type WriteContext } from './writes.js';

/** How long a retry waits for the attempt holding its client message key, and how often it looks. */
const KEY_WAIT_MS = 5_000;
const KEY_POLL_MS = 20;
/** A key outlives any live writer by far; MongoDB's TTL monitor removes one a crashed writer left. */
const KEY_TTL_S = 3_600;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The agent that must take a seat for this write: the one a question enters in-progress with,
 * unless it was already serving it (request_finish). Null when the question leaves or stays out of
 * anyone's hands.
 */
function seatTaker(write: TransitionWrite, previous: { status: QuestionStatus; servId: string | null }): string | null {
  if (write.to !== STATUS.inProgress) return null;
  const servId = write.setServId !== undefined ? write.setServId : (write.servId ?? previous.servId);
  if (servId === null) return null;
  return previous.status === STATUS.inProgress && previous.servId === servId ? null : servId;
}

/**
 * A seat refused inside the write: `full` is the agent at capacity; `held` is a seat for this very
 * question held by another attempt of the same agent still in flight (that attempt decides), or left
 * by a crashed one (pruned after the grace period).
 */
class SeatRefused extends Error {
  constructor(readonly outcome: 'full' | 'held') {
    super(`seat ${outcome}`);
  }
}

function refusalOf(outcome: TransitionResult | null | 'full' | 'held'): TransitionResult | TransitionRefusal {
  if (outcome === 'full') return 'at_capacity';
  if (outcome === 'held') return null;
  return outcome;
}

export class MongoConversations implements ConversationStore {
  constructor(
    private readonly ctx: WriteContext,
    private readonly cycles: MongoCycles = new MongoCycles(ctx),
  ) {}

  private get models() {
    return this.ctx.models;
  }

  async createQuestion(input: NewQuestion): Promise<QuestionRecord> {
    const id = Q.oid(newObjectId(input.now * 1000));
    const doc: QuestionDoc = {
      _id: id,
      identify: input.identify,
      user_id: input.userId,
      title: input.title,
      labels: input.labels,
      status: 1,
      serv_id: null,
      created_at: input.now,
      status_at: input.now,
      last_activity_at: input.now,
      finish_requested_at: null,
      last_seq: 0,
      last_mess_text: null,
      last_mess_timestamp: null,
      last_mess_sender: null,
      last_mess_sender_type: null,
      pending: [],
    };
    const event = newEvent({ _id: id, type: 'question.created', question: id, message: null, previous: null, to: null, created_at: input.now });
    let created: QuestionDoc | undefined;
    await insertWithEvent(this.ctx, event, async (session) => {
      const [saved] = await this.models.Question.create([doc], inSession(session));
      created = saved!.toObject() as QuestionDoc;
      await this.cycles.openCycle(session, created, 1, input.now);
    });
    return toQuestion(created!);
  }

  async getQuestion(id: string): Promise<QuestionRecord | null> {
    if (!isObjectId(id)) return null;
    const doc = await findFirst<QuestionDoc>(this.models.Question, { ...Q.byObjectId(id), projection: Q.WITHOUT_PENDING });
    return doc ? toQuestion(doc) : null;
  }

  async listQuestions(filter: QuestionFilter, page: Page): Promise<QuestionRecord[]> {
    return (await findAll<QuestionDoc>(this.models.Question, Q.listQuestions(filter, page))).map(toQuestion);
  }

  /**
   * The page, then its users by _id: two round trips, the reads the lists always made here. A
   * $lookup would make them one; not tried without a server to check its plan on.
   */
  async listQuestionSummaries(filter: QuestionFilter, page: Page): Promise<QuestionSummaryRecord[]> {
    const questions = await this.listQuestions(filter, page);
    if (questions.length === 0) return [];
    const users = new Map((await findAll<UserDoc>(this.models.User, Q.byIds(questions.map((q) => q.userId)))).map((doc) => [doc._id, doc]));
    return questions.map((question) => toSummary(question, users.get(question.userId)));
  }

  async transition(write: TransitionWrite, previous: { status: QuestionStatus; servId: string | null }): Promise<TransitionResult | TransitionRefusal> {
    if (!isObjectId(write.questionId)) return null;
    const outcome = await this.transitionOnce(write, previous);
    // A refusal that a seat left by a crashed writer may have caused: drop those, then try once more.
    if ((outcome === 'full' || outcome === 'held') && (await pruneSeats(this.ctx, seatTaker(write, previous)!, write.now)) > 0) {
      return refusalOf(await this.transitionOnce(write, previous));
    }
    return refusalOf(outcome);
  }

  /**
   * One attempt: the agent the question goes to takes its seat (seats.ts), then the question write
   * and its notice, then the question's seat leaves the agents that no longer serve it.
   */
  private async transitionOnce(
    write: TransitionWrite,
    previous: { status: QuestionStatus; servId: string | null },
  ): Promise<TransitionResult | null | Exclude<SeatOutcome, 'taken' | 'absent'>> {
    const notice = Q.messageDoc({
      id: newObjectId(write.now * 1000),
      questionId: write.questionId,
      seq: 0, // assigned by the question write
      sender: write.notice.sender,
      sender_type: write.notice.senderType,
      type: MESSAGE_TYPE.notice,
      created_at: write.now,
      action: write.notice.action,
      from_serv_id: write.notice.fromServId,
      serv_id: write.notice.servId,
    });
    // The status a transition writes is write.to; its agent is the one it sets, else the one it kept.
    const to = { status: write.to, serv_id: write.setServId !== undefined ? write.setServId : previous.servId };
    const event = { type: 'question.transitioned' as const, previous: { status: previous.status, serv_id: previous.servId }, to, created_at: write.now };
    const servId = seatTaker(write, previous);
    const seat = servId === null ? null : { servId, questionId: write.questionId, at: write.now, limit: write.withinCapacity === true };
    let seated: SeatOutcome | null = null;
    const companions: CompanionWrites = {
      before: seat
        ? async (session) => {
            seated = await seatAgent(this.ctx, session, seat);
            if (seated === 'full' || seated === 'held') throw new SeatRefused(seated);
          }
        : undefined,
      after: async (session, question) => {
        await settleSeats(this.ctx, session, question);
        await this.cycles.afterTransition(session, question, write);
      },
    };
    try {
      const written = await writeWithMessage(this.ctx, (pending) => Q.transition(write, pending), notice, event, companions);
      if (written) return { question: toQuestion(written.question), notice: toMessage(written.message) };
      // Without transactions the seat was already written: the question went elsewhere, so give it back.
      if (!this.ctx.transactions && seat && seated === 'taken') await giveBack(this.ctx, seat);
      return null;
    } catch (error) {
      if (error instanceof SeatRefused) return error.outcome;
      throw error;
    }
  }

  async loadsOf(servIds: string[]): Promise<Map<string, number>> {
    return loadsOf(this.ctx, servIds);
  }

  async scanTimeouts(scan: TimeoutScan): Promise<{ pending: string[]; idle: string[]; finishRequested: string[] }> {
    const specs = Q.scanTimeouts(scan);
    const ids = async (spec: Q.QuerySpec) =>
      (await findAll<{ _id: QuestionDoc['_id'] }>(this.models.Question, spec)).map((d) => d._id.toHexString());
    const [pending, idle, finishRequested] = await Promise.all([ids(specs.pending), ids(specs.idle), ids(specs.finishRequested)]);
    return { pending, idle, finishRequested };
  }

  async queueDepths(): Promise<Map<string, number>> {
    const [apps, counts] = await Promise.all([
      findAll<{ _id: string }>(this.models.App, Q.allApps),
      this.models.Question.aggregate<{ _id: string; depth: number }>(Q.pendingPerApp).exec(),
    ]);
    const pending = new Map(counts.map((count) => [count._id, count.depth]));
    return new Map(apps.map((app) => [app._id, pending.get(app._id) ?? 0]));
  }

  async appendMessage(input: NewMessage, guard: SendGuard): Promise<AppendResult | null> {
    if (!isObjectId(input.questionId)) return null;
    const earlier = await this.duplicateOf(input);
    if (earlier) return earlier;
    const message = Q.messageDoc({
      id: newObjectId(input.now * 1000),
      questionId: input.questionId,
      seq: 0, // assigned by the question write
      sender: input.sender,
      sender_type: input.senderType,
      type: input.type,
      created_at: input.now,
      text: input.text,
      media_path: input.mediaPath,
      audio_len: input.audioLen,
      session: input.sessionDigest,
      client_msg_id: input.clientMsgId,
    });
    const event = { type: 'message.created' as const, previous: null, to: null, created_at: input.now };
    await assertStorable(this.ctx, message);
    if (!this.ctx.transactions && input.clientMsgId !== undefined) return this.appendKeyed(input, guard, message, event, input.clientMsgId);
    return this.append(input, guard, message, event);
  }

  private async append(input: NewMessage, guard: SendGuard, message: MessageDoc, event: PendingEventDoc): Promise<AppendResult | null> {
    try {
      const written = await writeWithMessage(this.ctx, (pending) => Q.appendMessage(input, guard, pending), message, event, {
        after: (session) => this.cycles.afterMessage(session, input),
      });
      if (!written) return null;
      return { message: toMessage(written.message), question: toQuestion(written.question), duplicate: false };
    } catch (error) {
      // Two retries of one client message raced past the lookup: with transactions the loser's
      // rolled back, seq included (without them the key reservation keeps a loser from getting this
      // far, bar a node of an older version). The idempotency index let one in: that is the answer.
      const winner = isDuplicateKey(error) ? await this.duplicateOf(input) : null;
      if (winner) return winner;
      throw error;
    }
  }

  /**
   * Retry-safe mode, a send with a client_msg_id: the key is reserved (a unique insert into
   * `client_keys`) before the question write spends a seq, so of racing retries only the holder
   * writes; the others wait for its message, settling its question to help, and answer it as the
   * duplicate. The holder releases the key only when the guard refused; a key left by a writer that
   * died before its question write is taken over after the grace period, and MongoDB's TTL monitor
   * removes the rest an hour later (the idempotency index guards from then on).
   */
  private async appendKeyed(input: NewMessage, guard: SendGuard, message: MessageDoc, event: PendingEventDoc, clientMsgId: string): Promise<AppendResult | null> {
    const keyId = Q.clientKeyId(input.sessionDigest, clientMsgId);
    const deadline = Date.now() + KEY_WAIT_MS;
    for (;;) {
      const holder = await this.reserveKey(keyId, message);
      if (holder === null) {
        const result = await this.append(input, guard, message, event);
        // Refused: nothing was written, and a later retry may be let in. A stored message keeps its
        // key until it expires, so a retry arriving meanwhile waits on it rather than on the index;
        // after an error the message may be pending, and the key stays for the same reason.
        if (result === null) await this.models.ClientKey.deleteOne(Q.releaseClientKey(keyId, message._id).filter).exec();
        return result;
      }
      const landed = await this.landedFor(holder);
      if (landed) return landed;
      if (Date.now() / 1000 - holder.created_at > IN_FLIGHT_GRACE_S) {
        // Its writer died before its question write (else settling would have found the message).
        await this.models.ClientKey.deleteOne(Q.releaseClientKey(keyId, holder.message).filter).exec();
        continue;
      }
      if (Date.now() > deadline) throw new Error('another attempt of this client message is still being written; retry later');
      await sleep(KEY_POLL_MS);
    }
  }

  /** Null when this attempt now holds the key; else the key another attempt holds (or held, if gone meanwhile: then try again). */
  private async reserveKey(keyId: string, message: MessageDoc): Promise<ClientKeyDoc | null> {
    const nowS = Date.now() / 1000;
    const key: ClientKeyDoc = { _id: keyId, message: message._id, question: message.question, created_at: nowS, expires_at: new Date((nowS + KEY_TTL_S) * 1000) };
    try {
      await this.models.ClientKey.create([key]);
      return null;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const holder = await findFirst<ClientKeyDoc>(this.models.ClientKey, Q.byId(keyId));
    // Released between our insert and this read: the holder is done, so its message (if any) is in.
    return holder ?? { ...key, created_at: 0 };
  }

  /** The holder's message, once its question write is settled; null while it is still on its way (or was refused). */
  private async landedFor(holder: ClientKeyDoc): Promise<AppendResult | null> {
    await settleQuestion(this.ctx, holder.question.toHexString());
    const doc = await findFirst<MessageDoc>(this.models.Message, Q.byObjectId(holder.message.toHexString()));
    if (!doc) return null;
    const question = await this.getQuestion(doc.question.toHexString());
    return question ? { message: toMessage(doc), question, duplicate: true } : null;
  }

  /** The message an earlier try with the same (session digest, client_msg_id) stored, if any. */
  private async duplicateOf(input: NewMessage): Promise<AppendResult | null> {
    if (input.clientMsgId === undefined) return null;
    const doc = await findFirst<MessageDoc>(this.models.Message, Q.messageByClientId(input.sessionDigest, input.clientMsgId));
    if (!doc) return null;
    const question = await this.getQuestion(doc.question.toHexString());
    return question ? { message: toMessage(doc), question, duplicate: true } : null;
  }

  async findMessageByClientId(sessionDigest: string, clientMsgId: string): Promise<MessageRecord | null> {
    const doc = await findFirst<MessageDoc>(this.models.Message, Q.messageByClientId(sessionDigest, clientMsgId));
    return doc ? toMessage(doc) : null;
  }

  async getMessage(id: string): Promise<MessageRecord | null> {
    if (!isObjectId(id)) return null;
    const doc = await findFirst<MessageDoc>(this.models.Message, Q.byObjectId(id));
    return doc ? toMessage(doc) : null;
  }

  async listMessages(questionId: string, page: Omit<Page, 'after'> & { afterSeq?: number }): Promise<MessageRecord[]> {
    if (!isObjectId(questionId)) return [];
    let maxSeq: number | undefined;
    if (!this.ctx.transactions) {
      const lastSeq = await settleQuestion(this.ctx, questionId);
      if (lastSeq === null) return [];
      maxSeq = lastSeq;
    }
    return (await findAll<MessageDoc>(this.models.Message, Q.listMessages(questionId, page, maxSeq))).map(toMessage);
  }
}
