/** Records → the exact reply shapes of docs/api.md (snake_case, float-second timestamps). */
import type { AgentPresence, AgentSummary, Message, QuestionSummary } from '../../shared/schemas/responses.js';
import type { AgentRecord, ItemRecord, MessageRecord, QuestionRecord, TemplateRecord, UserRecord } from '../stores/types.js';

/** How a chat message reads in one line (queue summaries, push bodies): its text, or its kind. */
export function messageSummaryText(message: { type: number; text?: string }): string {
  if (message.type === 1) return '[audio]';
  if (message.type === 2) return '[image]';
  return message.text ?? '';
}

export function presentSummary(question: QuestionRecord, user: UserRecord | undefined): QuestionSummary {
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
  return { serv_id: agent.servId, name: agent.name, presence, load, max_concurrent: agent.maxConcurrent };
}

/** An absolute URL for a stored media path; `baseUrl` is PUBLIC_URL or the request's origin. */
export function mediaUrl(baseUrl: string, mediaPath: string): string {
  return baseUrl.replace(/\/+$/, '') + mediaPath;
}

export function presentMessage(message: MessageRecord, baseUrl: string): Message {
  const base = {
    message_id: message.id,
    sender: message.sender,
    sender_type: message.senderType,
    timestamp: message.createdAt,
    seq: message.seq,
  };
  switch (message.type) {
    case 1:
      return { ...base, type: 1, audio_url: mediaUrl(baseUrl, message.mediaPath ?? ''), audio_len: message.audioLen ?? 0 };
    case 2:
      return { ...base, type: 2, image_url: mediaUrl(baseUrl, message.mediaPath ?? '') };
    case 3:
      return { ...base, type: 3, text: message.text ?? '' };
    case 4:
      return { ...base, type: 4, action: message.action ?? 0 };
  }
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
