/** Records → the exact reply shapes of docs/api.md (snake_case, float-second timestamps). */
import type { WatchEventPayload } from '../../shared/events.js';
import type { AgentPresence, AgentSummary, Cycle, Message, Note, QuestionSummary, Rating } from '../../shared/schemas/responses.js';
import type { AgentRecord, CycleRating, CycleRecord, ItemRecord, MessageRecord, NoteRecord, QuestionRecord, QuestionSummaryRecord, TemplateRecord, WebhookRecord } from '../stores/types.js';

/** How a chat message reads in one line (queue summaries, push bodies): its text, or its kind. */
export function messageSummaryText(message: { type: number; text?: string }): string {
  if (message.type === 1) return '[audio]';
  if (message.type === 2) return '[image]';
  return message.text ?? '';
}

/** How much of a text a watch line shows. */
export const WATCH_PREVIEW_LENGTH = 120;

/**
 * A domain event as an operator's watch socket sees it: the question's app, ids and status, and
 * the message previewed (never a media URL or anything of a session).
 */
export function presentWatchEvent(
  event: WatchEventPayload['event'],
  question: QuestionRecord,
  message: MessageRecord | null,
): WatchEventPayload {
  return {
    event,
    identify: question.identify,
    question_id: question.id,
    user_id: question.userId,
    title: question.title,
    status: question.status,
    serv_id: question.servId,
    action: event === 'question.transitioned' ? (message?.action ?? null) : null,
    message: message && {
      message_id: message.id,
      seq: message.seq,
      sender: message.sender,
      sender_type: message.senderType,
      type: message.type,
      preview: message.type === 4 ? '' : messageSummaryText(message).slice(0, WATCH_PREVIEW_LENGTH),
    },
    timestamp: message?.createdAt ?? question.createdAt,
  };
}

export function presentSummary(question: QuestionSummaryRecord['question'], user: QuestionSummaryRecord['user'] | undefined): QuestionSummary {
  return {
    question_id: question.id,
    identify: question.identify,
    user_id: question.userId,
    user_image_url: user?.imageUrl ?? '',
    user_name: user?.name ?? '',
    title: question.title,
    labels: question.labels,
    last_mess_text: question.lastMessage?.text ?? '',
    last_mess_timestamp: question.lastMessage?.timestamp ?? null,
    last_mess_sender: question.lastMessage?.sender ?? null,
    last_mess_sender_type: question.lastMessage?.senderType ?? null,
    timestamp: question.createdAt,
  };
}

export function presentAgent(agent: AgentRecord, presence: AgentPresence, load: number): AgentSummary {
  return { serv_id: agent.servId, name: agent.name, presence, load, max_concurrent: agent.maxConcurrent, role: agent.role ?? 'agent' };
}

/** An absolute URL for a stored media path; `baseUrl` is PUBLIC_URL or the request's origin. */
export function mediaUrl(baseUrl: string, mediaPath: string): string {
  return baseUrl.replace(/\/+$/, '') + mediaPath;
}

/** Each kind's shape built at once: no base object spread into a copy per message. */
export function presentMessage(message: MessageRecord, baseUrl: string): Message {
  const { id: message_id, sender, senderType: sender_type, createdAt: timestamp, seq } = message;
  switch (message.type) {
    case 1:
      return { message_id, sender, sender_type, timestamp, seq, type: 1, audio_url: mediaUrl(baseUrl, message.mediaPath ?? ''), audio_len: message.audioLen ?? 0 };
    case 2:
      return { message_id, sender, sender_type, timestamp, seq, type: 2, image_url: mediaUrl(baseUrl, message.mediaPath ?? '') };
    case 3:
      return { message_id, sender, sender_type, timestamp, seq, type: 3, text: message.text ?? '' };
    case 4: {
      const notice: Message = { message_id, sender, sender_type, timestamp, seq, type: 4, action: message.action ?? 0 };
      // A reopen says where it went (the agent it returned to, null for the queue); a transfer names both agents.
      if (message.fromServId !== undefined) notice.from_serv_id = message.fromServId;
      if (message.servId !== undefined) notice.serv_id = message.servId;
      return notice;
    }
  }
}

/** A private note as agents read it: no `seq`, its place instead. */
export function presentNote(note: NoteRecord): Note {
  return {
    message_id: note.id,
    type: 5,
    sender: note.sender,
    sender_type: note.senderType,
    timestamp: note.createdAt,
    text: note.text,
    after_seq: note.afterSeq,
    note_seq: note.noteSeq,
  };
}

export const presentRating = (rating: CycleRating): Rating => ({ score: rating.score, comment: rating.comment, timestamp: rating.ratedAt });

/** A span from the cycle's start, or null until its end happened. */
const since = (start: number, at: number | null) => (at === null ? null : at - start);

/** A resolution cycle as agents of the app read it (GET /question/<id>/cycles). */
export function presentCycle(cycle: CycleRecord): Cycle {
  return {
    cycle: cycle.n,
    started_at: cycle.startedAt,
    served_at: cycle.servedAt,
    first_response_at: cycle.firstResponseAt,
    resolved_at: cycle.resolvedAt,
    wait_time: since(cycle.startedAt, cycle.servedAt),
    first_response_time: since(cycle.startedAt, cycle.firstResponseAt),
    resolution_time: since(cycle.startedAt, cycle.resolvedAt),
    outcome: cycle.outcome,
    user_messages: cycle.userMessages,
    agent_messages: cycle.agentMessages,
    agents: cycle.agents,
    rating: cycle.rating && presentRating(cycle.rating),
  };
}

export const presentWait = (q: QuestionRecord) => ({ question_id: q.id, timestamp: q.createdAt });
export const presentServed = (q: QuestionRecord) => ({ question_id: q.id, timestamp: q.createdAt, serv_id: q.servId });
export const presentAny = (q: QuestionRecord) => ({
  question_id: q.id,
  status: q.status,
  timestamp: q.createdAt,
  serv_id: q.servId,
});

export const presentTemplate = (t: TemplateRecord) => ({ template_id: t.id, title: t.title });
export const presentItem = (i: ItemRecord) => ({ item_id: i.id, question: i.question, content: i.content });

/** A webhook as the admin API lists it: never its secret (nor the salt it derives from). */
export const presentWebhook = (w: WebhookRecord) => ({
  webhook_id: w.id,
  identify: w.identify,
  url: w.url,
  events: w.events,
  state: w.disabledAt !== null ? ('disabled' as const) : w.failingSince !== null ? ('failing' as const) : ('active' as const),
  created_at: w.createdAt,
  disabled_at: w.disabledAt,
  failing_since: w.failingSince,
  last_error: w.lastError,
});
