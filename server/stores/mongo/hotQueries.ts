/**
 * The hot queries of the MongoDB store, each with the index that must serve it: what the query-shape
 * tests check against partial filters (impliesPartialFilter) and what `npm run verify:mongo` explains
 * on a real deployment (no COLLSCAN, no in-memory sort). Built with sample values by the same pure
 * builders the store runs, so a change to a builder is a change here.
 */
import { Types } from 'mongoose';
import type { Models } from './models.js';
import * as NQ from './noteQueries.js';
import * as Q from './queries.js';
import { leaveSeats } from './seats.js';
import * as WQ from './webhookQueries.js';

/** One hot query: where it runs, what it sends, which index serves it. */
export interface HotQuery {
  name: string;
  model: keyof Models;
  spec: Q.QuerySpec;
  /** The index the planner must choose (`_id_` for the primary key). */
  index: string;
}

const QID = new Types.ObjectId().toHexString();
const DIGEST = 'a'.repeat(64);
const page = { num: 20, offset: 0, sort: -1 as const };

/** Every hot query, with sample values; `now` in seconds. */
export function hotQueries(now: number): HotQuery[] {
  const scans = Q.scanTimeouts({ pendingSince: now - 60, idleSince: now - 60, finishRequestedSince: now - 60, limit: 100 });
  return [
    { name: 'queue', model: 'Question', spec: Q.listQuestions({ status: 1, identifies: ['com.a', 'com.b'] }, page), index: 'questions_queue' },
    { name: 'queue by label', model: 'Question', spec: Q.listQuestions({ status: 1, identifies: ['com.a'], label: 'l' }, page), index: 'questions_by_label' },
    { name: "an agent's tasks", model: 'Question', spec: Q.listQuestions({ servId: 's1', status: 2 }, page), index: 'questions_by_serv' },
    { name: "a user's questions by status", model: 'Question', spec: Q.listQuestions({ userId: 'u1', status: 1 }, page), index: 'questions_by_user_status' },
    { name: "a user's questions", model: 'Question', spec: Q.listQuestions({ userId: 'u1' }, page), index: 'questions_by_user' },
    { name: 'sweeper: pending too long', model: 'Question', spec: scans.pending, index: 'questions_pending_since' },
    { name: 'sweeper: idle too long', model: 'Question', spec: scans.idle, index: 'questions_idle_since' },
    { name: 'sweeper: unconfirmed finish', model: 'Question', spec: scans.finishRequested, index: 'questions_finish_requested' },
    { name: 'relay: unsettled questions', model: 'Question', spec: Q.unsettledQuestions(now - 30, 100), index: 'questions_unsettled' },
    { name: 'start: questions with pending entries', model: 'Question', spec: Q.questionsWithPending, index: 'questions_unsettled' },
    { name: 'messages by seq', model: 'Message', spec: Q.listMessages(QID, { num: 50, offset: 0, sort: 1, afterSeq: 3 }, 40), index: 'messages_by_seq' },
    { name: 'a retry by client_msg_id', model: 'Message', spec: Q.messageByClientId(DIGEST, 'c-1'), index: 'messages_idempotency' },
    { name: "an agent's read: notes after a place", model: 'Note', spec: NQ.listNotes(QID, { sort: 1, num: 50, from: [3, 0] }), index: 'notes_by_number' },
    { name: "an agent's read: notes before a note", model: 'Note', spec: NQ.listNotes(QID, { sort: -1, num: 50, from: [3, 2] }), index: 'notes_by_number' },
    { name: 'a note retry by client_msg_id', model: 'Note', spec: NQ.noteByClientId(DIGEST, 'n-1'), index: 'notes_idempotency' },
    { name: "agents' bound sessions", model: 'Session', spec: Q.boundSessions(['s1', 's2']), index: 'sessions_by_serv' },
    { name: "a user's sessions", model: 'Session', spec: Q.userSessions('u1', 'com.a'), index: 'sessions_by_user' },
    { name: "a user's sessions in every app", model: 'Session', spec: Q.sessionsOfUser('u1'), index: 'sessions_of_user' },
    { name: 'sessions by digest prefix', model: 'Session', spec: Q.sessionsByDigestPrefix('ab12cd34', 2), index: '_id_' },
    { name: 'operator list: sessions', model: 'Session', spec: Q.keyPage({ num: 100, after: DIGEST }), index: '_id_' },
    { name: 'operator list: apps', model: 'App', spec: Q.keyPage({ num: 100, after: 'com.a' }), index: '_id_' },
    { name: 'operator list: users', model: 'User', spec: Q.keyPage({ num: 100 }), index: '_id_' },
    { name: 'operator list: agents', model: 'Agent', spec: Q.keyPage({ num: 100, after: 's1' }), index: '_id_' },
    { name: 'operator list: templates', model: 'Template', spec: Q.keyPage({ num: 100, after: QID }, Q.oid), index: '_id_' },
    { name: 'the agents of an app', model: 'Agent', spec: Q.agentsOfApp('com.a'), index: 'agents_by_app' },
    { name: "a question's seat leaving its agents", model: 'Agent', spec: leaveSeats(QID, 's1'), index: 'agents_by_seat' },
    { name: 'templates of apps', model: 'Template', spec: Q.listTemplates(['com.a']), index: 'templates_by_app' },
    { name: 'items of a removed template', model: 'Item', spec: Q.itemsOfTemplate(QID), index: 'items_by_template' },
    { name: 'items of a template', model: 'Item', spec: Q.listItems(QID, page), index: 'items_by_template' },
    { name: 'relay: event candidates', model: 'OutboxEvent', spec: Q.claimEvents(60, 20, 0).candidates, index: 'outbox_events_by_lease' },
    { name: 'relay: event lease', model: 'OutboxEvent', spec: Q.claimEvents(60, 20, 0).lease([new Types.ObjectId(QID)], 'token'), index: '_id_' },
    { name: 'delivery candidates', model: 'Outbox', spec: Q.claimDeliveries(60, 20, 0).candidates, index: 'outbox_due' },
    { name: 'delivery lease', model: 'Outbox', spec: Q.claimDeliveries(60, 20, 0).lease(['d1', 'd2'], 'token'), index: '_id_' },
    { name: 'pending deliveries count', model: 'Outbox', spec: Q.countDeliveries.pending, index: 'outbox_due' },
    { name: 'webhooks of an app', model: 'Webhook', spec: WQ.webhooksOfApp('com.a'), index: 'webhooks_by_app' },
    { name: 'webhook delivery candidates', model: 'WebhookDelivery', spec: WQ.dueCandidates(['w1', 'w2'], 20), index: 'webhook_deliveries_due' },
    { name: "a webhook chain's head", model: 'WebhookDelivery', spec: WQ.chainHead('w1', QID), index: 'webhook_deliveries_chain' },
    { name: 'webhook delivery lease', model: 'WebhookDelivery', spec: WQ.leaseDeliveries(['d1', 'd2'], 'token', 60, 0), index: '_id_' },
    { name: 'pending webhook deliveries count', model: 'WebhookDelivery', spec: WQ.countDeliveries.pending, index: 'webhook_deliveries_due' },
    { name: 'change feed tail', model: 'Change', spec: Q.listChanges(10, 100), index: '_id_' },
    { name: 'change feed pruning', model: 'Change', spec: Q.pruneChanges(now - 3600), index: 'changes_by_time' },
  ];
}
