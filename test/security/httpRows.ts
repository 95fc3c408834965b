/**
 * The HTTP rows of the authorization matrix: one per endpoint (and a few variants), each with the
 * answer every column must get. The runner (authorizationMatrix.http.test.ts) adds the last two
 * columns itself: no session is always 400 param_missing, a revoked one always 401 session_invalid.
 *
 * Expectations follow docs/api.md; where it is silent the current behaviour was taken as
 * the decision, marked "silent:" below.
 */
import type { ErrorCode } from '../../shared/errors.js';
import { cells as cellsOf, everyColumn, MATRIX_NOTE, type Caller, type QuestionState, type SessionColumn, type World } from './matrixWorld.js';

/** 200 (and, for lists, whether the row's target is in it) or the error code. */
export type Expect = 200 | 'listed' | 'unlisted' | ErrorCode;

export interface RowContext {
  w: World;
  c: Caller;
  /** The row's question ('' when the row has none). */
  questionId: string;
}

export interface HttpRow {
  /** `METHOD path` exactly as in shared/endpoints.ts. */
  endpoint: string;
  /** What sets this row apart from the endpoint's other rows. */
  variant?: string;
  /** The question the row acts on, brought to this state first. */
  question?: QuestionState;
  /** The action changes the question: a fresh question per cell, and a refusal must change nothing. */
  writes?: boolean;
  /** The action changes the caller's own session (bind, unbind): a fresh device per cell. */
  freshCaller?: boolean;
  /** Parameters besides the session (path parameters are filled from the world). */
  params?: (x: RowContext) => Record<string, unknown>;
  /** For 'listed' / 'unlisted': whether the reply lists the row's target. */
  lists?: (body: any, x: RowContext) => boolean;
  expect: Record<SessionColumn, Expect>;
}

const hasQuestion = (body: { questions: Array<{ question_id: string }> }, x: RowContext) =>
  body.questions.some((q) => q.question_id === x.questionId);
const hasTemplate = (body: { templates: Array<{ template_id: string }> }, x: RowContext) =>
  body.templates.some((t) => t.template_id === x.w.templateId);

/** One expectation per session column, in table order. */
const cells = cellsOf<Expect>;

const page = () => ({ num: 50 });
const inApp = (x: RowContext) => ({ num: 50, identify: x.w.app });
const namesAgent = (x: RowContext) => ({ serv_id: x.c.servId });
const servingCredentials = (x: RowContext) => ({ serv_id: x.w.serving.servId, password: x.w.serving.password });
const asSender = (x: RowContext) => ({ sender: x.c.sender, sender_type: x.c.senderType });

// Column order of every `cells(…)` below:
//    asker        same-app user  other-app user  serving agent  colleague         supervisor        foreign agent  unbound
const READERS = cells(200, 'forbidden', 'forbidden', 200, 200, 200, 'forbidden', 'forbidden');
const USER_LIST = cells('listed', 'forbidden', 'forbidden', 'listed', 'listed', 'listed', 'unlisted', 'forbidden');
const AGENT_LIST = cells('serv_not_bound', 'serv_not_bound', 'serv_not_bound', 'listed', 'listed', 'listed', 'unlisted', 'serv_not_bound');
const SERVING_ONLY = cells('serv_not_bound', 'serv_not_bound', 'serv_not_bound', 200, 'question_taken', 'question_taken', 'forbidden', 'serv_not_bound');
const SEND = cells(200, 'forbidden', 'forbidden', 200, 'question_taken', 'question_taken', 'forbidden', 'sender_mismatch');
const ASKER_ONLY = cells(200, 'forbidden', 'forbidden', 'forbidden', 'forbidden', 'forbidden', 'forbidden', 'forbidden');

export const HTTP_ROWS: HttpRow[] = [
  // silent: bound agent sessions may ask too (as their device's user, in their session's app).
  { endpoint: 'POST /v1/question/new', writes: true, params: () => ({ title: 'Help' }), expect: everyColumn<Expect>(200) },

  // Knowing the password is the authorization; the session must be of an app the agent serves.
  {
    endpoint: 'POST /v1/serv/bind',
    variant: "with the serving agent's password",
    freshCaller: true,
    params: servingCredentials,
    expect: cells(200, 200, 'forbidden', 200, 200, 200, 'forbidden', 200),
  },
  {
    endpoint: 'POST /v1/serv/bind',
    variant: 'with a wrong password',
    params: (x) => ({ serv_id: x.w.serving.servId, password: 'not-the-password' }),
    expect: everyColumn<Expect>('serv_auth_failed'),
  },
  {
    endpoint: 'POST /v1/serv/unbind',
    variant: "with the serving agent's password",
    freshCaller: true,
    params: servingCredentials,
    expect: cells('serv_not_bound', 'serv_not_bound', 'serv_not_bound', 200, 'serv_not_bound', 'serv_not_bound', 'serv_not_bound', 'serv_not_bound'),
  },

  // Only sessions made by /serv/login end here (their own tests: test/http/servLogin.test.ts);
  // no app device session, bound or not, may be ended through the desk's logout.
  { endpoint: 'POST /v1/serv/logout', freshCaller: true, expect: everyColumn<Expect>('forbidden') },

  // silent: an agent of another app gets 200 without the question rather than 403 (its apps only).
  { endpoint: 'GET /v1/question/list', question: 'pending', params: page, lists: hasQuestion, expect: AGENT_LIST },
  {
    endpoint: 'GET /v1/question/list',
    variant: "identify = the question's app",
    question: 'pending',
    params: inApp,
    lists: hasQuestion,
    expect: cells('serv_not_bound', 'serv_not_bound', 'serv_not_bound', 'listed', 'listed', 'listed', 'forbidden', 'serv_not_bound'),
  },
  {
    endpoint: 'GET /v1/serv/:serv_id/tasks',
    variant: 'serv_id = the serving agent',
    question: 'inProgress',
    params: page,
    lists: hasQuestion,
    // A supervisor reads any agent's tasks in the apps it supervises (issue 13).
    expect: cells('serv_not_bound', 'serv_not_bound', 'serv_not_bound', 'listed', 'serv_not_bound', 'listed', 'serv_not_bound', 'serv_not_bound'),
  },

  // An agent chooses its own presence only; any agent of an app sees that app's agents.
  {
    endpoint: 'POST /v1/serv/status',
    variant: 'serv_id = the caller',
    params: (x) => ({ ...namesAgent(x), status: 'away' }),
    expect: cells('serv_not_bound', 'serv_not_bound', 'serv_not_bound', 200, 200, 200, 200, 'serv_not_bound'),
  },
  {
    endpoint: 'POST /v1/serv/status',
    variant: "everyone names the serving agent's serv_id",
    params: (x) => ({ serv_id: x.w.serving.servId, status: 'online' }),
    expect: cells('serv_not_bound', 'serv_not_bound', 'serv_not_bound', 200, 'serv_not_bound', 'serv_not_bound', 'serv_not_bound', 'serv_not_bound'),
  },
  {
    endpoint: 'GET /v1/serv/agents',
    variant: "identify = the question's app",
    params: (x) => ({ identify: x.w.app }),
    expect: cells('serv_not_bound', 'serv_not_bound', 'serv_not_bound', 200, 200, 200, 'forbidden', 'serv_not_bound'),
  },

  // Any agent of the app may serve a pending question; callers that are no agent name the serving agent.
  {
    endpoint: 'POST /v1/question/:question_id/serve',
    question: 'pending',
    writes: true,
    params: namesAgent,
    expect: cells('serv_not_bound', 'serv_not_bound', 'serv_not_bound', 200, 200, 200, 'forbidden', 'serv_not_bound'),
  },
  { endpoint: 'POST /v1/question/:question_id/quit', question: 'inProgress', writes: true, params: namesAgent, expect: SERVING_ONLY },
  {
    endpoint: 'POST /v1/question/:question_id/quit',
    variant: "everyone names the serving agent's serv_id",
    question: 'inProgress',
    writes: true,
    params: servingCredentials,
    expect: cells('serv_not_bound', 'serv_not_bound', 'serv_not_bound', 200, 'serv_not_bound', 'serv_not_bound', 'serv_not_bound', 'serv_not_bound'),
  },
  { endpoint: 'POST /v1/question/:question_id/finish', question: 'inProgress', writes: true, params: namesAgent, expect: SERVING_ONLY },
  {
    endpoint: 'POST /v1/question/:question_id/request_finish',
    question: 'inProgress',
    writes: true,
    params: namesAgent,
    expect: SERVING_ONLY,
  },
  { endpoint: 'POST /v1/question/:question_id/confirm_finish', question: 'finishRequested', writes: true, expect: ASKER_ONLY },
  { endpoint: 'POST /v1/question/:question_id/reopen', question: 'resolved', writes: true, expect: ASKER_ONLY },
  // Issue 13: the asker rates; agents of the app (supervisors too) read the cycles; reports are a supervisor's.
  { endpoint: 'POST /v1/question/:question_id/rate', question: 'resolved', writes: true, params: () => ({ score: 5 }), expect: ASKER_ONLY },
  {
    endpoint: 'GET /v1/question/:question_id/cycles',
    question: 'resolved',
    expect: cells('forbidden', 'forbidden', 'forbidden', 200, 200, 200, 'forbidden', 'forbidden'),
  },
  {
    endpoint: 'GET /v1/reports/summary',
    variant: "identify = the question's app",
    params: (x) => ({ identify: x.w.app }),
    expect: cells('forbidden', 'forbidden', 'forbidden', 'forbidden', 'forbidden', 200, 'forbidden', 'forbidden'),
  },

  // silent: an agent of another app gets 200 without the user's questions in its apps (no 403).
  { endpoint: 'GET /v1/user/:user_id/waits', question: 'pending', params: page, lists: hasQuestion, expect: USER_LIST },
  { endpoint: 'GET /v1/user/:user_id/tasks', question: 'inProgress', params: page, lists: hasQuestion, expect: USER_LIST },
  { endpoint: 'GET /v1/user/:user_id/overs', question: 'resolved', params: page, lists: hasQuestion, expect: USER_LIST },
  { endpoint: 'GET /v1/user/:user_id/alls', question: 'inProgress', params: page, lists: hasQuestion, expect: USER_LIST },
  {
    endpoint: 'GET /v1/user/:user_id/alls',
    variant: "identify = the question's app",
    question: 'inProgress',
    params: inApp,
    lists: hasQuestion,
    expect: cells('listed', 'forbidden', 'forbidden', 'listed', 'listed', 'listed', 'forbidden', 'forbidden'),
  },

  { endpoint: 'GET /v1/question/:question_id/message', question: 'inProgress', params: page, expect: READERS },
  // A question holding a private note: 'listed' means the reply shows it. Its asker reads the
  // messages without it (and their seqs gapless); agents of the app read it in place.
  {
    endpoint: 'GET /v1/question/:question_id/message',
    variant: 'holding a private note',
    question: 'withNote',
    params: () => ({ num: 50, sort: 1 }),
    lists: (body: { messages: Array<{ type: number; text?: string; seq?: number }> }) => {
      const shown = body.messages.some((m) => m.type === 5 || m.text === MATRIX_NOTE);
      const seqs = body.messages.filter((m) => m.type !== 5).map((m) => m.seq);
      if (!shown && JSON.stringify(seqs) !== JSON.stringify([1, 2, 3])) throw new Error(`a gap in the seqs without the note: ${seqs}`);
      return shown;
    },
    expect: cells('unlisted', 'forbidden', 'forbidden', 'listed', 'listed', 'listed', 'forbidden', 'forbidden'),
  },
  // Notes: any agent of the app (serving or not); a session with no bound agent is serv_not_bound.
  {
    endpoint: 'POST /v1/question/:question_id/message/send_note',
    question: 'inProgress',
    writes: true,
    params: (x) => ({ sender: x.c.sender, sender_type: 2, text: 'a note' }),
    expect: cells('serv_not_bound', 'serv_not_bound', 'serv_not_bound', 200, 200, 200, 'forbidden', 'serv_not_bound'),
  },
  // The unbound device still claims the agent it was: its sender no longer matches its session.
  {
    endpoint: 'POST /v1/question/:question_id/message/send_text',
    question: 'inProgress',
    writes: true,
    params: (x) => ({ ...asSender(x), text: 'hello' }),
    expect: SEND,
  },
  {
    endpoint: 'POST /v1/question/:question_id/message/send_text',
    variant: 'while pending',
    question: 'pending',
    writes: true,
    params: (x) => ({ ...asSender(x), text: 'hello' }),
    expect: cells(200, 'forbidden', 'forbidden', 'question_not_started', 'question_not_started', 'question_not_started', 'forbidden', 'sender_mismatch'),
  },
  {
    endpoint: 'POST /v1/question/:question_id/message/send_image',
    question: 'inProgress',
    writes: true,
    params: (x) => ({ ...asSender(x), image: x.w.jpeg }),
    expect: SEND,
  },
  {
    endpoint: 'POST /v1/question/:question_id/message/send_audio',
    question: 'inProgress',
    writes: true,
    params: (x) => ({ ...asSender(x), audio: x.w.wav, audio_len: 1 }),
    expect: SEND,
  },

  // silent: the asker may not open its own user page (the page is for agents).
  {
    endpoint: 'GET /v1/user',
    question: 'inProgress',
    params: (x) => ({ question_id: x.questionId }),
    expect: cells('forbidden', 'forbidden', 'forbidden', 200, 200, 200, 'forbidden', 'forbidden'),
  },

  // silent: an agent of another app gets 200 without the app's templates rather than 403.
  { endpoint: 'GET /v1/answer/templates', lists: hasTemplate, expect: AGENT_LIST },
  {
    endpoint: 'GET /v1/answer/templates',
    variant: 'identify = the template’s app',
    params: (x) => ({ identify: x.w.app }),
    lists: hasTemplate,
    expect: cells('serv_not_bound', 'serv_not_bound', 'serv_not_bound', 'listed', 'listed', 'listed', 'forbidden', 'serv_not_bound'),
  },
  {
    endpoint: 'GET /v1/answer/template/:template_id',
    params: page,
    expect: cells('serv_not_bound', 'serv_not_bound', 'serv_not_bound', 200, 200, 200, 'forbidden', 'serv_not_bound'),
  },
];
