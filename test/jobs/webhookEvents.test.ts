/**
 * The webhook sink's mapping of outbox events: question.rated (the event a rating records with
 * its cycle) and a type 5 message (notes record no event; should one ever arrive it is dropped). The events are handed to the sink as the relay would, against a real store; the
 * deliveries it queues are read back from the store (this node sends none: deliver off).
 */
import assert from 'node:assert/strict';
import { webhookSink, positionOf, webhookEventOf } from '../../server/jobs/webhookFanOut.js';
import type { RelayedEvent } from '../../server/jobs/outboxRelay.js';
import type { MessageRecord } from '../../server/stores/types.js';
import { useTestServer } from '../support/server.js';
import { createWebhook, WEBHOOK_ENV } from './webhookSupport.js';

describe('jobs: webhook events from outbox events', () => {
  const { server, f } = useTestServer({ env: WEBHOOK_ENV, jobs: { deliver: false } });

  async function resolvedQuestion() {
    const { user, agent, questionId } = await f.servedQuestion();
    await f.api.post(`/v1/question/${questionId}/finish`, { session: agent.session, serv_id: agent.servId });
    return { user, agent, question: (await server.deps.store.conversations.getQuestion(questionId))! };
  }

  it('maps a rating to a `question.rated` call with its cycle, the rating as the rate reply has it, and the question, after its last message', async () => {
    const { user, agent, question } = await resolvedQuestion();
    const { webhook_id } = await createWebhook(server.url, user.identify, 'http://127.0.0.1:9/hook', ['question.rated']);
    const rated = await f.api.post(`/v1/question/${question.id}/rate`, { session: user.session, score: 5, comment: 'quick and kind' });
    assert.equal(rated.status, 200, rated.text);
    const cycle = (await server.deps.store.cycles.listCycles(question.id))[0]!;
    const sink = webhookSink(server.deps);
    const relayed: RelayedEvent = {
      event: { id: cycle.id, type: 'question.rated', questionId: question.id, messageId: null, previous: null, to: null, createdAt: cycle.rating!.ratedAt, attempts: 1 },
      question,
      message: null,
    };
    assert.equal(webhookEventOf(relayed), 'question.rated');
    assert.equal(positionOf(relayed), question.lastSeq + 0.5);
    assert.deepEqual(await sink.fanOut(relayed), [], 'queued in the webhooks store, not the push queue');
    // Relayed twice (a crash before completing it): still one delivery.
    await sink.fanOut(relayed);

    const [delivery, ...more] = await server.deps.store.webhooks.claimDeliveries(30, 10);
    assert.deepEqual(more, []);
    assert.equal(delivery!.webhookId, webhook_id);
    assert.equal(delivery!.event, 'question.rated');
    const body = JSON.parse(delivery!.payload);
    assert.deepEqual({ ...body, data: { ...body.data, question: undefined } }, {
      id: delivery!.id,
      event: 'question.rated',
      created_at: cycle.rating!.ratedAt,
      identify: user.identify,
      data: { cycle: 1, rating: rated.body.rating, question: undefined },
    });
    assert.deepEqual([body.data.question.question_id, body.data.question.status, body.data.question.serv_id], [question.id, 3, agent.servId]);
  });

  it('drops a private note, should an event ever name one, and calls nothing for a webhook not subscribed', async () => {
    const { user, agent, question } = await resolvedQuestion();
    await createWebhook(server.url, user.identify, 'http://127.0.0.1:9/hook', ['question.created', 'message.created']);
    const note = { id: 'a'.repeat(24), questionId: question.id, seq: 0, sender: agent.servId, senderType: 2, type: 5, createdAt: question.statusAt, text: 'private' } as unknown as MessageRecord;
    const event = { id: note.id, type: 'message.created' as const, questionId: question.id, messageId: note.id, previous: null, to: null, createdAt: note.createdAt, attempts: 1 };
    assert.equal(webhookEventOf({ event, question, message: note }), null);
    const before = await server.deps.store.webhooks.countDeliveries();
    await webhookSink(server.deps).fanOut({ event, question, message: note });
    const rated = { ...event, id: 'b'.repeat(24), type: 'question.rated' as never, messageId: null };
    await webhookSink(server.deps).fanOut({ event: rated, question, message: null });
    assert.deepEqual(await server.deps.store.webhooks.countDeliveries(), before);
  });
});
