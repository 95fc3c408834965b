/**
 * The push sink of the outbox relay: an outbox event → push notifications for devices without a
 * live socket, as deliveries to PUSH_WEBHOOK_URL.
 *
 * Recipients are device sessions: the host app's backend created each one (admin API) and knows
 * which phone it is, so it can turn a notification into an APNs / FCM push. The body names the
 * device by `device`, the hex SHA-256 of its session token (no table holds the token itself; the
 * backend computes the same digest of the token it created). Agents get one per bound device, the
 * asking user one per device session of the question's app that is not bound to an agent (a bound
 * session acts as the agent). A device with a socket open gets the socket event instead.
 *
 * A delivery's id is derived from the event and the device, so relaying one event twice enqueues
 * nothing new.
 */
import { createHash } from 'node:crypto';
import { ACTION, SENDER_TYPE, STATUS, SYSTEM_SENDER } from '../../shared/limits.js';
import type { Deps } from '../deps.js';
import { messageSummaryText } from '../domain/presenters.js';
import type { Presence } from '../realtime/presence.js';
import type { OutboxSink, RelayedEvent } from './outboxRelay.js';
import type { MessageRecord, QuestionRecord } from '../stores/types.js';

export type PushKind = 'queue' | 'message' | 'status';

/** The JSON body POSTed to PUSH_WEBHOOK_URL (see docs/jobs.md). */
export interface PushNotification {
  /** Stable per event and device; also sent as X-Kefu-Delivery, so receivers can drop repeats. */
  id: string;
  kind: PushKind;
  /** The device to notify: hex SHA-256 of its session token. */
  device: string;
  /** Set when the device belongs to the asking user. */
  user_id?: string;
  /** Set when the device is bound to an agent. */
  serv_id?: string;
  identify: string;
  question_id: string;
  title: string;
  body: string;
  /** The message or notice behind a message / status notification. */
  message_id?: string;
  /** The notice action (1–7) of a status notification. */
  action?: number;
  created_at: number;
}

interface Recipient {
  /** The session digest. */
  device: string;
  userId?: string;
  servId?: string;
}

/** What every recipient of one event receives; id, device and identity are added per device. */
type Draft = Omit<PushNotification, 'id' | 'device' | 'user_id' | 'serv_id'> & { eventKey: string };

/** A Presence for nodes without real time: nobody has a socket, so every device gets its push. */
export const NOBODY_ONLINE: Presence = { onlineDevices: async () => new Set() };

const STATUS_TEXT: Record<number, string> = {
  [ACTION.agentStarted]: 'An agent is answering your question',
  [ACTION.agentQuit]: 'The agent left; the question is back in the queue',
  [ACTION.finishRequested]: 'The agent asks whether the question can be closed',
  [ACTION.finished]: 'The question is resolved',
  [ACTION.timedOut]: 'The question was closed after a period without activity',
  [ACTION.reopened]: 'The user reopened the question',
  [ACTION.transferred]: 'Another agent is now answering your question',
};

/** The push sink: every event's pushes to offline devices. */
export function pushSink(deps: Deps, presence: Presence): OutboxSink {
  return {
    name: 'push',
    async fanOut(relayed) {
      const deliveries: Array<{ id: string; payload: string }> = [];
      for (const { draft, recipients } of await targetsOf(deps, relayed)) {
        for (const recipient of await offline(deps, presence, recipients)) {
          const notification = personalize(draft, recipient);
          deliveries.push({ id: notification.id, payload: JSON.stringify(notification) });
        }
      }
      return deliveries;
    },
  };
}

async function targetsOf(deps: Deps, relayed: RelayedEvent): Promise<{ draft: Draft; recipients: Recipient[] }[]> {
  const { event, question, message } = relayed;
  switch (event.type) {
    case 'question.created':
      return [{ draft: queueDraft(question, `question:${question.id}`, question.createdAt), recipients: await queueRecipients(deps, question) }];

    case 'question.transitioned': {
      const notice = message!;
      const targets = [];
      // Back in the queue (quit, reopen without its agent), judged by the transition itself, not by
      // the question now, which may have moved on since. The agent who just quit is not told.
      if (event.to?.status === STATUS.pending && event.previous?.status !== STATUS.pending) {
        const recipients = (await queueRecipients(deps, question)).filter((r) => r.servId !== notice.sender);
        targets.push({ draft: queueDraft(question, `notice:${notice.id}`, notice.createdAt), recipients });
      }
      targets.push({ draft: statusDraft(question, notice), recipients: await otherParty(deps, question, notice) });
      return targets;
    }

    case 'message.created':
      return [{ draft: messageDraft(question, message!), recipients: await otherParty(deps, question, message!) }];

    case 'question.rated':
      // A rating is for the desk (question:rated) and the host app's webhooks, not a device push.
      return [];
  }
}

/** Every bound device of every agent of the question's app, in one query for all of them. */
async function queueRecipients(deps: Deps, question: QuestionRecord): Promise<Recipient[]> {
  const agents = await deps.store.accounts.listAgentsOfApp(question.identify);
  return agentDevices(deps, agents.map((agent) => agent.servId));
}

/**
 * Who did not write this message or notice: the user when the agent wrote, the serving agent when
 * the user wrote, both when the system did.
 */
async function otherParty(deps: Deps, question: QuestionRecord, message: MessageRecord): Promise<Recipient[]> {
  const system = message.sender === SYSTEM_SENDER && message.senderType === SENDER_TYPE.agent;
  const recipients: Recipient[] = [];
  if (message.senderType === SENDER_TYPE.agent) {
    const sessions = await deps.store.accounts.listUserSessions(question.userId, question.identify);
    recipients.push(...sessions.filter((s) => s.servId === null).map((s) => ({ device: s.digest, userId: s.userId })));
  }
  // servId is null while pending; a resolved question keeps its agent, who hears how it ended.
  if ((message.senderType === SENDER_TYPE.user || system) && question.servId !== null) {
    recipients.push(...(await agentDevices(deps, [question.servId])));
  }
  return recipients;
}

async function agentDevices(deps: Deps, servIds: string[]): Promise<Recipient[]> {
  if (servIds.length === 0) return [];
  const sessions = await deps.store.accounts.listAgentSessions(servIds);
  return sessions.map((s) => ({ device: s.digest, servId: s.servId! }));
}

/** Recipients without a live socket; a presence lookup that fails counts as offline (a spare push beats none). */
async function offline(deps: Deps, presence: Presence, recipients: Recipient[]): Promise<Recipient[]> {
  const unique = [...new Map(recipients.map((r) => [r.device, r])).values()];
  if (unique.length === 0) return [];
  const online = await presence.onlineDevices(unique.map((r) => r.device)).catch((error: unknown) => {
    deps.logger.warn({ err: error }, 'presence lookup failed; pushing anyway');
    return new Set<string>();
  });
  return unique.filter((r) => !online.has(r.device));
}

function queueDraft(question: QuestionRecord, eventKey: string, createdAt: number): Draft {
  return {
    eventKey,
    kind: 'queue',
    identify: question.identify,
    question_id: question.id,
    title: 'New question in the queue',
    body: question.title,
    created_at: createdAt,
  };
}

function statusDraft(question: QuestionRecord, notice: MessageRecord): Draft {
  return {
    eventKey: `notice:${notice.id}`,
    kind: 'status',
    identify: question.identify,
    question_id: question.id,
    title: question.title,
    body: STATUS_TEXT[notice.action ?? 0] ?? 'The question changed',
    message_id: notice.id,
    action: notice.action,
    created_at: notice.createdAt,
  };
}

function messageDraft(question: QuestionRecord, message: MessageRecord): Draft {
  const body = truncate(messageSummaryText(message), 200);
  return {
    eventKey: `message:${message.id}`,
    kind: 'message',
    identify: question.identify,
    question_id: question.id,
    title: question.title,
    body,
    message_id: message.id,
    created_at: message.createdAt,
  };
}

function personalize(draft: Draft, recipient: Recipient): PushNotification {
  const { eventKey, kind, ...rest } = draft;
  const id = createHash('sha256').update(`${eventKey}\n${kind}\n${recipient.device}`).digest('hex').slice(0, 32);
  const who = recipient.servId !== undefined ? { serv_id: recipient.servId } : { user_id: recipient.userId };
  return { id, kind, device: recipient.device, ...who, ...rest };
}

function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '…';
}
