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
import { legacy, devicePayload, hashedSession } from '../../server/stores/mongo/migrations.js';
import type { ChangeDoc } from '../../server/stores/mongo/models.js';
import { contiguousChanges, IN_FLIGHT_GRACE_S } from '../../server/stores/mongo/outbox.js';
import * as NQ from '../../server/stores/mongo/noteQueries.js';
import * as Q from '../../server/stores/mongo/queries.js';
import * as Seats from '../../server/stores/mongo/seats.js';
import { sessionDigest } from '../../server/domain/sessionTokens.js';
import type { NewMessage, TransitionWrite } from '../../server/stores/types.js';

/** Any of our models (their virtuals differ, which Model<any> would not accept). */
type AnyModel = mongoose.Model<any, any, any, any>;
const op = <T extends object>(value: T): T => mongoose.trusted(value) as T;
const QID = '65f000000000000000000001';
const MID = '65f0000000000000000000aa';
const models = createModels(mongoose.createConnection());
const DIGEST = sessionDigest('SESSION00001');

/** The partialFilterExpression of a declared index, by name. */
function partialFilter(model: AnyModel, name: string): Record<string, Record<string, unknown>> {
  const found = model.schema.indexes().find(([, options]) => options.name === name);
  assert.ok(found, `no index ${name}`);
  const partial = found[1].partialFilterExpression as Record<string, Record<string, unknown>> | undefined;
  assert.ok(partial, `${name} is not partial`);
  return partial;
}

/**
 * The planner uses a partial index only when it can prove the query's filter implies the index's
 * filter; the simplest proof is the same predicate in the query, which is what these builders do.
 */
function assertUsesPartial(filter: Record<string, unknown>, model: AnyModel, name: string): void {
  for (const [path, condition] of Object.entries(partialFilter(model, name))) {
    const clause = filter[path] as Record<string, unknown> | undefined;
    assert.ok(clause && typeof clause === 'object', `${name}: the filter has no condition on ${path}`);
    for (const [operator, value] of Object.entries(condition)) {
      assert.deepEqual(clause[operator], value, `${name}: the filter lacks ${path}.${operator}`);
    }
  }
}

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
        // The retry-safe mode's pending entries never leave the database in a list.
        projection: { pending: 0 },
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
        projection: { pending: 0 },
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
        finishRequested: { filter: { status: 2, finish_requested_at: op({ $gte: 0, $lt: 30 }) }, projection: { _id: 1 }, limit: 100 },
      });
    });

    it('counts queue depths by matching the status prefix of questions_queue and grouping by identify', () => {
      assert.deepEqual(Q.pendingPerApp, [{ $match: { status: 1 } }, { $group: { _id: '$identify', depth: { $sum: 1 } } }]);
      const queueIndex = models.Question.schema.indexes().find(([, options]) => options.name === 'questions_queue');
      assert.deepEqual(Object.keys(queueIndex![0]).slice(0, 2), ['status', 'identify']);
      assert.deepEqual(Q.allApps, { filter: {}, projection: { _id: 1 } });
    });

    it('the finish-request scan repeats the partial filter of its index, so the planner can use it', () => {
      const scan = Q.scanTimeouts({ pendingSince: 10, idleSince: 20, finishRequestedSince: 30, limit: 100 });
      assertUsesPartial(scan.finishRequested.filter, models.Question, 'questions_finish_requested');
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
        finish_requested_at: op({ $gte: 0 }),
        status_at: op({ $lt: 1 }),
        last_activity_at: op({ $lt: 2 }),
      });
      assert.equal('serv_id' in (spec.update as { $set: object }[])[0]!.$set, false);
      const finish = Q.transition({ ...serve, from: [2], to: 3, finishRequested: true, finishRequestedBefore: 9 }, null);
      assert.deepEqual(finish.filter.finish_requested_at, op({ $lt: 9 }));
      const ask = Q.transition({ ...serve, from: [2], to: 2, servId: 's1', setServId: undefined, finishRequest: 'set' }, null);
      assert.equal((ask.update as { $set: Record<string, unknown> }[])[0]!.$set.finish_requested_at, 100.5);
    });

    it('auto-assign: never to the agent that quit it ($ne matches a question nobody quit), and the quitter recorded or cleared as a literal', () => {
      const assign = Q.transition({ ...serve, withinCapacity: true, notQuitBy: 's1', setQuitServId: null }, null);
      assert.deepEqual(assign.filter, { _id: new Types.ObjectId(QID), status: op({ $in: [1] }), quit_serv_id: op({ $ne: 's1' }) });
      assert.equal((assign.update as { $set: Record<string, unknown> }[])[0]!.$set.quit_serv_id, null);
      const quit = Q.transition({ ...serve, from: [2], to: 1, servId: 's1', setServId: null, setQuitServId: '$s1' }, null);
      assert.deepEqual((quit.update as { $set: Record<string, unknown> }[])[0]!.$set.quit_serv_id, { $literal: '$s1' });
      assert.equal('quit_serv_id' in (Q.transition(serve, null).update as { $set: object }[])[0]!.$set, false);
      // The filter casts against the schema (strictQuery would throw on an unknown path).
      assert.doesNotThrow(() => models.Question.find(assign.filter).cast());
    });

    it('without transactions, appends the notice and its event to pending in the same write, strings as literals', () => {
      const notice = Q.messageDoc({ id: MID, questionId: QID, seq: 0, sender: '$last_seq', sender_type: 2, type: 4, created_at: 100.5, action: 1 });
      const event = { type: 'question.transitioned' as const, previous: { status: 1, serv_id: '$serv_id' }, to: { status: 2, serv_id: '$x' }, created_at: 100.5 };
      const stages = Q.transition(serve, { ...notice, event }).update as object[];
      assert.equal(stages.length, 2);
      assert.deepEqual(stages[1], {
        $set: {
          pending: {
            $concatArrays: [
              { $ifNull: ['$pending', []] },
              [
                {
                  seq: '$last_seq',
                  _id: new Types.ObjectId(MID),
                  question: new Types.ObjectId(QID),
                  sender: { $literal: '$last_seq' },
                  sender_type: 2,
                  type: 4,
                  created_at: 100.5,
                  action: 1,
                  event: {
                    type: { $literal: 'question.transitioned' },
                    previous: { status: 1, serv_id: { $literal: '$serv_id' } },
                    to: { status: 2, serv_id: { $literal: '$x' } },
                    created_at: 100.5,
                  },
                },
              ],
            ],
          },
        },
      });
    });
  });

  describe('messages', () => {
    const input: NewMessage = {
      questionId: QID, sender: 'u1', senderType: 1, type: 3, text: '$where', sessionDigest: DIGEST, summaryText: '$where', cancelsFinishRequest: true, now: 7,
    };

    it('appends: guard in the filter, seq by $add, last-message fields as literals, the finish request cleared as the domain decided', () => {
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
      const agent = Q.appendMessage({ ...input, sender: 's1', senderType: 2, cancelsFinishRequest: false }, { statuses: [2], servId: 's1' }, null);
      assert.deepEqual(agent.filter, { _id: new Types.ObjectId(QID), status: op({ $in: [2] }), serv_id: 's1' });
      assert.equal('finish_requested_at' in (agent.update as { $set: object }[])[0]!.$set, false);
      // The store applies the domain's decision, whoever the sender: a user message may keep it too.
      const keeps = Q.appendMessage({ ...input, cancelsFinishRequest: false }, { statuses: [2], userId: 'u1' }, null);
      assert.equal('finish_requested_at' in (keeps.update as { $set: object }[])[0]!.$set, false);
    });

    it('looks up a retry by (session digest, client_msg_id), the unique idempotency key, on its partial index', () => {
      const spec = Q.messageByClientId(DIGEST, 'c-1');
      assert.deepEqual(spec, { filter: { session: DIGEST, client_msg_id: op({ $eq: 'c-1', $exists: true }) } });
      assert.deepEqual(models.Message.findOne(spec.filter).getFilter(), spec.filter);
      assertUsesPartial(spec.filter, models.Message, 'messages_idempotency');
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

    it('finds questions a crashed writer left a pending message on, through the partial questions_unsettled index', () => {
      const spec = Q.unsettledQuestions(70, 20);
      assert.deepEqual(spec, { filter: { 'pending.created_at': op({ $gte: 0, $lt: 70 }) }, projection: { _id: 1 }, limit: 20 });
      assertUsesPartial(spec.filter, models.Question, 'questions_unsettled');
      assert.doesNotThrow(() => models.Question.find(spec.filter).cast());
    });

    it('settles a pending message by pulling it by id', () => {
      const spec = Q.settlePending(QID, MID);
      assert.deepEqual(spec, { filter: { _id: new Types.ObjectId(QID) }, update: { $pull: { pending: { _id: new Types.ObjectId(MID) } } } });
      const query = models.Question.updateOne(spec.filter, spec.update!);
      assert.deepEqual(query.getUpdate(), spec.update);
    });
  });

  describe('notes', () => {
    it('takes the next note number and reads the last seq in one findOneAndUpdate on the question', () => {
      assert.deepEqual(NQ.takeNotePlace(QID), {
        filter: { _id: new Types.ObjectId(QID) },
        update: { $inc: { last_note_seq: 1 } },
        projection: { last_seq: 1, last_note_seq: 1 },
        options: { returnDocument: 'after' },
      });
      const spec = NQ.takeNotePlace(QID);
      assert.doesNotThrow(() => models.Question.findOneAndUpdate(spec.filter, spec.update).cast());
    });

    it('looks up a retry by (session digest, client_msg_id) on the partial notes_idempotency index', () => {
      const spec = NQ.noteByClientId(DIGEST, 'n-1');
      assert.deepEqual(spec, { filter: { session: DIGEST, client_msg_id: op({ $eq: 'n-1', $exists: true }) } });
      assertUsesPartial(spec.filter, models.Note, 'notes_idempotency');
      assert.throws(() => NQ.noteByClientId(DIGEST, { $gt: '' } as never), TypeError);
    });

    it('lists in note-number order: after a message by place, after a note by number, and mirrored before', () => {
      const question = new Types.ObjectId(QID);
      assert.deepEqual(NQ.listNotes(QID, { sort: 1, num: 5 }), { filter: { question }, sort: { note_seq: 1 }, limit: 5 });
      assert.deepEqual(NQ.listNotes(QID, { sort: 1, num: 5, from: [3, 0] }).filter, { question, after_seq: op({ $gte: 3 }) });
      assert.deepEqual(NQ.listNotes(QID, { sort: 1, num: 5, from: [3, 2] }).filter, { question, note_seq: op({ $gt: 2 }) });
      assert.deepEqual(NQ.listNotes(QID, { sort: -1, num: 5, from: [3, 0] }), { filter: { question, after_seq: op({ $lt: 3 }) }, sort: { note_seq: -1 }, limit: 5 });
      assert.deepEqual(NQ.listNotes(QID, { sort: -1, num: 5, from: [3, 2] }).filter, { question, note_seq: op({ $lt: 2 }) });
      assert.throws(() => NQ.listNotes(QID, { sort: 1, num: 5, from: [{ $gt: 0 } as never, 0] }), TypeError);
      for (const range of [{ sort: 1 as const, num: 1, from: [1, 0] as const }, { sort: -1 as const, num: 1, from: [1, 1] as const }]) {
        assert.doesNotThrow(() => models.Note.find(NQ.listNotes(QID, range).filter).cast());
      }
    });

    it('stores notes apart from messages: no message type 5, and a note document is checked by its own schema', async () => {
      assert.equal((models.Message.schema.path('type') as unknown as { enumValues: number[] }).enumValues.includes(5), false);
      const good = { _id: new Types.ObjectId(MID), question: new Types.ObjectId(QID), after_seq: 0, note_seq: 1, sender: 's1', created_at: 1, text: 'x', session: DIGEST };
      await new models.Note(good).validate();
      await assert.rejects(new models.Note({ ...good, text: 'x'.repeat(4001) }).validate());
      await assert.rejects(new models.Note({ ...good, session: 'SESSION00001' }).validate(), 'a token is never stored, only its digest');
    });
  });

  describe('accounts, templates', () => {
    it('upserts keep creation times; an agent upsert replaces its apps in one write and returns it as it was', () => {
      assert.deepEqual(Q.upsertApp({ identify: 'com.a', name: 'A', createdAt: 5 }), {
        filter: { _id: 'com.a' },
        update: { $set: { name: 'A' }, $setOnInsert: { created_at: 5 } },
        options: { upsert: true },
      });
      // A routing is set only when given (left out, the app keeps its own; new apps get the schema's 'manual').
      assert.deepEqual(Q.upsertApp({ identify: 'com.a', name: 'A', createdAt: 5, routing: 'auto' }).update, { $set: { name: 'A', routing: 'auto' }, $setOnInsert: { created_at: 5 } });
      assert.equal(new models.App({ _id: 'com.a', name: 'A', created_at: 5 }).routing, 'manual');
      assert.deepEqual(Q.upsertAgent({ servId: 's1', passwordHash: 'h', name: 'S', identifies: ['a', 'b', 'a'], maxConcurrent: 3 }), {
        filter: { _id: 's1' },
        update: { $set: { password_hash: 'h', name: 'S', identifies: ['a', 'b'], max_concurrent: 3, role: 'agent' }, $setOnInsert: { serving: [] } },
        options: { upsert: true, returnDocument: 'before' },
      });
      assert.equal((Q.upsertAgent({ servId: 's1', passwordHash: 'h', name: 'S', identifies: [], maxConcurrent: 0, role: 'supervisor' }).update as { $set: { role: string } }).$set.role, 'supervisor');
      assert.deepEqual(Q.agentsOfApp('com.a'), { filter: { identifies: 'com.a' }, sort: { _id: 1 } });
    });

    it('binds and unbinds sessions by digest, conditionally; touches only move last_used_at forward', () => {
      assert.deepEqual(Q.bindSession(DIGEST, 's1'), { filter: { _id: DIGEST }, update: { $set: { serv_id: 's1' } } });
      assert.deepEqual(Q.unbindSession(DIGEST, 's1'), { filter: { _id: DIGEST, serv_id: 's1' }, update: { $set: { serv_id: null } } });
      assert.deepEqual(Q.userSessions('u1', 'com.a'), { filter: { identify: 'com.a', user_id: 'u1' }, sort: { _id: 1 } });
      assert.deepEqual(Q.touchSession(DIGEST, 50.5), { filter: { _id: DIGEST }, update: { $max: { last_used_at: 50.5 } } });
    });

    it("lists several agents' bound sessions in one $in on the partial sessions_by_serv index", () => {
      const spec = Q.boundSessions(['s1', 's2', 's1']);
      assert.deepEqual(spec, { filter: { serv_id: op({ $in: ['s1', 's2'], $gt: '' }) }, sort: { _id: 1 } });
      assertUsesPartial(spec.filter, models.Session, 'sessions_by_serv');
      assert.deepEqual(mongoose.sanitizeFilter(spec.filter), spec.filter);
    });

    it('upsertAgent with endBindings and deleteAgent: read the bound sessions, unbind exactly those while still bound', () => {
      const other = sessionDigest('SESSION00002');
      assert.deepEqual(Q.unbindSessions('s1', [DIGEST, other]), {
        filter: { _id: op({ $in: [DIGEST, other] }), serv_id: 's1' },
        update: { $set: { serv_id: null } },
      });
      assert.throws(() => Q.unbindSessions('s1', [{ $ne: '' } as never]), TypeError);
    });

    it('deleteApp cascade: its sessions by the app-first index, its templates and their items, its agents, the app', () => {
      const tid = new Types.ObjectId(MID);
      assert.deepEqual(Q.deleteApp.sessions('com.a'), { filter: { identify: 'com.a' }, sort: { _id: 1 } });
      assert.deepEqual(Q.deleteApp.templates('com.a'), { filter: { identify: 'com.a' }, projection: { _id: 1 } });
      assert.deepEqual(Q.deleteApp.items([tid]), { filter: { template: op({ $in: [tid] }) } });
      assert.deepEqual(Q.deleteApp.deleteTemplates('com.a'), { filter: { identify: 'com.a' } });
      assert.deepEqual(Q.deleteApp.deleteSessions([DIGEST]), { filter: { _id: op({ $in: [DIGEST] }) } });
      assert.deepEqual(Q.deleteApp.agents('com.a'), { filter: { identifies: 'com.a' }, update: { $pull: { identifies: 'com.a' } } });
      // The app's sessions are found through the prefix of sessions_by_user {identify, user_id, _id}.
      const [fields] = models.Session.schema.indexes().find(([, o]) => o.name === 'sessions_by_user')!;
      assert.deepEqual(Object.keys(fields), ['identify', 'user_id', '_id']);
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

    it('media: the files document by id once, then its chunks in order', () => {
      assert.deepEqual(Q.mediaFile(QID), { filter: { _id: new Types.ObjectId(QID) } });
      assert.throws(() => Q.mediaFile('../etc/passwd'), TypeError);
      assert.deepEqual(Q.mediaChunks(new Types.ObjectId(QID)), { filter: { files_id: new Types.ObjectId(QID) }, sort: { n: 1 } });
    });
  });

  describe('every query against its schema', () => {
    const write: TransitionWrite = {
      questionId: QID, from: [1, 2], to: 3, servId: 's1', userId: 'u1', finishRequested: true, statusBefore: 1,
      lastActivityBefore: 2, finishRequestedBefore: 3, setServId: null, finishRequest: 'set', notQuitBy: 's2', setQuitServId: 's1',
      notice: { sender: 'system', senderType: 2, action: 5 }, now: 9,
    };
    const message: NewMessage = {
      questionId: QID, sender: 'u1', senderType: 1, type: 3, text: 't', sessionDigest: DIGEST, summaryText: 't', cancelsFinishRequest: true, now: 1,
    };
    const page = { num: 1, offset: 0, sort: 1 as const, after: MID };
    const events = Q.claimEvents(1, 1, 0);
    const deliveries = Q.claimDeliveries(1, 1, 0);
    const oids = [new Types.ObjectId(MID)];

    it('casts every filter without an unknown path (strictQuery would throw)', () => {
      const cases: [AnyModel, Q.QuerySpec][] = [
        [models.Question, Q.transition(write, null)],
        [models.Question, Q.appendMessage(message, { statuses: [2], userId: 'u1', servId: 's1' }, null)],
        [models.Question, Q.listQuestions({ status: 1, identifies: ['a'], userId: 'u', servId: 's', label: 'l' }, page)],
        ...Object.values(Q.scanTimeouts({ pendingSince: 1, idleSince: 1, finishRequestedSince: 1, limit: 1 })).map((s): [AnyModel, Q.QuerySpec] => [models.Question, s]),
        [models.Question, Q.settlePending(QID, MID)],
        [models.Message, Q.listMessages(QID, { num: 1, offset: 0, sort: 1, afterSeq: 1 }, 5)],
        [models.Message, Q.messageByClientId(DIGEST, 'c')],
        [models.Session, Q.unbindSession(DIGEST, 's')],
        [models.Session, Q.touchSession(DIGEST, 1)],
        [models.Session, Q.userSessions('u', 'a')],
        [models.Session, Q.boundSessions(['s'])],
        [models.Session, Q.unbindSessions('s', [DIGEST])],
        [models.Session, Q.deleteApp.sessions('a')],
        [models.Session, Q.deleteApp.deleteSessions([DIGEST])],
        [models.Template, Q.deleteApp.templates('a')],
        [models.Item, Q.deleteApp.items(oids)],
        [models.Agent, Q.deleteApp.agents('a')],
        [models.Agent, Q.agentsOfApp('a')],
        [models.Agent, Q.upsertAgent({ servId: 's', passwordHash: 'h', name: 'n', identifies: [], maxConcurrent: 0 })],
        [models.Agent, Seats.takeSeat('s', QID, 1, true)],
        [models.Agent, Seats.giveBackSeat('s', QID, 1)],
        [models.Agent, Seats.leaveSeats(QID, 's')],
        [models.Agent, Seats.leaveSeats(QID, null)],
        [models.Agent, Seats.dropSeats('s', oids, 5)],
        [models.Question, Seats.backedSeats('s', oids)],
        [models.Template, Q.listTemplates(['a'])],
        [models.Item, Q.listItems(QID, page)],
        [models.OutboxEvent, events.candidates],
        [models.OutboxEvent, events.lease(oids, 't')],
        [models.OutboxEvent, events.leased(oids, 't')],
        [models.OutboxEvent, Q.releaseEvent(oids[0]!, 't')],
        [models.OutboxEvent, Q.allEvents],
        [models.Outbox, deliveries.candidates],
        [models.Outbox, deliveries.lease(['e1'], 't')],
        [models.Outbox, deliveries.leased(['e1'], 't')],
        [models.Outbox, Q.retryDelivery('e1', { attempts: 1, retryInS: 2, error: 'x' }, 0)],
        [models.Outbox, Q.countDeliveries.pending],
        [models.Outbox, Q.countDeliveries.dead],
        [models.Change, Q.listChanges(0, 10)],
        [models.Change, Q.lastChange],
        [models.Change, Q.pruneChanges(5)],
        [models.Counter, Q.reserveChangeSeqs(2)],
      ];
      for (const [model, spec] of cases) {
        assert.doesNotThrow(() => model.find(spec.filter).cast(), JSON.stringify(spec.filter));
        if (spec.update && !Array.isArray(spec.update)) assert.doesNotThrow(() => model.updateOne(spec.filter, spec.update!).cast(), JSON.stringify(spec.update));
      }
    });

    it('sets only schema paths in update pipelines (pipelines bypass strict mode, so this test stands in)', () => {
      const notice = Q.messageDoc({ id: MID, questionId: QID, seq: 0, sender: 's', sender_type: 2, type: 4, created_at: 1, action: 6, serv_id: 'a' });
      const event = { type: 'question.transitioned' as const, previous: { status: 1, serv_id: null }, to: { status: 2, serv_id: 'a' }, created_at: 1 };
      const stages = [
        ...(Q.transition(write, { ...notice, event }).update as { $set: object }[]),
        ...(Q.appendMessage(message, { statuses: [1] }, null).update as { $set: object }[]),
      ];
      for (const stage of stages) {
        for (const path of Object.keys(stage.$set)) assert.ok(models.Question.schema.path(path), `${path} is not in the question schema`);
      }
      const pendingEntry = (stages[1] as { $set: { pending: { $concatArrays: [unknown, Record<string, unknown>[]] } } }).$set.pending.$concatArrays[1][0]!;
      const pendingSchema = (models.Question.schema.path('pending') as unknown as { schema: mongoose.Schema }).schema;
      for (const path of Object.keys(pendingEntry)) assert.ok(pendingSchema.path(path), `${path} is not in the pending schema`);
    });
  });

  describe('capacity seats (seats.ts)', () => {
    const qid = new Types.ObjectId(QID);

    it('takes a seat in one conditional write on the agent: not already held, and with the limit, a seat free per $expr', () => {
      const limited = Seats.takeSeat('s1', QID, 7.5, true);
      assert.deepEqual(limited, {
        filter: { _id: 's1', 'serving.q': op({ $ne: qid }), $expr: op({ ...Seats.HAS_FREE_SEAT }) },
        update: { $push: { serving: { q: qid, at: 7.5 } }, $set: { last_assigned_at: 7.5 } },
      });
      // An agent written before issue 12 has neither field: no limit, no seats, rather than a $size error.
      assert.deepEqual(Seats.HAS_FREE_SEAT, {
        $or: [
          { $lte: [{ $ifNull: ['$max_concurrent', 0] }, 0] },
          { $lt: [{ $size: { $ifNull: ['$serving', []] } }, '$max_concurrent'] },
        ],
      });
      assert.deepEqual(Seats.takeSeat('s1', QID, 7.5, false).filter, { _id: 's1', 'serving.q': op({ $ne: qid }) });
      // Only marked operators pass sanitizeFilter unchanged; $expr is refused unless ours.
      assert.deepEqual(mongoose.sanitizeFilter(limited.filter), limited.filter);
      assert.throws(() => mongoose.sanitizeFilter({ $expr: { $gt: ['$a', 1] } }), /not allowed/);
    });

    it("gives back exactly its own seat (question and time), and a question's seat leaves every agent but the one serving it", () => {
      assert.deepEqual(Seats.giveBackSeat('s1', QID, 7.5), { filter: { _id: 's1' }, update: { $pull: { serving: { q: qid, at: 7.5 } } } });
      assert.deepEqual(Seats.leaveSeats(QID, 's2'), { filter: { 'serving.q': qid, _id: op({ $ne: 's2' }) }, update: { $pull: { serving: { q: qid } } } });
      assert.deepEqual(Seats.leaveSeats(QID, null), { filter: { 'serving.q': qid }, update: { $pull: { serving: { q: qid } } } });
    });

    it('prunes only old seats no question backs, repeating the age in the pull so a seat taken meanwhile stays', () => {
      assert.deepEqual(Seats.backedSeats('s1', [qid]), { filter: { _id: op({ $in: [qid] }), status: 2, serv_id: 's1' }, projection: { _id: 1 } });
      assert.deepEqual(Seats.dropSeats('s1', [qid], 40), {
        filter: { _id: 's1' },
        update: { $pull: { serving: { q: op({ $in: [qid] }), at: op({ $lt: 40 }) } } },
      });
    });

    it('counts loads from the questions in progress, on questions_by_serv', () => {
      assert.deepEqual(Seats.loadsPipeline(['s1', 's2', 's1']), [
        { $match: { serv_id: { $in: ['s1', 's2'] }, status: 2 } },
        { $group: { _id: '$serv_id', load: { $sum: 1 } } },
      ]);
      assert.throws(() => Seats.loadsPipeline([{ $ne: '' } as never]), TypeError);
      assert.throws(() => Seats.takeSeat({ $ne: '' } as never, QID, 1, true), TypeError);
    });

    it('the agent schema keeps seats strict: a question id and a time, no _id per seat', async () => {
      const agent = new models.Agent({ _id: 's1', password_hash: 'h', name: 'S', identifies: [], max_concurrent: 2, serving: [{ q: qid, at: 1 }] });
      await agent.validate();
      assert.deepEqual(agent.toObject().serving, [{ q: qid, at: 1 }]);
      await assert.rejects(new models.Agent({ _id: 's1', password_hash: 'h', name: 'S', max_concurrent: -1 }).validate());
      await assert.rejects(new models.Agent({ _id: 's1', password_hash: 'h', name: 'S', max_concurrent: 1.5 }).validate());
    });
  });

  describe('outbox events', () => {
    const claim = Q.claimEvents(30, 50, 0);
    const ids = [new Types.ObjectId(QID), new Types.ObjectId(MID)];
    const NOW = { $divide: [{ $toLong: '$$NOW' }, 1000] };
    const FREE = { $lte: ['$leased_until', NOW] };

    it('claims in three steps: the first candidates in lease order, one updateMany that leases the free ones by the server clock, one find of the token', () => {
      assert.deepEqual(claim.candidates, { filter: {}, projection: { _id: 1 }, sort: { leased_until: 1, created_at: 1, _id: 1 }, limit: 50 });
      // The lease re-checks freedom per document against $$NOW, so a candidate another relay holds is left as it is.
      assert.deepEqual(claim.lease(ids, 'tok'), {
        filter: { _id: op({ $in: ids }) },
        update: [
          {
            $set: {
              leased_until: { $cond: [FREE, { $add: [NOW, 30] }, '$leased_until'] },
              lease: { $cond: [FREE, { $literal: 'tok' }, '$lease'] },
              attempts: { $cond: [FREE, { $add: ['$attempts', 1] }, '$attempts'] },
            },
          },
        ],
        options: { updatePipeline: true },
      });
      assert.deepEqual(claim.leased(ids, 'tok'), { filter: { _id: op({ $in: ids }), lease: 'tok' }, sort: { created_at: 1, _id: 1 } });
      const lease = claim.lease(ids, 'tok');
      assert.deepEqual(models.OutboxEvent.updateMany(lease.filter, lease.update!, lease.options).getUpdate(), lease.update);
    });

    it('a test clock offset shifts the server clock, and only when set', () => {
      const shifted = Q.claimEvents(30, 50, 31).lease(ids, 'tok').update as Array<{ $set: { leased_until: { $cond: unknown[] } } }>;
      assert.deepEqual(shifted[0]!.$set.leased_until.$cond[0], { $lte: ['$leased_until', { $add: [NOW, 31] }] });
      assert.deepEqual(Q.serverNow(0), NOW);
    });

    it('the candidates follow the outbox_events_by_lease index; a released event is free again, its claim not counted', () => {
      const [fields] = models.OutboxEvent.schema.indexes().find(([, o]) => o.name === 'outbox_events_by_lease')!;
      assert.deepEqual(fields, claim.candidates.sort);
      assert.deepEqual(Q.releaseEvent(ids[0]!, 'tok'), {
        filter: { _id: ids[0], lease: 'tok' },
        update: { $set: { leased_until: 0, lease: null }, $inc: { attempts: -1 } },
      });
    });

    it('drops a ghost event only while this claim holds it', () => {
      assert.deepEqual(Q.dropEvent(ids[0]!, 'tok'), { filter: { _id: ids[0], lease: 'tok' } });
      assert.doesNotThrow(() => models.OutboxEvent.find(Q.dropEvent(ids[0]!, 'tok').filter).cast());
    });

    it('completes by id and counts every recorded event', () => {
      assert.deepEqual(Q.byObjectId(QID), { filter: { _id: new Types.ObjectId(QID) } });
      assert.deepEqual(Q.allEvents, { filter: {} });
    });
  });

  describe('deliveries', () => {
    const NOW = { $divide: [{ $toLong: '$$NOW' }, 1000] };

    it('enqueues many in one bulkWrite of pipeline upserts timed by the server clock; an existing entry is replaced by itself', () => {
      const upsert = (id: string, payload: string) => ({
        updateOne: {
          filter: { _id: id },
          update: [
            {
              $replaceWith: {
                $cond: [
                  { $eq: [{ $type: '$created_at' }, 'missing'] },
                  { _id: '$_id', payload: { $literal: payload }, attempts: 0, next_attempt_at: NOW, leased_until: null, lease: null, created_at: NOW, last_error: null },
                  '$$ROOT',
                ],
              },
            },
          ],
          upsert: true,
        },
      });
      assert.deepEqual(Q.enqueueDeliveries([{ id: 'e1', payload: '{}' }, { id: 'e2', payload: '$payload' }], 0), [upsert('e1', '{}'), upsert('e2', '$payload')]);
      // The whole document is replaced: every field of the schema, no other.
      const [built] = Q.enqueueDeliveries([{ id: 'e', payload: '' }], 0) as unknown as Array<{ updateOne: { update: Array<{ $replaceWith: { $cond: [unknown, object] } }> } }>;
      const fields = Object.keys(built!.updateOne.update[0]!.$replaceWith.$cond[1]);
      assert.deepEqual(fields.sort(), Object.keys(models.Outbox.schema.paths).filter((p) => p !== '__v').sort());
    });

    it('claims the first due candidates by token, freedom decided by the server clock, every filter on outbox_due or _id', () => {
      const claim = Q.claimDeliveries(30, 20, 0);
      const free = { $and: [{ $lte: ['$next_attempt_at', NOW] }, { $lte: [{ $ifNull: ['$leased_until', 0] }, NOW] }] };
      const end = { $add: [NOW, 30] };
      assert.deepEqual(claim.candidates, { filter: { next_attempt_at: op({ $gte: 0 }) }, projection: { _id: 1 }, sort: { next_attempt_at: 1, _id: 1 }, limit: 20 });
      assert.deepEqual(claim.lease(['e1', 'e2'], 'tok'), {
        filter: { _id: op({ $in: ['e1', 'e2'] }), next_attempt_at: op({ $gte: 0 }) },
        update: [
          {
            $set: {
              next_attempt_at: { $cond: [free, end, '$next_attempt_at'] },
              leased_until: { $cond: [free, end, '$leased_until'] },
              lease: { $cond: [free, { $literal: 'tok' }, '$lease'] },
            },
          },
        ],
        options: { updatePipeline: true },
      });
      assert.deepEqual(claim.leased(['e1'], 'tok'), { filter: { _id: op({ $in: ['e1'] }), lease: 'tok' }, sort: { next_attempt_at: 1, _id: 1 } });
      assertUsesPartial(claim.candidates.filter, models.Outbox, 'outbox_due');
      assertUsesPartial(claim.lease(['e1'], 'tok').filter, models.Outbox, 'outbox_due');
      assert.deepEqual(mongoose.sanitizeFilter(claim.candidates.filter), claim.candidates.filter);
      assert.throws(() => claim.lease([{ $ne: '' }], 'tok'), TypeError);
    });

    it('retries by releasing the lease, due again after the delay by the server clock; counts pending (on the partial index) and dead', () => {
      assert.deepEqual(Q.retryDelivery('e1', { attempts: 2, retryInS: 8, error: '$x' }, 0), {
        filter: { _id: 'e1' },
        update: [{ $set: { attempts: 2, next_attempt_at: { $add: [NOW, 8] }, leased_until: null, lease: null, last_error: { $literal: '$x' } } }],
        options: { updatePipeline: true },
      });
      assert.deepEqual((Q.retryDelivery('e1', { attempts: 2, retryInS: null, error: 'x'.repeat(900) }, 0).update as Array<{ $set: object }>)[0]!.$set, {
        attempts: 2, next_attempt_at: null, leased_until: null, lease: null, last_error: { $literal: 'x'.repeat(500) },
      });
      assert.deepEqual(Q.countDeliveries.pending.filter, { next_attempt_at: op({ $gte: 0 }) });
      assertUsesPartial(Q.countDeliveries.pending.filter, models.Outbox, 'outbox_due');
      assert.deepEqual(Q.countDeliveries.dead.filter, { next_attempt_at: null });
    });
  });

  describe('change feed', () => {
    it('reserves seqs from one counter document, $inc by the number of entries', () => {
      assert.deepEqual(Q.reserveChangeSeqs(3), {
        filter: { _id: 'changes' },
        update: { $inc: { seq: 3 } },
        options: { upsert: true, returnDocument: 'after' },
      });
      assert.throws(() => Q.reserveChangeSeqs(0), TypeError);
    });

    it('lists after a seq in seq order, reads the newest, prunes by age', () => {
      assert.deepEqual(Q.listChanges(7, 100), { filter: { _id: op({ $gt: 7 }) }, sort: { _id: 1 }, limit: 100 });
      assert.deepEqual(Q.lastChange, { filter: {}, projection: { _id: 1 }, sort: { _id: -1 }, limit: 1 });
      assert.deepEqual(Q.pruneChanges(50), { filter: { at: op({ $lt: 50 }) } });
    });

    it('retry-safe mode: a listing stops before a young hole (an entry on its way) and skips an old one (a crash)', () => {
      const change = (seq: number, at: number): ChangeDoc => ({ _id: seq, kind: 'session', key: 'k', at });
      const now = 1000;
      assert.deepEqual(contiguousChanges(4, [change(5, now), change(6, now)], now).map((c) => c._id), [5, 6]);
      assert.deepEqual(contiguousChanges(4, [change(5, now), change(7, now)], now).map((c) => c._id), [5]);
      assert.deepEqual(contiguousChanges(4, [change(6, now)], now), []);
      const old = now - IN_FLIGHT_GRACE_S - 1;
      assert.deepEqual(contiguousChanges(4, [change(6, old), change(7, now)], now).map((c) => c._id), [6, 7]);
    });
  });

  describe('migration of existing data', () => {
    it('creates the change counter at 0 if it is missing, never resetting it', () => {
      assert.deepEqual(legacy.counter, { filter: { _id: 'changes' }, update: { $setOnInsert: { seq: 0 } }, options: { upsert: true } });
      assert.deepEqual(legacy.messagesDone.update, { $set: { seq: 1 } });
      assert.doesNotThrow(() => models.Counter.updateOne(legacy.messagesDone.filter, legacy.messagesDone.update).cast());
    });

    it('finds raw 12-character session tokens, never digests', () => {
      const pattern = new RegExp(legacy.sessions.filter._id.$regex);
      assert.ok(pattern.test('SESSION00001'));
      assert.ok(!pattern.test(DIGEST));
      assert.ok(!pattern.test('SESSION0000'));
    });

    it('moves a session under its digest with the fields it lacked', () => {
      assert.deepEqual(hashedSession({ _id: 'SESSION00001', user_id: 'u1', identify: 'com.a', serv_id: null, created_at: 5 }), {
        _id: DIGEST,
        kind: 'app',
        last_used_at: 5,
        user_id: 'u1',
        identify: 'com.a',
        serv_id: null,
        created_at: 5,
      });
    });

    it('rewrites the session of messages and of pending entries, by token', () => {
      assert.deepEqual(legacy.messageTokens, [{ $match: { session: { $regex: '^[A-Za-z0-9]{12}$' } } }, { $group: { _id: '$session' } }]);
      assert.deepEqual(legacy.messages('SESSION00001', DIGEST), {
        updateMany: { filter: { session: 'SESSION00001' }, update: { $set: { session: DIGEST } } },
      });
      assert.deepEqual(legacy.pending('SESSION00001', DIGEST), {
        updateMany: {
          filter: { 'pending.session': 'SESSION00001' },
          update: { $set: { 'pending.$[entry].session': DIGEST } },
          arrayFilters: [{ 'entry.session': 'SESSION00001' }],
        },
      });
    });

    it('replaces a payload\'s "session" by "device" (its digest) in place, once', () => {
      const payload = JSON.stringify({ id: 'p1', kind: 'message', session: 'SESSION00001', user_id: 'u1' });
      const migrated = devicePayload(payload)!;
      assert.equal(migrated, JSON.stringify({ id: 'p1', kind: 'message', device: DIGEST, user_id: 'u1' }));
      assert.equal(devicePayload(migrated), null);
      assert.equal(devicePayload('not json'), null);
      assert.equal(devicePayload(JSON.stringify({ session: DIGEST })), null);
      assert.ok(new RegExp(legacy.payloads.filter.payload.$regex).test(payload));
    });
  });

  describe('partial indexes', () => {
    it('no partial filter uses $type (the planner cannot prove an equality or range implies it)', () => {
      for (const model of Object.values(models) as AnyModel[]) {
        for (const [, options] of model.schema.indexes()) {
          if (options.partialFilterExpression) assert.ok(!JSON.stringify(options.partialFilterExpression).includes('$type'), `${model.modelName}.${options.name}`);
        }
      }
    });
  });
});
