/**
 * Schema tests of the MongoDB store, no server needed: Mongoose's validate() on documents of each
 * model (casting, required fields, limits), and the indexes the schemas declare.
 */
import assert from 'node:assert/strict';
import mongoose, { Types } from 'mongoose';
import { LIMITS } from '../../shared/limits.js';
import { sessionDigest } from '../../server/domain/sessionTokens.js';
import { changedIndexes, declaredIndexes } from '../../server/stores/mongo/connection.js';
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
    assert.deepEqual(await invalidPaths(message({ seq: 1.5, action: 8 })), ['action', 'seq']);
    // A transfer notice (action 7) names both agents, each a serv_id.
    assert.deepEqual(await invalidPaths(message({ action: 7, from_serv_id: 's1', serv_id: 's2' })), []);
    assert.deepEqual(await invalidPaths(message({ action: 7, from_serv_id: 'x'.repeat(21), serv_id: 'x'.repeat(21) })), ['from_serv_id', 'serv_id']);
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
    const session = (extra: Record<string, unknown>) =>
      new models.Session({ _id: sessionDigest('SESSION00001'), user_id: 'u', identify: 'a', kind: 'app', created_at: 1, last_used_at: 1, ...extra });
    assert.deepEqual(await invalidPaths(session({})), []);
    // Stored under the digest only: a raw 12-character token (or anything but 64 hex) is refused.
    assert.deepEqual(await invalidPaths(session({ _id: 'SESSION00001' })), ['_id']);
    assert.deepEqual(await invalidPaths(session({ _id: sessionDigest('x').toUpperCase() })), ['_id']);
    assert.deepEqual(await invalidPaths(session({ kind: 'admin', last_used_at: undefined })), ['kind', 'last_used_at']);
    assert.deepEqual(await invalidPaths(message({ session: 'SESSION00001' })), ['session']);
    assert.deepEqual(await invalidPaths(message({ session: sessionDigest('SESSION00001'), client_msg_id: 'c' })), []);
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
        'questions_unsettled',
      ],
    );
    assert.deepEqual(indexes(models.Session.schema).map((i) => i.name), ['sessions_by_user', 'sessions_by_serv', 'sessions_of_user']);
    assert.deepEqual(indexes(models.Agent.schema).map((i) => i.name), ['agents_by_app', 'agents_by_seat']);
    assert.deepEqual(indexes(models.Template.schema).map((i) => i.name), ['templates_by_app']);
    assert.deepEqual(indexes(models.Item.schema).map((i) => i.name), ['items_by_template']);
    assert.deepEqual(indexes(models.Outbox.schema).map((i) => i.name), ['outbox_due']);
    assert.deepEqual(indexes(models.OutboxEvent.schema).map((i) => i.name), ['outbox_events_by_lease']);
    assert.deepEqual(indexes(models.Change.schema).map((i) => i.name), ['changes_by_time']);
  });

  it('validates outbox events, change entries and the seq counter', async () => {
    const event = (extra: Record<string, unknown>) =>
      new models.OutboxEvent({ _id: QID, type: 'message.created', question: QID, message: QID, created_at: 1, ...extra });
    const fresh = event({});
    assert.deepEqual(await invalidPaths(fresh), []);
    assert.equal(fresh.attempts, 0);
    assert.equal(fresh.leased_until, 0);
    assert.equal(fresh.previous, null);
    assert.deepEqual(await invalidPaths(event({ type: 'question.deleted', previous: { status: 4 } })), ['previous.status', 'type']);
    assert.deepEqual(await invalidPaths(new models.Change({ _id: 1.5, kind: 'user', key: 'k', at: 1 })), ['_id', 'kind']);
    assert.deepEqual(await invalidPaths(new models.Counter({ _id: 'changes', seq: 3 })), []);
  });

  it('a pending entry carries its event and nothing else beyond a message', async () => {
    const doc = question({
      pending: [{ _id: QID, question: QID, seq: 1, sender: 's', sender_type: 2, type: 4, created_at: 1, action: 1, event: { type: 'question.transitioned', previous: { status: 1, serv_id: null }, created_at: 1 } }],
    });
    assert.deepEqual(await invalidPaths(doc), []);
    assert.equal(doc.pending[0]!.event!.type, 'question.transitioned');
    // Strict inside the array too: an unknown path fails the cast of the whole entry.
    const entry = { _id: QID, question: QID, seq: 1, sender: 's', sender_type: 2, type: 4, created_at: 1 };
    assert.deepEqual(await invalidPaths(question({ pending: [{ ...entry, extra: 1 }] })), ['pending']);
    assert.deepEqual(await invalidPaths(question({ pending: [{ ...entry, event: { type: 'message.created', created_at: 1, bogus: 1 } }] })), ['pending.0.event']);
  });

  describe('index migration', () => {
    const declared = declaredIndexes(models.Session);

    it('declares the session indexes as the migration compares them', () => {
      assert.deepEqual(declared, [
        { name: 'sessions_by_user', key: { identify: 1, user_id: 1, _id: 1 }, unique: false, partialFilterExpression: undefined },
        { name: 'sessions_by_serv', key: { serv_id: 1, _id: 1 }, unique: false, partialFilterExpression: { serv_id: { $gt: '' } } },
        { name: 'sessions_of_user', key: { user_id: 1, _id: 1 }, unique: false, partialFilterExpression: undefined },
      ]);
    });

    it('drops an index whose key, uniqueness or partial filter changed; keeps equal and unknown ones', () => {
      const existing = [
        { v: 2, name: '_id_', key: { _id: 1 } },
        // As the previous version declared them:
        { v: 2, name: 'sessions_by_user', key: { user_id: 1, identify: 1, _id: 1 } },
        { v: 2, name: 'sessions_by_serv', key: { serv_id: 1, _id: 1 }, partialFilterExpression: { serv_id: { $type: 'string' } } },
        { v: 2, name: 'someone_elses', key: { kind: 1 } },
      ];
      assert.deepEqual(changedIndexes(declared, existing), ['sessions_by_user', 'sessions_by_serv']);
      const current = declared.map((index) => ({ v: 2, ...index, ...(index.unique ? {} : { unique: undefined }) }));
      assert.deepEqual(changedIndexes(declared, current), []);
      const messages = declaredIndexes(models.Message);
      const wasNotUnique = messages.map((index) => ({ ...index, unique: false }));
      assert.deepEqual(changedIndexes(messages, wasNotUnique), ['messages_by_seq', 'messages_idempotency']);
    });

    it('recreates outbox_due, which gained _id so claims need no in-memory sort', () => {
      const outbox = declaredIndexes(models.Outbox);
      const previous = [{ v: 2, name: 'outbox_due', key: { next_attempt_at: 1 }, partialFilterExpression: { next_attempt_at: { $gte: 0 } } }];
      assert.deepEqual(changedIndexes(outbox, previous), ['outbox_due']);
    });

    it('client keys expire by a TTL index on expires_at, and are validated like the rest', async () => {
      const [[key, options]] = models.ClientKey.schema.indexes() as [[Record<string, unknown>, Record<string, unknown>]];
      assert.deepEqual([key, options.name, options.expireAfterSeconds], [{ expires_at: 1 }, 'client_keys_expiry', 0]);
      const doc = (extra: Record<string, unknown>) => new models.ClientKey({ _id: `${'a'.repeat(64)}:c-1`, message: QID, question: QID, created_at: 1, expires_at: new Date(), ...extra });
      assert.deepEqual(await invalidPaths(doc({})), []);
      assert.deepEqual(await invalidPaths(doc({ expires_at: 'soon', message: 'x' })), ['expires_at', 'message']);
    });
  });
});
