/**
 * Every limit of docs/api.md: those of the original document, plus the ones it leaves open (text
 * and title lengths, label counts, media sizes), in one place so schemas, docs and tests agree.
 */
export const LIMITS = {
  sessionLength: 12,
  servId: { min: 1, max: 20 },
  password: { min: 1, max: 20 },
  identify: { min: 1, max: 80 },
  userId: { min: 1, max: 64 },
  objectIdLength: 24,
  page: { min: 0, max: 50, default: 0 },
  num: { min: 1, max: 50, default: 20 },
  sortValues: [1, -1] as const,
  sortDefault: -1 as const,
  title: { max: 200 },
  text: { min: 1, max: 4000 },
  label: { min: 1, max: 50, maxCount: 20 },
  name: { max: 100 },
  url: { max: 2000 },
  count: { max: 1_000_000 },
  /** An agent's max_concurrent: questions it may serve at once; 0 is no limit. */
  maxConcurrent: { max: 1000, default: 0 },
  /** A rating (issue 13): its score and its optional comment. */
  ratingScore: { min: 1, max: 5 },
  ratingComment: { max: 500 },
  /** GET /reports/summary: the longest range it covers, and the default (both in days). */
  reportRangeDays: { max: 366, default: 30 },
  templateTitle: { min: 1, max: 200 },
  itemQuestion: { min: 1, max: 2000 },
  itemContent: { min: 1, max: 8000 },
  clientMsgId: { min: 1, max: 64 },
  audioLen: { min: 1, max: 600 },
  /** Decoded image bytes accepted by send_image. */
  imageBytes: 10 * 1024 * 1024,
  /** Decoded audio bytes accepted by send_audio. */
  audioBytes: 10 * 1024 * 1024,
  /** Pixels sharp may decode; set before decoding, so a pixel bomb is refused from its header. */
  imagePixels: 25_000_000,
  /** Longest side of a stored image; larger images are scaled down. */
  imageMaxSide: 4096,
  /** JSON / form bodies everywhere except the media routes. */
  bodyBytes: 64 * 1024,
  /**
   * Bodies of send_image / send_audio: base64 of the largest media plus the other fields, also
   * when form-encoded (compressed media's base64 is ~1/32 `+` and `/`, each sent as 3 bytes: 10 MiB
   * → ~14.2 MiB). Larger media are refused by the decoder with payload_too_large on its field.
   */
  mediaBodyBytes: 16 * 1024 * 1024,
} as const;

/** Question status: 1 pending, 2 in progress, 3 resolved. */
export const STATUS = { pending: 1, inProgress: 2, resolved: 3 } as const;
export type QuestionStatus = (typeof STATUS)[keyof typeof STATUS];

/**
 * Message type: 1 audio, 2 image, 3 text, 4 notice, 5 private note (extension: agents only, outside
 * the public seq; see NOTE_TYPE).
 */
export const MESSAGE_TYPE = { audio: 1, image: 2, text: 3, notice: 4, note: 5 } as const;
/** A private note: written and read by agents of the question's app only, never by its user. */
export const NOTE_TYPE = MESSAGE_TYPE.note;
/** The types of the public conversation, the messages that take a seq (every type but notes). */
export type MessageType = Exclude<(typeof MESSAGE_TYPE)[keyof typeof MESSAGE_TYPE], typeof NOTE_TYPE>;

/** Sender type: 1 user, 2 agent (the system sends as 2, sender `system`). */
export const SENDER_TYPE = { user: 1, agent: 2 } as const;
export type SenderType = (typeof SENDER_TYPE)[keyof typeof SENDER_TYPE];

/** Notice actions, numbered as in the original document. */
export const ACTION = {
  agentStarted: 1,
  agentQuit: 2,
  finishRequested: 3,
  finished: 4,
  timedOut: 5,
  reopened: 6,
  /** Extension (issue 12): the serving agent handed the question to another agent; the notice names both. */
  transferred: 7,
} as const;
export type NoticeAction = (typeof ACTION)[keyof typeof ACTION];

/** The sender id of notices written by the server itself (timeouts, unconfirmed finishes). */
export const SYSTEM_SENDER = 'system';
