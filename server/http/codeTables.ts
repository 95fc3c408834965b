/**
 * The numeric codes a client must decode, as Markdown tables for the OpenAPI description (and so
 * the /docs page): message `type` and notice `action`. Keyed by the constants of shared/limits.ts,
 * so a new code without a row is a compile error; a test holds the rows to docs/api.md's tables.
 */
import type { MessageType, NOTE_TYPE, NoticeAction } from '../../shared/limits.js';

/** Message `type` → its kind and the fields that come with it. */
export const MESSAGE_TYPE_ROWS: Record<MessageType | typeof NOTE_TYPE, { kind: string; fields: string }> = {
  1: { kind: 'audio', fields: '`audio_url` (absolute URL), `audio_len` (integer, seconds)' },
  2: { kind: 'image', fields: '`image_url` (absolute URL of a JPEG)' },
  3: { kind: 'text', fields: '`text`' },
  4: { kind: 'notice', fields: '`action` (see notice actions)' },
  5: {
    kind: 'note',
    fields: '`text`, `after_seq`, `note_seq` and no `seq`; agents of the app only (extension, see private notes)',
  },
};

/** Notice `action` → what happened and who writes the notice. */
export const NOTICE_ACTION_ROWS: Record<NoticeAction, { meaning: string; writtenBy: string }> = {
  1: { meaning: 'agent started serving', writtenBy: 'serve, sender = the agent' },
  2: { meaning: 'agent quit; the question is back in the queue', writtenBy: 'quit, sender = the agent' },
  3: { meaning: 'agent asked to finish (the user may confirm)', writtenBy: 'request_finish, sender = the agent' },
  4: {
    meaning: 'finished (resolved)',
    writtenBy: 'finish (the agent), confirm_finish (the user), or the server after an unanswered action 3 (sender `system`)',
  },
  5: { meaning: 'timed out (resolved)', writtenBy: 'the server (sender `system`)' },
  6: { meaning: 'user reopened', writtenBy: 'reopen, sender = the user' },
  7: {
    meaning: 'agent transferred the question to another agent',
    writtenBy: 'transfer, sender = the agent who handed it over; `from_serv_id` and `serv_id` name both agents (extension)',
  },
};

const table = (header: string[], rows: string[][]) =>
  [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');

/** Both tables under their headings, in Markdown. */
export function codeTablesMarkdown(): string {
  const types = Object.entries(MESSAGE_TYPE_ROWS).map(([code, row]) => [code, row.kind, row.fields]);
  const actions = Object.entries(NOTICE_ACTION_ROWS).map(([code, row]) => [code, row.meaning, row.writtenBy]);
  return [
    '### Message types',
    table(['`type`', 'kind', 'type-specific fields'], types),
    '### Notice actions',
    'A notice (type 4) records a change of the question, written in the same step as the change, with the next `seq`.',
    table(['`action`', 'meaning', 'written by'], actions),
  ].join('\n\n');
}
