/**
 * Schema tests of the MongoDB store, no server needed: Mongoose's validate() on documents of each
 * model (casting, required fields, limits), and the indexes the schemas declare.
 */
import assert from 'node:assert/strict';
import mongoose, { Types } from 'mongoose';
import { LIMITS } from '../../shared/limits.js';
import { createModels } from '../../server/stores/mongo/models.js';

const models = createModels(mongoose.createConnection());
const QID = '65f000000000000000000001';

const question = (extra: Record<string, unknown> = {}) =>
  new models.Question({ identify: 'com.a', user_id: 'u1', title: 'T', status: 1, created_at: 1.5, status_at: 1.5, last_activity_at: 1.5, ...extra });
const message = (extra: Record<string, unknown> = {}) =>
  new models.Message({ question: QID, seq: 1, sender: 'u1', sender_type: 1, type: 3, created_at: 2.25, text: 'hi', ...extra });

async function invalidPaths(doc: { validate(): Promise<unknown> }): Promise<string[]> {
  try {
    await doc.validate();
    return [];
  } catch (error) {
    return Object.keys((error as mongoose.Error.ValidationError).errors).sort();
  }
}

describe('MongoDB store: schemas (no server)', () => {
  it('casts a question: 24-hex strings to ObjectIds, numeric strings to numbers, defaults filled', async () => {
    const doc = question({ status: '2', last_seq: '3' });
    assert.deepEqual(await invalidPaths(doc), []);
    assert.equal(doc.status, 2);
    assert.equal(doc.last_seq, 3);
    assert.deepEqual([...doc.labels], []);
    assert.equal(doc.serv_id, null);
    assert.equal(doc.finish_requested_at, null);
    assert.equal(doc.last_mess_text, null);
    assert.equal(doc.created_at, 1.5);
    assert.ok(message().question instanceof Types.ObjectId);
  });

  it('requires the fields every question needs', async () => {
    const doc = new models.Question({});
    assert.deepEqual(await invalidPaths(doc), ['created_at', 'identify', 'last_activity_at', 'status', 'status_at', 'user_id']);
  });

  it('refuses out-of-range statuses and types, fractional seqs, bad casts', async () => {
    assert.deepEqual(await invalidPaths(question({ status: 4 })), ['status']);
    assert.deepEqual(await invalidPaths(question({ status: 1.5 })), ['status']);
    assert.deepEqual(await invalidPaths(question({ status: 'pending' })), ['status']);
    assert.deepEqual(await invalidPaths(message({ type: 5, sender_type: 3, seq: 0 })), ['sender_type', 'seq', 'type']);
    assert.deepEqual(await invalidPaths(message({ seq: 1.5, action: 7 })), ['action', 'seq']);
    assert.deepEqual(await invalidPaths(message({ question: 'not-an-id' })), ['question']);
  });

  it('enforces the limits of the API document', async () => {
    const tooManyLabels = Array.from({ length: LIMITS.label.maxCount + 1 }, (_, i) => `l${i}`);
    assert.deepEqual(await invalidPaths(question({ labels: tooManyLabels })), ['labels']);
    assert.deepEqual(await invalidPaths(question({ labels: ['x'.repeat(LIMITS.label.max + 1)] })), ['labels.0']);
    assert.deepEqual(await invalidPaths(question({ title: 'x'.repeat(LIMITS.title.max + 1) })), ['title']);
    assert.deepEqual(await invalidPaths(message({ text: 'x'.repeat(LIMITS.text.max + 1) })), ['text']);
    assert.deepEqual(await invalidPaths(message({ client_msg_id: 'x'.repeat(LIMITS.clientMsgId.max + 1) })), ['client_msg_id']);
    assert.deepEqual(await invalidPaths(message({ type: 1, audio_len: LIMITS.audioLen.max + 1 })), ['audio_len']);
    assert.deepEqual(await invalidPaths(new models.Session({ _id: 'short', user_id: 'u', identify: 'a', created_at: 1 })), ['_id']);
    assert.deepEqual(await invalidPaths(new models.Agent({ _id: 'x'.repeat(LIMITS.servId.max + 1), password_hash: 'h', name: 'n' })), ['_id']);
    assert.deepEqual(await invalidPaths(new models.Item({ template: QID, question: '', content: 'c' })), ['question']);
  });

  it('refuses paths the schema does not know (strict: throw)', () => {
    assert.throws(() => question({ stauts: 1 }), /stauts/);
  });

  it('declares the unique indexes behind ordering and idempotency, and the list indexes', () => {
    const indexes = (schema: mongoose.Schema) => schema.indexes().map(([fields, options]) => ({ fields, name: options.name, unique: options.unique === true }));
    assert.deepEqual(indexes(models.Message.schema), [
      { fields: { question: 1, seq: 1 }, name: 'messages_by_seq', unique: true },
      { fields: { session: 1, client_msg_id: 1 }, name: 'messages_idempotency', unique: true },
    ]);
    assert.deepEqual(
      indexes(models.Question.schema).map((i) => i.name),
      [
        'questions_queue',
        'questions_by_label',
        'questions_by_serv',
        'questions_by_user_status',
        'questions_by_user',
        'questions_pending_since',
        'questions_idle_since',
        'questions_finish_requested',
      ],
    );
    assert.deepEqual(indexes(models.Session.schema).map((i) => i.name), ['sessions_by_user', 'sessions_by_serv']);
    assert.deepEqual(indexes(models.Agent.schema).map((i) => i.name), ['agents_by_app']);
    assert.deepEqual(indexes(models.Template.schema).map((i) => i.name), ['templates_by_app']);
    assert.deepEqual(indexes(models.Item.schema).map((i) => i.name), ['items_by_template']);
    assert.deepEqual(indexes(models.Outbox.schema).map((i) => i.name), ['outbox_due']);
  });
});
