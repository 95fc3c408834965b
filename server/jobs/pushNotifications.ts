/**
 * Domain events → push notifications for devices without a live socket, written to the outbox.
 *
 * Recipients are device sessions: the host app's backend created each one (admin API) and knows
 * which phone it is, so it can turn a notification into an APNs / FCM push. A notification names
 * its device by `device`, the session's digest (hex SHA-256 of the token the backend was given):
 * payloads are stored, and no table holds a token. Agents get one per
 * bound device, the asking user one per device session of the question's app that is not bound to an
 * agent (a bound session acts as the agent). A device with a socket open gets the socket event
 * instead and no push.
 *
 * The outbox id is derived from the event and the recipient, so recording the same event twice
 * enqueues nothing new.
 */
import { createHash } from 'node:crypto';
import { ACTION, SENDER_TYPE, STATUS, SYSTEM_SENDER } from '../../shared/limits.js';
import type { Deps } from '../deps.js';
import type { DomainEvent } from '../domain/events.js';
import { messageSummaryText } from '../domain/presenters.js';
import type { Presence } from '../realtime/presence.js';
import type { MessageRecord, QuestionRecord } from '../stores/types.js';

export type PushKind = 'queue' | 'message' | 'status';

/** The JSON body POSTed to PUSH_WEBHOOK_URL (see docs/jobs.md). */
export interface PushNotification {
  /** Stable per event and device; also sent as X-Kefu-Delivery, so receivers can drop repeats. */
  id: string;
  kind: PushKind;
  /** The device session to notify: hex SHA-256 of its token (see server/domain/sessionTokens.ts). */
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
  /** The notice action (1–6) of a status notification. */
  action?: number;
  created_at: number;
}

interface Recipient {
  /** The session's digest. */
  device: string;
  userId?: string;
  servId?: string;
}

/** What every recipient of one event receives; id, device and identity are added per device. */
type Draft = Omit<PushNotification, 'id' | 'device' | 'user_id' | 'serv_id'> & { eventKey: string };

/** A Presence for nodes without real time: nobody has a socket, so every device gets its push. */
export const NOBODY_ONLINE: Presence = { isSessionOnline: async () => false };

const STATUS_TEXT: Record<number, string> = {
  [ACTION.agentStarted]: 'An agent is answering your question',
  [ACTION.agentQuit]: 'The agent left; the question is back in the queue',
  [ACTION.finishRequested]: 'The agent asks whether the question can be closed',
  [ACTION.finished]: 'The question is resolved',
  [ACTION.timedOut]: 'The question was closed after a period without activity',
  [ACTION.reopened]: 'The user reopened the question',
};

export interface PushNotifier {
  /** Resolves when every enqueue started so far has finished (shutdown, tests). */
  idle(): Promise<void>;
  /** Unsubscribes and waits for enqueues in progress. */
  stop(): Promise<void>;
}

/**
 * Subscribes to the domain events and enqueues a notification per offline recipient.
 * `onEnqueued` lets the delivery loop start at once instead of at its next poll.
 */
export function startPushNotifier(deps: Deps, presence: Presence, onEnqueued: () => void = () => {}): PushNotifier {
  const log = deps.logger.child({ job: 'pushNotifier' });
  const inFlight = new Set<Promise<void>>();
  const unsubscribe = deps.events.subscribe((event) => {
    const work = enqueueFor(deps, presence, event)
      .then((count) => {
        if (count > 0) onEnqueued();
      })
      .catch((error: unknown) => log.error({ err: error, event: event.type }, 'push enqueue failed'))
      .finally(() => inFlight.delete(work));
    inFlight.add(work);
  });
  const idle = async () => {
    while (inFlight.size > 0) await Promise.all([...inFlight]);
  };
  return {
    idle,
    async stop() {
      unsubscribe();
      await idle();
    },
  };
}

/** Enqueues the notifications one event calls for; returns how many were enqueued. */
export async function enqueueFor(deps: Deps, presence: Presence, event: DomainEvent): Promise<number> {
  const targets = await targetsOf(deps, event);
  let count = 0;
  const entries: Array<{ id: string; payload: string }> = [];
  for (const { draft, recipients } of targets) {
    for (const recipient of await offline(presence, recipients, deps)) {
      const notification = personalize(draft, recipient);
      entries.push({ id: notification.id, payload: JSON.stringify(notification) });
      count++;
    }
  }
  await deps.store.outbox.enqueueDeliveries(entries, deps.now());
  return count;
}

async function targetsOf(deps: Deps, event: DomainEvent): Promise<{ draft: Draft; recipients: Recipient[] }[]> {
  switch (event.type) {
    case 'question.created':
      return [{ draft: queueDraft(event.question, `question:${event.question.id}`, event.question.createdAt), recipients: await queueRecipients(deps, event.question) }];

    case 'question.transitioned': {
      const { question, notice, previous } = event;
      const targets = [];
      if (question.status === STATUS.pending && previous.status !== STATUS.pending) {
        // Back in the queue (quit, reopen without its agent); the agent who just quit is not told.
        const recipients = (await queueRecipients(deps, question)).filter((r) => r.servId !== notice.sender);
        targets.push({ draft: queueDraft(question, `notice:${notice.id}`, notice.createdAt), recipients });
      }
      targets.push({ draft: statusDraft(question, notice), recipients: await otherParty(deps, question, notice) });
      return targets;
    }

    case 'message.created':
      return [{ draft: messageDraft(event.question, event.message), recipients: await otherParty(deps, event.question, event.message) }];

    case 'session.changed':
      return [];
  }
}

/** Every bound device of every agent of the question's app. */
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
  const sessions = await deps.store.accounts.listAgentSessions(servIds);
  return sessions.map((s) => ({ device: s.digest, servId: s.servId! }));
}

/** Recipients without a live socket; a presence lookup that fails counts as offline (a spare push beats none). */
async function offline(presence: Presence, recipients: Recipient[], deps: Deps): Promise<Recipient[]> {
  const unique = [...new Map(recipients.map((r) => [r.device, r])).values()];
  const online = await Promise.all(
    unique.map((r) =>
      presence.isSessionOnline(r.device).catch((error: unknown) => {
        deps.logger.warn({ err: error }, 'presence lookup failed; pushing anyway');
        return false;
      }),
    ),
  );
  return unique.filter((_, i) => !online[i]);
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
