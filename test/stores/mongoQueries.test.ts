/**
 * Query-shape tests of the MongoDB store, no server needed: each operation's query is built by a pure
 * function (server/stores/mongo/queries.ts); these tests assert the exact filter, update, sort, limit
 * and options, then build real Mongoose queries on an unopened connection (never executed) to show
 * what Mongoose would send after casting.
 */
import assert from 'node:assert/strict';
import mongoose, { Types } from 'mongoose';
import { connectionOptions } from '../../server/stores/mongo/connection.js';
import { createModels } from '../../server/stores/mongo/models.js';
import { claimQuery, countQueries, enqueueQuery, retryQuery } from '../../server/stores/mongo/outbox.js';
import * as Q from '../../server/stores/mongo/queries.js';
import type { TransitionWrite } from '../../server/stores/types.js';

/** Any of our models (their virtuals differ, which Model<any> would not accept). */
type AnyModel = mongoose.Model<any, any, any, any>;
const op = <T extends object>(value: T): T => mongoose.trusted(value) as T;
const QID = '65f000000000000000000001';
const MID = '65f0000000000000000000aa';
const models = createModels(mongoose.createConnection());

describe('MongoDB store: query shapes (no server)', () => {
  describe('connection', () => {
    it('fails fast, sanitizes filters, writes with majority concern, creates indexes explicitly', () => {
      assert.deepEqual(connectionOptions(), {
        bufferCommands: false,
        autoIndex: false,
        autoCreate: false,
        sanitizeFilter: true,
        serverSelectionTimeoutMS: 5000,
        writeConcern: { w: 'majority' },
        retryWrites: true,
      });
    });

    it('models live on their own connection, not the global mongoose default', () => {
      assert.equal(mongoose.models.Question, undefined);
      assert.notEqual(models.Question.db, mongoose.connection);
    });
  });

  describe('injection safety', () => {
    it('refuses an object where a scalar belongs, before any query exists', () => {
      const attack = { $ne: '' } as unknown as string;
      assert.throws(() => Q.byId(attack), TypeError);
      assert.throws(() => Q.listQuestions({ label: attack }, { num: 1, offset: 0, sort: 1 }), TypeError);
      assert.throws(() => Q.listQuestions({ status: { $gt: 0 } as never }, { num: 1, offset: 0, sort: 1 }), TypeError);
      assert.throws(() => Q.byObjectId('65f00000000000000000000z'), TypeError);
      assert.throws(() => Q.messageByClientId('S', { $exists: true } as never), TypeError);
    });

    it('our operators survive sanitizeFilter; anything else is neutralised into $eq', () => {
      const spec = Q.listQuestions({ status: 1, identifies: ['com.a'] }, { num: 5, offset: 0, sort: -1, after: QID });
      const expected = { status: 1, identify: op({ $in: ['com.a'] }), _id: op({ $lt: new Types.ObjectId(QID) }) };
      assert.deepEqual(mongoose.sanitizeFilter(spec.filter), expected);
      assert.deepEqual(mongoose.sanitizeFilter({ _id: { $ne: '' } }), { _id: { $eq: { $ne: '' } } });
    });

    it('strictQuery throws on a path the schema does not know, instead of dropping it', () => {
      assert.throws(() => models.Question.find({ stauts: 1 }).cast(), /stauts/);
    });
  });

  describe('questions', () => {
    const page = { num: 20, offset: 40, sort: -1 as const };

    it('lists the queue of some apps by exact label equality, newest first, offset paging', () => {
      const spec = Q.listQuestions({ status: 1, identifies: ['com.a', 'com.b'], label: '激活.*' }, page);
      assert.deepEqual(spec, {
        filter: { status: 1, identify: op({ $in: ['com.a', 'com.b'] }), labels: '激活.*' },
        sort: { _id: -1 },
        skip: 40,
        limit: 20,
      });
      // An equality on the array: no regex, no operator, whatever the label's characters.
      assert.equal(typeof spec.filter.labels, 'string');
      const query = models.Question.find(spec.filter).sort(spec.sort!).skip(spec.skip!).limit(spec.limit!);
      assert.deepEqual(query.getFilter(), spec.filter);
      assert.deepEqual(query.getOptions(), { sort: { _id: -1 }, skip: 40, limit: 20 });
    });

    it('continues after a cursor in the chosen order and ignores the offset', () => {
      assert.deepEqual(Q.listQuestions({ servId: 's1', status: 2 }, { ...page, sort: 1, after: QID }), {
        filter: { status: 2, serv_id: 's1', _id: op({ $gt: new Types.ObjectId(QID) }) },
        sort: { _id: 1 },
        skip: 0,
        limit: 20,
      });
      assert.deepEqual(Q.listQuestions({ userId: 'u1' }, { ...page, after: QID }).filter, { user_id: 'u1', _id: op({ $lt: new Types.ObjectId(QID) }) });
    });

    it('casts a question id to an ObjectId', () => {
      const query = models.Question.findOne(Q.byObjectId(QID).filter);
      query.cast();
      assert.ok(query.getFilter()._id instanceof Types.ObjectId);
      assert.equal(String(query.getFilter()._id), QID);
    });

    it('scans timeouts with a projection of ids and a limit', () => {
      assert.deepEqual(Q.scanTimeouts({ pendingSince: 10, idleSince: 20, finishRequestedSince: 30, limit: 100 }), {
        pending: { filter: { status: 1, status_at: op({ $lt: 10 }) }, projection: { _id: 1 }, limit: 100 },
        idle: { filter: { status: 2, last_activity_at: op({ $lt: 20 }) }, projection: { _id: 1 }, limit: 100 },
        finishRequested: { filter: { status: 2, finish_requested_at: op({ $lt: 30 }) }, projection: { _id: 1 }, limit: 100 },
      });
    });
  });

  describe('transitions', () => {
    const serve: TransitionWrite = {
      questionId: QID,
      from: [1],
      to: 2,
      setServId: 's1',
      notice: { sender: 's1', senderType: 2, action: 1 },
      now: 100.5,
    };

    it('serve: filters on status 1 and sets serv_id and status 2 and the next seq in one update', () => {
      const spec = Q.transition(serve, null);
      const query = models.Question.findOneAndUpdate(spec.filter, spec.update!, spec.options);
      assert.deepEqual(spec, {
        filter: { _id: new Types.ObjectId(QID), status: op({ $in: [1] }) },
        update: [
          {
            $set: {
              status: 2,
              status_at: { $cond: [{ $eq: ['$status', 2] }, '$status_at', 100.5] },
              last_activity_at: 100.5,
              last_seq: { $add: ['$last_seq', 1] },
              finish_requested_at: null,
              serv_id: { $literal: 's1' },
            },
          },
        ],
        options: { returnDocument: 'after', updatePipeline: true },
      });
      assert.deepEqual(query.getFilter(), spec.filter);
      assert.deepEqual(query.getUpdate(), spec.update);
      assert.equal(query.getOptions().returnDocument, 'after');
    });

    it('puts every guard in the filter: agent, user, finish request, sweeper times', () => {
      const spec = Q.transition(
        { ...serve, from: [1, 2], to: 3, servId: null, userId: 'u1', finishRequested: true, statusBefore: 1, lastActivityBefore: 2, setServId: undefined },
        null,
      );
      assert.deepEqual(spec.filter, {
        _id: new Types.ObjectId(QID),
        status: op({ $in: [1, 2] }),
        serv_id: null,
        user_id: 'u1',
        finish_requested_at: op({ $type: 'number' }),
        status_at: op({ $lt: 1 }),
        last_activity_at: op({ $lt: 2 }),
      });
      assert.equal('serv_id' in (spec.update as { $set: object }[])[0]!.$set, false);
      const finish = Q.transition({ ...serve, from: [2], to: 3, finishRequested: true, finishRequestedBefore: 9 }, null);
      assert.deepEqual(finish.filter.finish_requested_at, op({ $lt: 9 }));
      const ask = Q.transition({ ...serve, from: [2], to: 2, servId: 's1', setServId: undefined, finishRequest: 'set' }, null);
      assert.equal((ask.update as { $set: Record<string, unknown> }[])[0]!.$set.finish_requested_at, 100.5);
    });

    it('without transactions, appends the notice to pending in the same write, its strings as literals', () => {
      const notice = Q.messageDoc({ id: MID, questionId: QID, seq: 0, sender: '$last_seq', sender_type: 2, type: 4, created_at: 100.5, action: 1 });
      const stages = Q.transition(serve, notice).update as object[];
      assert.equal(stages.length, 2);
      assert.deepEqual(stages[1], {
        $set: {
          pending: {
            $concatArrays: [
              { $ifNull: ['$pending', []] },
              [{ seq: '$last_seq', _id: new Types.ObjectId(MID), question: new Types.ObjectId(QID), sender: { $literal: '$last_seq' }, sender_type: 2, type: 4, created_at: 100.5, action: 1 }],
            ],
          },
        },
      });
    });
  });

  describe('messages', () => {
    const input = { questionId: QID, sender: 'u1', senderType: 1 as const, type: 3 as const, text: '$where', session: 'SESSION00001', summaryText: '$where', now: 7 };

    it('appends: guard in the filter, seq by $add, last-message fields as literals, user clears a finish request', () => {
      const spec = Q.appendMessage(input, { statuses: [1, 2], userId: 'u1' }, null);
      assert.deepEqual(spec, {
        filter: { _id: new Types.ObjectId(QID), status: op({ $in: [1, 2] }), user_id: 'u1' },
        update: [
          {
            $set: {
              last_seq: { $add: ['$last_seq', 1] },
              last_activity_at: 7,
              last_mess_text: { $literal: '$where' },
              last_mess_timestamp: 7,
              last_mess_sender: { $literal: 'u1' },
              last_mess_sender_type: 1,
              finish_requested_at: null,
            },
          },
        ],
        options: { returnDocument: 'after', updatePipeline: true },
      });
      const agent = Q.appendMessage({ ...input, sender: 's1', senderType: 2 }, { statuses: [2], servId: 's1' }, null);
      assert.deepEqual(agent.filter, { _id: new Types.ObjectId(QID), status: op({ $in: [2] }), serv_id: 's1' });
      assert.equal('finish_requested_at' in (agent.update as { $set: object }[])[0]!.$set, false);
    });

    it('looks up a retry by (session, client_msg_id), the unique idempotency key', () => {
      const spec = Q.messageByClientId('SESSION00001', 'c-1');
      assert.deepEqual(spec, { filter: { session: 'SESSION00001', client_msg_id: 'c-1' } });
      assert.deepEqual(models.Message.findOne(spec.filter).getFilter(), spec.filter);
    });

    it('lists by seq: cursor in the chosen direction, bounded by the settled last seq', () => {
      assert.deepEqual(Q.listMessages(QID, { num: 10, offset: 20, sort: 1 }), {
        filter: { question: new Types.ObjectId(QID) },
        sort: { seq: 1 },
        skip: 20,
        limit: 10,
      });
      assert.deepEqual(Q.listMessages(QID, { num: 10, offset: 20, sort: -1, afterSeq: 5 }, 9), {
        filter: { question: new Types.ObjectId(QID), seq: op({ $lt: 5, $lte: 9 }) },
        sort: { seq: -1 },
        skip: 0,
        limit: 10,
      });
    });

    it('settles a pending message by pulling it by id', () => {
      const spec = Q.settlePending(QID, MID);
      assert.deepEqual(spec, { filter: { _id: new Types.ObjectId(QID) }, update: { $pull: { pending: { _id: new Types.ObjectId(MID) } } } });
      const query = models.Question.updateOne(spec.filter, spec.update!);
      assert.deepEqual(query.getUpdate(), spec.update);
    });
  });

  describe('accounts, templates', () => {
    it('upserts keep creation times and replace an agent\'s apps in one document write', () => {
      assert.deepEqual(Q.upsertApp({ identify: 'com.a', name: 'A', createdAt: 5 }), {
        filter: { _id: 'com.a' },
        update: { $set: { name: 'A' }, $setOnInsert: { created_at: 5 } },
        options: { upsert: true },
      });
      assert.deepEqual(Q.upsertAgent({ servId: 's1', passwordHash: 'h', name: 'S', identifies: ['a', 'b', 'a'] }).update, {
        $set: { password_hash: 'h', name: 'S', identifies: ['a', 'b'] },
      });
      assert.deepEqual(Q.agentsOfApp('com.a'), { filter: { identifies: 'com.a' }, sort: { _id: 1 } });
    });

    it('binds and unbinds sessions conditionally', () => {
      assert.deepEqual(Q.bindSession('S1', 's1'), { filter: { _id: 'S1' }, update: { $set: { serv_id: 's1' } } });
      assert.deepEqual(Q.unbindSession('S1', 's1'), { filter: { _id: 'S1', serv_id: 's1' }, update: { $set: { serv_id: null } } });
      assert.deepEqual(Q.userSessions('u1', 'com.a'), { filter: { user_id: 'u1', identify: 'com.a' }, sort: { _id: 1 } });
    });

    it('lists templates of some apps and pages items of one template', () => {
      assert.deepEqual(Q.listTemplates(['com.a']), { filter: { identify: op({ $in: ['com.a'] }) }, sort: { _id: 1 } });
      assert.deepEqual(Q.listItems(QID, { num: 5, offset: 0, sort: 1, after: MID }), {
        filter: { template: new Types.ObjectId(QID), _id: op({ $gt: new Types.ObjectId(MID) }) },
        sort: { _id: 1 },
        skip: 0,
        limit: 5,
      });
    });
  });

  describe('every query against its schema', () => {
    const write: TransitionWrite = {
      questionId: QID, from: [1, 2], to: 3, servId: 's1', userId: 'u1', finishRequested: true, statusBefore: 1,
      lastActivityBefore: 2, finishRequestedBefore: 3, setServId: null, finishRequest: 'set',
      notice: { sender: 'system', senderType: 2, action: 5 }, now: 9,
    };
    const message = { questionId: QID, sender: 'u1', senderType: 1 as const, type: 3 as const, text: 't', session: 'S', summaryText: 't', now: 1 };
    const page = { num: 1, offset: 0, sort: 1 as const, after: MID };

    it('casts every filter without an unknown path (strictQuery would throw)', () => {
      const cases: [AnyModel, Q.QuerySpec][] = [
        [models.Question, Q.transition(write, null)],
        [models.Question, Q.appendMessage(message, { statuses: [2], userId: 'u1', servId: 's1' }, null)],
        [models.Question, Q.listQuestions({ status: 1, identifies: ['a'], userId: 'u', servId: 's', label: 'l' }, page)],
        ...Object.values(Q.scanTimeouts({ pendingSince: 1, idleSince: 1, finishRequestedSince: 1, limit: 1 })).map((s): [AnyModel, Q.QuerySpec] => [models.Question, s]),
        [models.Message, Q.listMessages(QID, { num: 1, offset: 0, sort: 1, afterSeq: 1 }, 5)],
        [models.Message, Q.messageByClientId('S', 'c')],
        [models.Session, Q.unbindSession('S', 's')],
        [models.Session, Q.userSessions('u', 'a')],
        [models.Agent, Q.agentsOfApp('a')],
        [models.Template, Q.listTemplates(['a'])],
        [models.Item, Q.listItems(QID, page)],
        [models.Outbox, claimQuery(1, 1)],
        [models.Outbox, countQueries.pending],
      ];
      for (const [model, spec] of cases) assert.doesNotThrow(() => model.find(spec.filter).cast(), JSON.stringify(spec.filter));
    });

    it('sets only schema paths in update pipelines (pipelines bypass strict mode, so this test stands in)', () => {
      const stages = [
        ...(Q.transition(write, Q.messageDoc({ id: MID, questionId: QID, seq: 0, sender: 's', sender_type: 2, type: 4, created_at: 1, action: 5 })).update as { $set: object }[]),
        ...(Q.appendMessage(message, { statuses: [1] }, null).update as { $set: object }[]),
      ];
      for (const stage of stages) {
        for (const path of Object.keys(stage.$set)) assert.ok(models.Question.schema.path(path), `${path} is not in the question schema`);
      }
    });
  });

  describe('push outbox', () => {
    it('enqueues with $setOnInsert so an existing entry is untouched', () => {
      assert.deepEqual(enqueueQuery({ id: 'e1', payload: '{}', now: 3 }), {
        filter: { _id: 'e1' },
        update: { $setOnInsert: { payload: '{}', attempts: 0, next_attempt_at: 3, leased_until: null, created_at: 3, last_error: null } },
        options: { upsert: true },
      });
    });

    it('claims the oldest due, unleased entry and leases it in the same write', () => {
      const spec = claimQuery(100, 30);
      const query = models.Outbox.findOneAndUpdate(spec.filter, spec.update!, spec.options).sort(spec.sort!);
      assert.deepEqual(spec, {
        filter: { next_attempt_at: op({ $lte: 100 }), $or: [{ leased_until: null }, { leased_until: op({ $lte: 100 }) }] },
        update: { $set: { leased_until: 130 } },
        sort: { next_attempt_at: 1 },
        options: { returnDocument: 'after' },
      });
      assert.deepEqual(query.getOptions().sort, { next_attempt_at: 1 });
      assert.deepEqual(mongoose.sanitizeFilter(spec.filter), spec.filter);
    });

    it('retries by releasing the lease; counts pending and dead', () => {
      assert.deepEqual(retryQuery('e1', { attempts: 2, nextAttemptAt: null, error: 'x'.repeat(900) }).update, {
        $set: { attempts: 2, next_attempt_at: null, leased_until: null, last_error: 'x'.repeat(500) },
      });
      assert.deepEqual(countQueries.pending.filter, { next_attempt_at: op({ $type: 'number' }) });
      assert.deepEqual(countQueries.dead.filter, { next_attempt_at: null });
    });
  });
});
