/**
 * The cast and the worlds of the authorization matrix (authorizationMatrix.*.test.ts): who the
 * columns are, what each of them claims to be, and the questions they act on.
 *
 * Agents cost a slow password hash each, so one cast of agents serves every row. Users, sessions
 * and questions are cheap, so every row gets fresh ones, and a row whose action changes state makes
 * a fresh question (or a fresh device) per cell: cells never depend on each other's outcome.
 */
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { sessionDeleter } from '../../server/domain/commands/provisioning.js';
import { ERROR_STATUS, type ErrorCode } from '../../shared/errors.js';
import { wav } from '../media/fixtures.js';
import { factories, type Factories, type TestAgent, type TestUser } from '../support/factories.js';
import type { TestServer } from '../support/server.js';

/** The columns, in table order, with the words the generated test titles use. */
export const COLUMNS = {
  asker: "the question's user",
  sameAppUser: 'another user of the app',
  otherAppUser: 'a user of another app',
  servingAgent: 'the serving agent',
  colleague: 'another agent of the app',
  supervisor: 'a supervisor of the app',
  foreignAgent: 'an agent of another app',
  unbound: 'an unbound agent after /serv/unbind',
  none: 'no session',
  revoked: 'a revoked session',
} as const;

export type Column = keyof typeof COLUMNS;
export const COLUMN_ORDER = Object.keys(COLUMNS) as Column[];
/** The columns that hold a valid session (the last two never get past authentication). */
export type SessionColumn = Exclude<Column, 'none' | 'revoked'>;
export const SESSION_COLUMNS = COLUMN_ORDER.filter((c): c is SessionColumn => c !== 'none' && c !== 'revoked');

/** One expectation per session column, written in table order (see COLUMNS). */
export function cells<T>(...values: [T, T, T, T, T, T, T, T]): Record<SessionColumn, T> {
  return Object.fromEntries(SESSION_COLUMNS.map((c, i) => [c, values[i]!])) as Record<SessionColumn, T>;
}

/** The same expectation in every session column. */
export const everyColumn = <T>(value: T) => cells<T>(value, value, value, value, value, value, value, value);

/** "403 forbidden" for a code; other outcomes as they are. */
export const describeCode = (code: ErrorCode) => `${ERROR_STATUS[code]} ${code}`;

/** The part made once per test file: two apps, three agents, a template with an item, media. */
export interface Cast {
  server: TestServer;
  f: Factories;
  /** The app every question is asked in. */
  app: string;
  otherApp: string;
  /** Serves `app`; serves every question of the matrix that is in progress or resolved. */
  serving: TestAgent;
  /** Also serves `app`, bound on its own device. */
  colleague: TestAgent;
  /** A supervisor of `app` (issue 13) that serves none of the matrix's questions, bound on its own device. */
  supervisor: TestAgent;
  /** Serves only `otherApp`. */
  foreign: TestAgent;
  templateId: string;
  /** Tiny valid media, base64, so refused media sends can only fail for authorization. */
  jpeg: string;
  wav: string;
}

export async function createCast(server: TestServer): Promise<Cast> {
  const f = factories(server);
  const [app, otherApp] = [await f.app(), await f.app()];
  const [serving, colleague, supervisor, foreign] = await Promise.all([
    f.agent({ identifies: [app] }),
    f.agent({ identifies: [app] }),
    f.agent({ identifies: [app], role: 'supervisor' }),
    f.agent({ identifies: [otherApp] }),
  ]);
  const templateId = await f.template(app);
  await f.item(templateId);
  const jpeg = (await sharp({ create: { width: 2, height: 2, channels: 3, background: 'red' } }).jpeg().toBuffer()).toString('base64');
  return { server, f, app, otherApp, serving, colleague, supervisor, foreign, templateId, jpeg, wav: wav().toString('base64') };
}

/** The cheap part, fresh per row: the users, a revoked session and an unbound agent device. */
export interface World extends Cast {
  asker: TestUser;
  sameAppUser: TestUser;
  otherAppUser: TestUser;
  /** A session of the asker that the host backend deleted. */
  revoked: string;
  /** A device of the app that was bound to the serving agent, then unbound with /serv/unbind. */
  unbound: string;
}

export async function createWorld(cast: Cast, options: { unbound?: string } = {}): Promise<World> {
  const { f } = cast;
  const [asker, sameAppUser, otherAppUser] = await Promise.all([
    f.user({ identify: cast.app }),
    f.user({ identify: cast.app }),
    f.user({ identify: cast.otherApp }),
  ]);
  const revoked = await f.session(asker);
  await sessionDeleter(cast.server.deps, revoked);
  const unbound = options.unbound ?? (await unbind(cast, await device(cast, cast.app, cast.serving)));
  return { ...cast, asker, sameAppUser, otherAppUser, revoked, unbound };
}

/** A new device session of a fresh user of `identify`, bound to `agent` when given. */
export async function device(cast: Cast, identify: string, agent?: TestAgent): Promise<string> {
  const { session } = await cast.f.user({ identify });
  if (agent) await expectOk(cast.f.api.post('/v1/serv/bind', { session, serv_id: agent.servId, password: agent.password }));
  return session;
}

/** Logs the serving agent out of `session` (which must be bound to it); returns the session. */
export async function unbind(cast: Cast, session: string): Promise<string> {
  const { servId, password } = cast.serving;
  await expectOk(cast.f.api.post('/v1/serv/unbind', { session, serv_id: servId, password }));
  return session;
}

async function expectOk(reply: Promise<{ status: number; text: string }>): Promise<void> {
  const r = await reply;
  assert.equal(r.status, 200, r.text);
}

/**
 * What a column presents to the server. Bound agents name themselves; the others name the
 * serving agent (the only agent they could pretend to be), and the unbound device still claims
 * the agent it was logged in as.
 */
export interface Caller {
  session: string | undefined;
  sender: string;
  senderType: 1 | 2;
  servId: string;
}

export function callerOf(w: World, column: Column): Caller {
  // `session` is explicit: a default parameter would turn "no session" back into the user's own.
  const asUser = (user: TestUser, session: string | undefined): Caller => ({
    session,
    sender: user.userId,
    senderType: 1,
    servId: w.serving.servId,
  });
  const asAgent = (agent: TestAgent, session: string): Caller => ({ session, sender: agent.servId, senderType: 2, servId: agent.servId });
  switch (column) {
    case 'asker':
      return asUser(w.asker, w.asker.session);
    case 'sameAppUser':
      return asUser(w.sameAppUser, w.sameAppUser.session);
    case 'otherAppUser':
      return asUser(w.otherAppUser, w.otherAppUser.session);
    case 'servingAgent':
      return asAgent(w.serving, w.serving.session);
    case 'colleague':
      return asAgent(w.colleague, w.colleague.session);
    case 'supervisor':
      return asAgent(w.supervisor, w.supervisor.session);
    case 'foreignAgent':
      return asAgent(w.foreign, w.foreign.session);
    case 'unbound':
      return asAgent(w.serving, w.unbound);
    case 'none':
      return asUser(w.asker, undefined);
    case 'revoked':
      return asUser(w.asker, w.revoked);
  }
}

/**
 * The same column on a device of its own, for actions that change the caller's session (bind,
 * unbind): same user (or same agent, bound anew), so the shared sessions stay as they are.
 */
export async function freshCallerOf(w: World, column: Column): Promise<Caller> {
  const base = callerOf(w, column);
  switch (column) {
    case 'asker':
    case 'sameAppUser':
    case 'otherAppUser': {
      const user = w[column];
      return { ...base, session: await w.f.session(user) };
    }
    case 'servingAgent':
      return { ...base, session: await device(w, w.app, w.serving) };
    case 'colleague':
      return { ...base, session: await device(w, w.app, w.colleague) };
    case 'supervisor':
      return { ...base, session: await device(w, w.app, w.supervisor) };
    case 'foreignAgent':
      return { ...base, session: await device(w, w.otherApp, w.foreign) };
    case 'unbound':
      return { ...base, session: await unbind(w, await device(w, w.app, w.serving)) };
    default:
      return base;
  }
}

/** Where a question of the matrix stands before the action: every served one is served by `serving`. */
export type QuestionState = 'pending' | 'inProgress' | 'finishRequested' | 'resolved' | 'withNote';

/** The text of the private note a 'withNote' question holds (a reply that contains it shows the note). */
export const MATRIX_NOTE = 'matrix private note';

/** A new question of the world's asker, brought to `state` through the public API. */
export async function questionIn(w: World, state: QuestionState): Promise<string> {
  const { f, serving } = w;
  const id = await f.question(w.asker, { title: `matrix ${state}` });
  if (state === 'pending') return id;
  await f.serve(id, serving);
  if (state === 'withNote') {
    // In progress, a message, then a note between it and the next message.
    await expectOk(f.sendText(id, w.asker, 'before the note'));
    await expectOk(f.note(id, serving, MATRIX_NOTE));
    await expectOk(f.sendText(id, serving, 'after the note'));
    return id;
  }
  const next = { inProgress: null, finishRequested: 'request_finish', resolved: 'finish' }[state];
  if (next) await expectOk(f.api.post(`/v1/question/${id}/${next}`, { session: serving.session, serv_id: serving.servId }));
  return id;
}
