/**
 * Query shapes of the MongoDB cycle metrics (server/stores/mongo/cycleQueries.ts), no server
 * needed: the exact filters and updates, that caller strings never become field paths in a
 * pipeline, and that the report scan is a range of the cycles_report index.
 */
import assert from 'node:assert/strict';
import mongoose, { Types } from 'mongoose';
import * as C from '../../server/stores/mongo/cycleQueries.js';
import { createModels } from '../../server/stores/mongo/models.js';
import type { NewMessage } from '../../server/stores/types.js';

const op = <T extends object>(value: T): T => mongoose.trusted(value) as T;
const QID = '65f000000000000000000001';
const models = createModels(mongoose.createConnection());
const message = (senderType: 1 | 2): NewMessage => ({
  questionId: QID, sender: 'x', senderType, type: 3, text: 'hi', sessionDigest: 'd', summaryText: 'hi', cancelsFinishRequest: false, now: 7,
});

describe('MongoDB cycle queries (shapes only, no server)', () => {
  it('counting writes name the open cycle (resolved_at null) of the question', () => {
    const open = { question: new Types.ObjectId(QID), resolved_at: null };
    assert.deepEqual(C.counted(message(1)), { filter: open, update: { $inc: { user_messages: 1 } } });
    assert.deepEqual(C.counted(message(2)), {
      filter: open,
      update: [{ $set: { agent_messages: { $add: ['$agent_messages', 1] }, first_response_at: { $ifNull: ['$first_response_at', 7] } } }],
      options: { updatePipeline: true },
    });
    assert.deepEqual(C.resolved(QID, 'timed_out', null, 9), { filter: open, update: { $set: { resolved_at: 9, outcome: 'timed_out' } } });
    assert.deepEqual(C.resolved(QID, 'finished', 's1', 9).update, { $set: { resolved_at: 9, outcome: 'finished', last_agent: 's1' } });
  });

  it('a serve keeps the first serve and adds the agent once; its serv_id is a literal, never a field path', () => {
    const spec = C.served(QID, '$agents', 5);
    const agent = { $literal: '$agents' };
    assert.deepEqual(spec.update, [
      {
        $set: {
          served_at: { $ifNull: ['$served_at', 5] },
          last_agent: agent,
          agents: { $cond: [{ $in: [agent, '$agents'] }, '$agents', { $concatArrays: ['$agents', [agent]] }] },
        },
      },
    ]);
  });

  it('a rating names the cycle by _id and requires it resolved and unrated', () => {
    const id = new Types.ObjectId();
    const spec = C.rate(id, { questionId: QID, userId: 'u1', score: 5, comment: 'ok', now: 3 });
    assert.deepEqual(spec.filter, { _id: id, resolved_at: op({ $ne: null }), rated_at: null });
    assert.deepEqual(spec.update, { $set: { score: 5, comment: 'ok', rated_at: 3 } });
    assert.throws(() => C.rate(id, { questionId: QID, userId: 'u1', score: { $gt: 0 } as unknown as number, comment: '', now: 3 }), TypeError);
  });

  it('the report scan is an (identify, started_at) range, the prefix of cycles_report', () => {
    const spec = C.scan({ identify: 'com.a', from: 10, to: 20 });
    assert.deepEqual(spec.filter, { identify: 'com.a', started_at: op({ $gte: 10, $lt: 20 }) });
    const report = models.Cycle.schema.indexes().find(([, options]) => options.name === 'cycles_report');
    assert.deepEqual(Object.keys(report![0]).slice(0, 2), ['identify', 'started_at']);
    assert.deepEqual(C.latestCycle(QID), { filter: { question: new Types.ObjectId(QID) }, sort: { n: -1 } });
    assert.throws(() => C.scan({ identify: { $ne: 1 } as unknown as string, from: 0, to: 1 }), TypeError);
  });
});
