/**
 * The success bodies, field by field as the original document lists them. Tests parse every reply
 * with these (strict, so an extra or missing field fails), and the typed client infers from them.
 */
import { z } from 'zod';

/** An id as the server sends it: 24 lower-case hex characters. */
export const id = z.string().regex(/^[0-9a-f]{24}$/);
const timestamp = z.number();
const ok = { status: z.literal(200) };

export const questionSummary = z.strictObject({
  question_id: id,
  /** Extension (issue 9): the question's app, so a desk serving several apps can tell them apart. */
  identify: z.string(),
  user_id: z.string(),
  user_image_url: z.string(),
  user_name: z.string(),
  title: z.string(),
  /** Extension (issue 9): the labels asked with, so queues can show them. */
  labels: z.array(z.string()),
  last_mess_text: z.string(),
  last_mess_timestamp: timestamp.nullable(),
  last_mess_sender: z.string().nullable(),
  last_mess_sender_type: z.union([z.literal(1), z.literal(2)]).nullable(),
  timestamp,
});

const messageBase = {
  message_id: id,
  sender: z.string(),
  sender_type: z.union([z.literal(1), z.literal(2)]),
  timestamp,
  seq: z.number().int().min(1),
};

export const audioMessage = z.strictObject({
  ...messageBase,
  type: z.literal(1),
  audio_url: z.string().url(),
  audio_len: z.number().int(),
});
export const imageMessage = z.strictObject({ ...messageBase, type: z.literal(2), image_url: z.string().url() });
export const textMessage = z.strictObject({ ...messageBase, type: z.literal(3), text: z.string() });
export const noticeMessage = z.strictObject({
  ...messageBase,
  type: z.literal(4),
  action: z.number().int().min(1).max(6),
});
export const message = z.discriminatedUnion('type', [audioMessage, imageMessage, textMessage, noticeMessage]);

/**
 * Extension (issue 12): a private note, read by agents of the question's app only. It takes no
 * `seq`, so the public numbering a user's client checks for gaps stays 1, 2, 3, …: it sits right
 * after the message whose seq is `after_seq` (0: before the first), and `note_seq` (1, 2, 3, … per
 * question, in writing order) orders notes that follow the same message.
 */
export const noteMessage = z.strictObject({
  message_id: id,
  type: z.literal(5),
  sender: z.string(),
  sender_type: z.literal(2),
  timestamp,
  text: z.string(),
  after_seq: z.number().int().min(0),
  note_seq: z.number().int().min(1),
});

/** What an agent's read of a question holds: its messages and, interleaved in place, its notes. */
export const timelineEntry = z.discriminatedUnion('type', [audioMessage, imageMessage, textMessage, noticeMessage, noteMessage]);

export const okReply = z.strictObject({ ...ok });
export const questionNewReply = z.strictObject({
  ...ok,
  question_id: id,
  question: z.strictObject({ id, status: z.literal(1) }),
});
export const messageIdReply = z.strictObject({ ...ok, message_id: id });
export const imageReply = z.strictObject({ ...ok, message_id: id, image_url: z.string().url() });
export const audioReply = z.strictObject({ ...ok, message_id: id, audio_url: z.string().url() });
export const summaryListReply = z.strictObject({ ...ok, questions: z.array(questionSummary) });
export const waitsReply = z.strictObject({
  ...ok,
  questions: z.array(z.strictObject({ question_id: id, timestamp })),
});
/** user tasks (always served) and overs (null when it timed out before anyone served it). */
export const servedListReply = z.strictObject({
  ...ok,
  questions: z.array(z.strictObject({ question_id: id, timestamp, serv_id: z.string().nullable() })),
});
export const allsReply = z.strictObject({
  ...ok,
  questions: z.array(
    z.strictObject({
      question_id: id,
      status: z.union([z.literal(1), z.literal(2), z.literal(3)]),
      timestamp,
      serv_id: z.string().nullable(),
    }),
  ),
});
/** A user's read holds messages only; an agent of the app also gets the notes, in place. */
export const messagesReply = z.strictObject({ ...ok, messages: z.array(timelineEntry) });
export const templatesReply = z.strictObject({
  ...ok,
  templates: z.array(z.strictObject({ template_id: id, title: z.string() })),
});
export const itemsReply = z.strictObject({
  ...ok,
  items: z.array(z.strictObject({ item_id: id, question: z.string(), content: z.string() })),
});
/** A user's rating of one resolution cycle (issue 13). */
export const rating = z.strictObject({ score: z.number().int().min(1).max(5), comment: z.string(), timestamp });
/** POST /question/<id>/rate: the rating as stored, and the cycle it rates (1 the ask, then one per reopen). */
export const rateReply = z.strictObject({ ...ok, cycle: z.number().int().min(1), rating });
/**
 * One resolution cycle as agents read it (issue 13): from the ask (cycle 1) or a reopen to the
 * resolution, with its times (seconds from the cycle's start; null until it happened) and rating.
 */
export const cycle = z.strictObject({
  cycle: z.number().int().min(1),
  started_at: timestamp,
  served_at: timestamp.nullable(),
  first_response_at: timestamp.nullable(),
  resolved_at: timestamp.nullable(),
  wait_time: z.number().nullable(),
  first_response_time: z.number().nullable(),
  resolution_time: z.number().nullable(),
  outcome: z.enum(['finished', 'confirmed', 'timed_out']).nullable(),
  user_messages: z.number().int().min(0),
  agent_messages: z.number().int().min(0),
  agents: z.array(z.string()),
  rating: rating.nullable(),
});
/** GET /question/<id>/cycles: every cycle of the question, oldest first. */
export const cyclesReply = z.strictObject({ ...ok, cycles: z.array(cycle) });
/** A duration's distribution in seconds; every figure null when nothing was measured. */
export const durationStats = z.strictObject({
  count: z.number().int().min(0),
  mean: z.number().nullable(),
  median: z.number().nullable(),
  p90: z.number().nullable(),
});
/** The figures of one group of cycles (or of all of them). */
export const reportFigures = {
  asked: z.number().int().min(0),
  served: z.number().int().min(0),
  resolved: z.number().int().min(0),
  timed_out: z.number().int().min(0),
  reopened: z.number().int().min(0),
  wait_time: durationStats,
  first_response_time: durationStats,
  resolution_time: durationStats,
  csat: z.strictObject({ count: z.number().int().min(0), mean: z.number().nullable(), satisfied: z.number().min(0).max(1).nullable() }),
};
/** GET /reports/summary: the range it covered, each group (by key) and the total. */
export const reportSummaryReply = z.strictObject({
  ...ok,
  identify: z.string(),
  from: timestamp,
  to: timestamp,
  group_by: z.enum(['day', 'agent', 'label']).nullable(),
  groups: z.array(z.strictObject({ key: z.string().nullable(), ...reportFigures })),
  total: z.strictObject(reportFigures),
});
export const sessionReply = z.strictObject({ ...ok, session: z.string().length(12) });
/** /serv/login: a new device session bound to the agent, and the apps it serves. */
export const servLoginReply = z.strictObject({
  ...ok,
  session: z.string().length(12),
  serv_id: z.string(),
  identifies: z.array(z.string()),
});
/**
 * Extension (issue 12): an agent is `online` while a socket of a session bound to it is connected
 * and it has not chosen `away`; `away` when it chose so (and is connected); `offline` otherwise.
 */
export const agentPresence = z.enum(['online', 'away', 'offline']);
/** /serv/status: the presence the agent has now (offline until one of its sessions connects a socket). */
export const servStatusReply = z.strictObject({ ...ok, presence: agentPresence });
/** /serv/agents: every agent of the app; load is the questions it serves now, max_concurrent 0 is no limit. */
export const servAgentsReply = z.strictObject({
  ...ok,
  agents: z.array(
    z.strictObject({
      serv_id: z.string(),
      name: z.string(),
      presence: agentPresence,
      load: z.number().int().min(0),
      max_concurrent: z.number().int().min(0),
      /** Extension (issue 13). */
      role: z.enum(['agent', 'supervisor']),
    }),
  ),
});
export const templateIdReply = z.strictObject({ ...ok, template_id: id });
export const itemIdReply = z.strictObject({ ...ok, item_id: id });
export const errorReply = z.strictObject({
  status: z.literal(300),
  error: z.string(),
  field: z.string().optional(),
  debug: z.string(),
});

export type QuestionSummary = z.infer<typeof questionSummary>;
export type Message = z.infer<typeof message>;
export type Note = z.infer<typeof noteMessage>;
export type TimelineEntry = z.infer<typeof timelineEntry>;
export type AgentPresence = z.infer<typeof agentPresence>;
export type AgentSummary = z.infer<typeof servAgentsReply>['agents'][number];
export type Rating = z.infer<typeof rating>;
export type Cycle = z.infer<typeof cycle>;
export type ReportSummary = z.infer<typeof reportSummaryReply>;
export type ReportFigures = ReportSummary['total'];
