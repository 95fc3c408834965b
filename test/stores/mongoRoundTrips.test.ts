/**
 * Round trips of the MongoDB store per operation, recorded against a scripted connection, not a
 * server: every model method the store calls is intercepted, recorded and answered from a script
 * (documents are still validated by the real schemas). The counts asserted here are the ones
 * docs/mongodb.md lists. A transaction's commit is one more round trip, recorded by the scripted
 * session; a real driver may add retries, which no recording can show.
 */
import assert from 'node:assert/strict';
import mongoose, { Types } from 'mongoose';
import { sessionDigest } from '../../server/domain/sessionTokens.js';
import { MongoAccounts } from '../../server/stores/mongo/accounts.js';
import { MongoConversations } from '../../server/stores/mongo/conversations.js';
import { createModels, type Models } from '../../server/stores/mongo/models.js';
import { IN_FLIGHT_GRACE_S, MongoOutbox } from '../../server/stores/mongo/outbox.js';
import { settleQuestion, type WriteContext } from '../../server/stores/mongo/writes.js';
import type { NewMessage } from '../../server/stores/types.js';

const real = createModels(mongoose.createConnection());
const QID = '65f000000000000000000001';
const DIGEST = sessionDigest('SESSION00001');
const OPS = new Set(['find', 'findOne', 'findOneAndUpdate', 'findOneAndDelete', 'updateOne', 'updateMany', 'deleteOne', 'deleteMany', 'exists', 'countDocuments', 'create', 'insertMany', 'bulkWrite']);

interface Call { model: string; op: string; args: unknown[] }
type Script = (call: Call) => unknown;

/** An update pipeline's value with `$literal` wrappers removed: what the server would store. */
function unliteral(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Types.ObjectId) return value;
  if ('$literal' in (value as object)) return (value as { $literal: unknown }).$literal;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unliteral(v)]));
}

/** The question a conditional question write returns: with the pending entry its pipeline appended (retry-safe mode). */
function questionAfter(call: Call) {
  const stages = call.args[1] as Array<{ $set: Record<string, unknown> }>;
  const appended = stages[1]?.$set.pending as { $concatArrays: [unknown, Array<Record<string, unknown>>] } | undefined;
  const entry = appended ? (unliteral(appended.$concatArrays[1][0]) as Record<string, unknown>) : undefined;
  return {
    _id: new Types.ObjectId(QID), identify: 'com.a', user_id: 'u1', title: 'T', labels: [], status: 2, serv_id: 's1', created_at: 1, status_at: 1,
    last_activity_at: 2, finish_requested_at: null, last_seq: 1, last_mess_text: null, last_mess_timestamp: null, last_mess_sender: null,
    last_mess_sender_type: null, pending: entry ? [{ ...entry, seq: 1 }] : [],
  };
}

/** The default script: the answers a healthy database gives to a first, unraced write. */
const healthy: Script = (call) => {
  if (call.op === 'findOneAndUpdate' && call.model === 'Question') return questionAfter(call);
  if (call.op === 'create') return (call.args[0] as unknown[]).map((doc) => ({ ...(doc as object), toObject() { return doc; } }));
  if (call.op === 'find') return [];
  if (call.op === 'findOne' && call.model === 'Question') return { _id: new Types.ObjectId(QID), last_seq: 3, pending: [] };
  if (call.op === 'findOne') return null;
  if (call.op === 'updateOne' || call.op === 'updateMany') return { matchedCount: 1, modifiedCount: 1 };
  return {};
};

/** The store's context over scripted models: each call recorded, then answered by `script` (after the real schema validated created documents). */
function recorded(transactions: boolean, script: Script = healthy) {
  const calls: Call[] = [];
  const models = Object.fromEntries(
    Object.entries(real).map(([name, model]) => [
      name,
      new Proxy(model, {
        get(target, prop, receiver) {
          if (typeof prop !== 'string' || !OPS.has(prop)) return Reflect.get(target, prop, receiver);
          return (...args: unknown[]) => {
            const call = { model: name, op: prop, args };
            calls.push(call);
            const answer = (async () => {
              if (prop === 'create') for (const doc of args[0] as object[]) await new (target as typeof real.Message)(doc).validate();
              return script(call);
            })();
            const chain = {
              sort: () => chain, skip: () => chain, limit: () => chain, session: () => chain, lean: () => chain,
              exec: () => answer,
              then: (resolve: (v: unknown) => unknown, reject: (e: unknown) => unknown) => answer.then(resolve, reject),
              catch: (reject: (e: unknown) => unknown) => answer.catch(reject),
            };
            return chain;
          };
        },
      }),
    ]),
  ) as unknown as Models;
  const connection = {
    startSession: async () => ({
      withTransaction: async (work: () => Promise<void>) => {
        await work();
        calls.push({ model: '-', op: 'commitTransaction', args: [] });
      },
      endSession: async () => undefined,
    }),
  } as unknown as mongoose.Connection;
  const ctx: WriteContext = { connection, models, transactions };
  return { ctx, calls, ops: () => calls.map((c) => `${c.model}.${c.op}`) };
}

const send = (extra: Partial<NewMessage> = {}): NewMessage => ({
  questionId: QID, sender: 'u1', senderType: 1, type: 3, text: 'hi', summaryText: 'hi', sessionDigest: DIGEST, cancelsFinishRequest: false, now: 2, ...extra,
});
const serve = { questionId: QID, from: [1 as const], to: 2 as const, setServId: 's1', notice: { sender: 's1', senderType: 2 as const, action: 1 as const }, now: 2 };
const serveWithinCapacity = { ...serve, withinCapacity: true };
const finish = { questionId: QID, from: [2 as const], to: 3 as const, servId: 's1', notice: { sender: 's1', senderType: 2 as const, action: 4 as const }, now: 2 };
/** The transfer row: in progress with s1, handed to s2 within its capacity, the notice naming both. */
const transfer = {
  questionId: QID, from: [2 as const], to: 2 as const, servId: 's1', setServId: 's2', withinCapacity: true,
  notice: { sender: 's1', senderType: 2 as const, action: 7 as const, fromServId: 's1', servId: 's2' }, now: 2,
};
/** The question write of a transfer returns the question served by s2. */
const transferred: Script = (call) => (call.model === 'Question' && call.op === 'findOneAndUpdate' ? { ...questionAfter(call), serv_id: 's2' } : healthy(call));
/** The agent holds as many seats as it may: its seat write matches nothing, and it holds none for this question. */
const seatsFull: Script = (call) => {
  if (call.model === 'Agent' && call.op === 'updateOne') return { matchedCount: 0, modifiedCount: 0 };
  if (call.model === 'Agent' && call.op === 'findOne') return { _id: 's1', serving: [{ q: new Types.ObjectId(), at: 1.9 }] };
  return healthy(call);
};
/** Another agent served the question first: the conditional question write matches nothing. */
const questionTaken: Script = (call) => (call.model === 'Question' && call.op === 'findOneAndUpdate' ? null : healthy(call));
const GUARD = { statuses: [1, 2] as Array<1 | 2 | 3>, userId: 'u1' };

describe('MongoDB store: round trips per operation (recorded against a scripted connection, not a server)', () => {
  describe('with transactions', () => {
    it("a send: the question write, the message, its event, its cycle's counts, the commit (5); with a client_msg_id one lookup first (6)", async () => {
      const plain = recorded(true);
      await new MongoConversations(plain.ctx).appendMessage(send(), GUARD);
      assert.deepEqual(plain.ops(), ['Question.findOneAndUpdate', 'Message.create', 'OutboxEvent.create', 'Cycle.updateOne', '-.commitTransaction']);
      const keyed = recorded(true);
      await new MongoConversations(keyed.ctx).appendMessage(send({ clientMsgId: 'c-1' }), GUARD);
      assert.deepEqual(keyed.ops(), ['Message.findOne', 'Question.findOneAndUpdate', 'Message.create', 'OutboxEvent.create', 'Cycle.updateOne', '-.commitTransaction']);
    });

    it("a serve: the agent's seat, the conditional question write, the notice, its event, the seat leaving other agents, its cycle, the commit (7)", async () => {
      const run = recorded(true);
      await new MongoConversations(run.ctx).transition(serve, { status: 1, servId: null });
      assert.deepEqual(run.ops(), ['Agent.updateOne', 'Question.findOneAndUpdate', 'Message.create', 'OutboxEvent.create', 'Agent.updateMany', 'Cycle.updateOne', '-.commitTransaction']);
    });

    it('a finish takes no seat: the question write, the notice, its event, its seat given up, its cycle ended, the commit (6)', async () => {
      const run = recorded(true, (call) =>
        call.model === 'Question' && call.op === 'findOneAndUpdate' ? { ...questionAfter(call), status: 3 } : healthy(call),
      );
      await new MongoConversations(run.ctx).transition(finish, { status: 2, servId: 's1' });
      assert.deepEqual(run.ops(), ['Question.findOneAndUpdate', 'Message.create', 'OutboxEvent.create', 'Agent.updateMany', 'Cycle.updateOne', '-.commitTransaction']);
      assert.deepEqual(run.calls[3]!.args.slice(0, 2), [{ 'serving.q': new Types.ObjectId(QID) }, { $pull: { serving: { q: new Types.ObjectId(QID) } } }]);
    });

    it('a serve at capacity: the seat write matches nothing, the agent read shows it full, the transaction aborts before the question write', async () => {
      const run = recorded(true, seatsFull);
      assert.equal(await new MongoConversations(run.ctx).transition(serveWithinCapacity, { status: 1, servId: null }), 'at_capacity');
      // The seat check, the read that tells "full" from "held", then the prune's read (no old seat to drop).
      assert.deepEqual(run.ops(), ['Agent.updateOne', 'Agent.findOne', 'Agent.findOne']);
    });

    it('a serve whose question write then matches nothing rolls its seat back with the transaction (no give-back write)', async () => {
      const run = recorded(true, questionTaken);
      assert.equal(await new MongoConversations(run.ctx).transition(serveWithinCapacity, { status: 1, servId: null }), null);
      assert.deepEqual(run.ops(), ['Agent.updateOne', 'Question.findOneAndUpdate']);
    });

    it("a transfer: the target's seat under its limit, the question write on the caller, the notice naming both, its event, the old seat leaving, its cycle, the commit (7)", async () => {
      const run = recorded(true, transferred);
      const result = await new MongoConversations(run.ctx).transition(transfer, { status: 2, servId: 's1' });
      assert.ok(result && typeof result === 'object');
      assert.deepEqual([result.notice.action, result.notice.fromServId, result.notice.servId], [7, 's1', 's2']);
      assert.deepEqual(run.ops(), ['Agent.updateOne', 'Question.findOneAndUpdate', 'Message.create', 'OutboxEvent.create', 'Agent.updateMany', 'Cycle.updateOne', '-.commitTransaction']);
      const [seatFilter] = run.calls[0]!.args as [Record<string, unknown>];
      assert.equal(seatFilter._id, 's2', 'the seat is the target’s');
      assert.ok('$expr' in seatFilter, "the target's limit is checked in the seat write itself");
      const questionFilter = JSON.parse(JSON.stringify(run.calls[1]!.args[0])) as Record<string, unknown>;
      assert.deepEqual([questionFilter.serv_id, questionFilter.status], ['s1', { $in: [2] }], 'only while the caller serves it');
      const [notice] = run.calls[2]!.args[0] as Array<Record<string, unknown>>;
      assert.deepEqual([notice!.action, notice!.from_serv_id, notice!.serv_id], [7, 's1', 's2']);
      assert.deepEqual(JSON.parse(JSON.stringify(run.calls[4]!.args[0])), { 'serving.q': QID, _id: { $ne: 's2' } });
    });

    it('a list of questions or of messages: one find each', async () => {
      const run = recorded(true);
      await new MongoConversations(run.ctx).listQuestions({ status: 1, identifies: ['com.a'] }, { num: 20, offset: 0, sort: -1 });
      await new MongoConversations(run.ctx).listMessages(QID, { num: 20, offset: 0, sort: 1 });
      assert.deepEqual(run.ops(), ['Question.find', 'Message.find']);
    });
    it('a page of summaries: the page, then its users in one find (the page alone when empty)', async () => {
      const question = { _id: new Types.ObjectId(QID), identify: 'com.a', user_id: 'u1', title: 'T', labels: ['x'], status: 1, created_at: 1, last_seq: 0, last_mess_timestamp: null };
      const run = recorded(true, (call) => {
        if (call.op === 'find' && call.model === 'Question') return [question, { ...question, _id: new Types.ObjectId(), user_id: 'gone' }];
        if (call.op === 'find' && call.model === 'User') return [{ _id: 'u1', name: 'Ann', image_url: 'https://img.example/a.png' }];
        return healthy(call);
      });
      const summaries = await new MongoConversations(run.ctx).listQuestionSummaries({ status: 1, identifies: ['com.a'] }, { num: 20, offset: 0, sort: -1 });
      assert.deepEqual(run.ops(), ['Question.find', 'User.find']);
      assert.deepEqual(JSON.parse(JSON.stringify(run.calls[1]!.args[0])), { _id: { $in: ['u1', 'gone'] } });
      assert.deepEqual(summaries.map((s) => s.user), [{ name: 'Ann', imageUrl: 'https://img.example/a.png' }, null]);
      assert.deepEqual(summaries[0]!.question, { id: QID, identify: 'com.a', userId: 'u1', title: 'T', labels: ['x'], createdAt: 1, lastMessage: null });
      const empty = recorded(true);
      assert.deepEqual(await new MongoConversations(empty.ctx).listQuestionSummaries({ status: 1 }, { num: 20, offset: 0, sort: -1 }), []);
      assert.deepEqual(empty.ops(), ['Question.find']);
    });
  });

  describe('retry-safe order (standalone)', () => {
    it("a serve: the agent's seat first, then the question write, notice, event, pull from pending, the seat leaving other agents, its cycle (7)", async () => {
      const run = recorded(false);
      await new MongoConversations(run.ctx).transition(serveWithinCapacity, { status: 1, servId: null });
      assert.deepEqual(run.ops(), ['Agent.updateOne', 'Question.findOneAndUpdate', 'Message.create', 'OutboxEvent.create', 'Question.updateOne', 'Agent.updateMany', 'Cycle.updateOne']);
      const [filter, update] = run.calls[0]!.args as [Record<string, unknown>, unknown];
      assert.equal(filter._id, 's1');
      assert.ok('$expr' in filter, 'the limit is checked in the seat write itself');
      assert.deepEqual(update, { $push: { serving: { q: new Types.ObjectId(QID), at: 2 } }, $set: { last_assigned_at: 2 } });
    });

    it('a serve whose question write matches nothing gives back exactly the seat it took', async () => {
      const run = recorded(false, questionTaken);
      assert.equal(await new MongoConversations(run.ctx).transition(serveWithinCapacity, { status: 1, servId: null }), null);
      assert.deepEqual(run.ops(), ['Agent.updateOne', 'Question.findOneAndUpdate', 'Agent.updateOne']);
      assert.deepEqual(run.calls[2]!.args.slice(0, 2), [{ _id: 's1' }, { $pull: { serving: { q: new Types.ObjectId(QID), at: 2 } } }]);
    });

    it('a serve refused by a seat a crashed writer left (older than the grace period, no question behind it) drops it and tries again', async () => {
      const stale = new Types.ObjectId();
      let seatWrites = 0;
      const run = recorded(false, (call) => {
        if (call.model === 'Agent' && call.op === 'updateOne' && '$push' in (call.args[1] as object)) {
          return { matchedCount: 0, modifiedCount: seatWrites++ === 0 ? 0 : 1 };
        }
        if (call.model === 'Agent' && call.op === 'findOne') return { _id: 's1', serving: [{ q: stale, at: 2 - IN_FLIGHT_GRACE_S - 1 }] };
        return healthy(call);
      });
      const result = await new MongoConversations(run.ctx).transition({ ...serveWithinCapacity, now: 2 }, { status: 1, servId: null });
      assert.ok(result && typeof result === 'object');
      assert.deepEqual(run.ops().slice(0, 6), ['Agent.updateOne', 'Agent.findOne', 'Agent.findOne', 'Question.find', 'Agent.updateOne', 'Agent.updateOne']);
      // The drop names the stale seat and repeats the age condition, so a seat taken meanwhile stays.
      assert.deepEqual(JSON.parse(JSON.stringify(run.calls[4]!.args[1])), { $pull: { serving: { q: { $in: [stale.toHexString()] }, at: { $lt: 2 - IN_FLIGHT_GRACE_S } } } });
    });

    it('a seat for the same question held by a fresh attempt of the same agent: refused (that attempt decides), nothing written', async () => {
      const run = recorded(false, (call) => {
        if (call.model === 'Agent' && call.op === 'updateOne') return { matchedCount: 0, modifiedCount: 0 };
        if (call.model === 'Agent' && call.op === 'findOne') return { _id: 's1', serving: [{ q: new Types.ObjectId(QID), at: 2 }] };
        return healthy(call);
      });
      assert.equal(await new MongoConversations(run.ctx).transition(serveWithinCapacity, { status: 1, servId: null }), null);
      assert.ok(!run.ops().includes('Question.findOneAndUpdate'));
    });

    it("a transfer that lost to a finish gives back exactly the target's seat it took", async () => {
      const run = recorded(false, questionTaken);
      assert.equal(await new MongoConversations(run.ctx).transition(transfer, { status: 2, servId: 's1' }), null);
      assert.deepEqual(run.ops(), ['Agent.updateOne', 'Question.findOneAndUpdate', 'Agent.updateOne']);
      assert.deepEqual(run.calls[2]!.args.slice(0, 2), [{ _id: 's2' }, { $pull: { serving: { q: new Types.ObjectId(QID), at: 2 } } }]);
    });

    it('a transfer: the pending entry and the notice it becomes carry from_serv_id and serv_id', async () => {
      const run = recorded(false, transferred);
      const result = await new MongoConversations(run.ctx).transition(transfer, { status: 2, servId: 's1' });
      assert.ok(result && typeof result === 'object');
      assert.deepEqual([result.notice.fromServId, result.notice.servId], ['s1', 's2']);
      const stages = run.calls[1]!.args[1] as Array<{ $set: Record<string, unknown> }>;
      const entry = unliteral((stages[1]!.$set.pending as { $concatArrays: [unknown, unknown[]] }).$concatArrays[1][0]) as Record<string, unknown>;
      assert.deepEqual([entry.action, entry.from_serv_id, entry.serv_id], [7, 's1', 's2']);
      const [created] = run.calls[2]!.args[0] as Array<Record<string, unknown>>;
      assert.deepEqual([created!.from_serv_id, created!.serv_id], ['s1', 's2']);
    });

    it("a send: the question write, the message, its event, the pull from pending, its cycle's counts (5)", async () => {
      const run = recorded(false);
      await new MongoConversations(run.ctx).appendMessage(send(), GUARD);
      assert.deepEqual(run.ops(), ['Question.findOneAndUpdate', 'Message.create', 'OutboxEvent.create', 'Question.updateOne', 'Cycle.updateOne']);
    });

    it('a send with a client_msg_id: the lookup and the key reservation come first (7); a refused one releases its key', async () => {
      const run = recorded(false);
      await new MongoConversations(run.ctx).appendMessage(send({ clientMsgId: 'c-1' }), GUARD);
      assert.deepEqual(run.ops(), ['Message.findOne', 'ClientKey.create', 'Question.findOneAndUpdate', 'Message.create', 'OutboxEvent.create', 'Question.updateOne', 'Cycle.updateOne']);
      const refused = recorded(false, (call) => (call.op === 'findOneAndUpdate' ? null : healthy(call)));
      assert.equal(await new MongoConversations(refused.ctx).appendMessage(send({ clientMsgId: 'c-1' }), GUARD), null);
      assert.deepEqual(refused.ops(), ['Message.findOne', 'ClientKey.create', 'Question.findOneAndUpdate', 'ClientKey.deleteOne']);
    });

    it('a retry racing the holder of its key never writes the question: it settles and answers the holder\'s message', async () => {
      const holderMessage = new Types.ObjectId();
      const stored = { _id: holderMessage, question: new Types.ObjectId(QID), seq: 1, sender: 'u1', sender_type: 1, type: 3, created_at: 2, text: 'hi' };
      const run = recorded(false, (call) => {
        if (call.model === 'ClientKey' && call.op === 'create') throw Object.assign(new Error('E11000'), { code: 11000 });
        if (call.model === 'ClientKey' && call.op === 'findOne') return { _id: 'k', message: holderMessage, question: new Types.ObjectId(QID), created_at: Date.now() / 1000 };
        if (call.model === 'Message' && call.op === 'findOne' && (call.args[0] as { _id?: unknown })._id) return stored;
        if (call.model === 'Question' && call.op === 'findOne' && call.args[1] && 'pending' in (call.args[1] as object) && (call.args[1] as { pending: number }).pending === 0)
          return questionAfter({ model: 'Question', op: 'findOneAndUpdate', args: [{}, [{ $set: {} }]] });
        return healthy(call);
      });
      const result = await new MongoConversations(run.ctx).appendMessage(send({ clientMsgId: 'c-1' }), GUARD);
      assert.equal(result!.duplicate, true);
      assert.equal(result!.message.id, holderMessage.toHexString());
      assert.ok(!run.ops().includes('Question.findOneAndUpdate'), 'the loser spent no seq');
      assert.deepEqual(run.ops(), ['Message.findOne', 'ClientKey.create', 'ClientKey.findOne', 'Question.findOne', 'Message.findOne', 'Question.findOne']);
    });

    it('a message the schema refuses fails before any write (no seq spent, nothing pending)', async () => {
      const run = recorded(false);
      await assert.rejects(new MongoConversations(run.ctx).appendMessage(send({ text: 'x'.repeat(100_000) }), GUARD), mongoose.Error.ValidationError);
      assert.deepEqual(run.ops(), []);
    });

    it('an unstorable pending entry (left by an older version) is dropped by the settle, not rethrown on every read', async () => {
      const poison = { _id: new Types.ObjectId(), question: new Types.ObjectId(QID), seq: 1, sender: 'u1', sender_type: 1, type: 9, created_at: 2 };
      const run = recorded(false, (call) => (call.model === 'Question' && call.op === 'findOne' ? { _id: new Types.ObjectId(QID), last_seq: 1, pending: [poison] } : healthy(call)));
      assert.equal(await settleQuestion(run.ctx, QID), 1);
      assert.deepEqual(run.ops(), ['Question.findOne', 'Message.create', 'Question.updateOne']);
      assert.deepEqual(run.calls[2]!.args[1], { $pull: { pending: { _id: poison._id } } });
    });

    it('a list of messages settles first: the question read, then one find (2); a list of questions is one find', async () => {
      const run = recorded(false);
      await new MongoConversations(run.ctx).listMessages(QID, { num: 20, offset: 0, sort: 1 });
      await new MongoConversations(run.ctx).listQuestions({ userId: 'u1' }, { num: 20, offset: 0, sort: -1 });
      assert.deepEqual(run.ops(), ['Question.findOne', 'Message.find', 'Question.find']);
    });
  });

  describe('outbox and recipients (either mode)', () => {
    it('claims deliveries in three: candidates, one updateMany by token, one find of the token; enqueues in one bulkWrite', async () => {
      const run = recorded(true, (call) => (call.op === 'find' && run.calls.length === 1 ? [{ _id: 'd1' }, { _id: 'd2' }] : healthy(call)));
      await new MongoOutbox(run.ctx).claimDeliveries(60, 20);
      await new MongoOutbox(run.ctx).enqueueDeliveries([{ id: 'd3', payload: '{}' }, { id: 'd4', payload: '{}' }]);
      assert.deepEqual(run.ops(), ['Outbox.find', 'Outbox.updateMany', 'Outbox.find', 'Outbox.bulkWrite']);
      // The lease is an update pipeline, declared to Mongoose, so $$NOW is the server's.
      assert.deepEqual(run.calls[1]!.args[2], { updatePipeline: true });
    });

    it('claims in two when none of the candidates was free (the updateMany modified none): no read-back', async () => {
      const run = recorded(true, (call) => {
        if (call.op === 'find' && run.calls.length === 1) return [{ _id: 'd1' }];
        if (call.op === 'updateMany') return { matchedCount: 1, modifiedCount: 0 };
        return healthy(call);
      });
      assert.deepEqual(await new MongoOutbox(run.ctx).claimDeliveries(60, 20), []);
      assert.deepEqual(run.ops(), ['Outbox.find', 'Outbox.updateMany']);
    });

    it('claims events in three with transactions; standalone adds one look for unsettled questions', async () => {
      const tx = recorded(true, (call) => (call.op === 'find' && tx.calls.length === 1 ? [{ _id: new Types.ObjectId() }] : healthy(call)));
      await new MongoOutbox(tx.ctx).claimEvents(60, 20);
      assert.deepEqual(tx.ops(), ['OutboxEvent.find', 'OutboxEvent.updateMany', 'OutboxEvent.find']);
      const standalone = recorded(false);
      await new MongoOutbox(standalone.ctx).claimEvents(60, 20);
      assert.deepEqual(standalone.ops(), ['Question.find', 'OutboxEvent.find']);
    });

    it("the bound sessions of all of an app's agents: one find with $in, whatever the number of agents", async () => {
      const run = recorded(true);
      await new MongoAccounts(run.ctx).listAgentSessions(['s1', 's2', 's3', 's4']);
      assert.deepEqual(run.ops(), ['Session.find']);
      assert.deepEqual([...(run.calls[0]!.args[0] as { serv_id: { $in: string[] } }).serv_id.$in], ['s1', 's2', 's3', 's4']);
    });
  });
});
