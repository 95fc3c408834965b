/**
 * Seeding a kefu node under test from outside its process: apps, users, sessions and agents through
 * the admin API (ADMIN_TOKEN), then the public API for what a user or an agent does (bind, ask,
 * serve, send). Nothing here touches a store directly.
 */
import { BENCH_ADMIN_TOKEN } from './processes.js';

export const BENCH_APP = 'com.example.bench';
const AGENT = { servId: 'bench-agent', password: 'bench-pw' };

async function call(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<any> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const reply = (await response.json()) as { status: number };
  if (response.status !== 200 || reply.status !== 200) throw new Error(`seeding ${path}: ${response.status} ${JSON.stringify(reply)}`);
  return reply;
}

const admin = (url: string, path: string, body: unknown) => call(url, `/v1/admin${path}`, body, { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` });

/** Runs `task(i)` for i < count with at most `parallel` in flight; resolves to the results in order. */
export async function inParallel<T>(count: number, parallel: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return results;
}

/** A user with one device session (what send_* names as its sender). */
export interface BenchUser {
  userId: string;
  session: string;
}

/** The seeded world the HTTP scenarios run against. */
export interface World {
  agentSession: string;
  /** Users whose served questions take the send_text and send_image load, one question each. */
  senders: Array<BenchUser & { questionId: string }>;
  /** A served question holding exactly `historySize` messages (its first is the serve notice). */
  history: BenchUser & { questionId: string };
  /** Users whose pending questions fill the queue the list scenario reads. */
  askers: BenchUser[];
}

async function user(url: string, userId: string): Promise<BenchUser> {
  await admin(url, '/users', { user_id: userId, name: `Bench ${userId}` });
  const { session } = await admin(url, '/sessions', { user_id: userId, identify: BENCH_APP });
  return { userId, session };
}

/** A new question of `asker`, left pending; resolves to its id. */
export async function ask(url: string, asker: BenchUser, title: string): Promise<string> {
  return (await call(url, '/v1/question/new', { session: asker.session, title })).question_id;
}

/** `count` more device sessions of one user. */
export function sessionsOf(url: string, userId: string, count: number): Promise<string[]> {
  return inParallel(count, 8, async () => (await admin(url, '/sessions', { user_id: userId, identify: BENCH_APP })).session as string);
}

/** The world of the HTTP scenarios: 10 senders, a 20-message history, a 20-question queue. */
export const BENCH_WORLD = { senders: 10, historySize: 20, queue: 20 };

/** The app, a bound agent, `senders` served questions, a `historySize`-message question, a 20-question queue. */
export async function seedWorld(url: string, options: { senders: number; historySize: number; queue: number }): Promise<World> {
  await admin(url, '/apps', { identify: BENCH_APP, name: 'Bench' });
  await admin(url, '/servs', { serv_id: AGENT.servId, password: AGENT.password, identifies: [BENCH_APP] });
  const desk = await user(url, 'bench-desk');
  await call(url, '/v1/serv/bind', { session: desk.session, serv_id: AGENT.servId, password: AGENT.password });
  const served = async (asker: BenchUser) => {
    const questionId = await ask(url, asker, `Order of ${asker.userId} has not arrived`);
    await call(url, `/v1/question/${questionId}/serve`, { session: desk.session, serv_id: AGENT.servId });
    return { ...asker, questionId };
  };
  const senders = await inParallel(options.senders, 4, async (i) => served(await user(url, `bench-u${i}`)));
  const history = await served(await user(url, 'bench-h'));
  for (let m = 1; m < options.historySize; m++) {
    await call(url, `/v1/question/${history.questionId}/message/send_text`, {
      session: history.session,
      sender: history.userId,
      sender_type: 1,
      text: `history message ${m}: where is my parcel, it was due on Monday`,
    });
  }
  const askers = await inParallel(options.queue, 4, (i) => user(url, `bench-q${i}`));
  await inParallel(askers.length, 4, (i) => ask(url, askers[i]!, `Where is my parcel ${i}?`));
  return { agentSession: desk.session, senders, history, askers };
}

/** A served question for the socket scenarios; its sender is the bound agent's desk session. */
export async function seedFanOutQuestion(url: string, agentSession: string, userId: string): Promise<BenchUser & { questionId: string }> {
  const asker = await user(url, userId);
  const questionId = await ask(url, asker, 'Fan-out');
  await call(url, `/v1/question/${questionId}/serve`, { session: agentSession, serv_id: AGENT.servId });
  return { ...asker, questionId };
}

/** The serve scenario's body for one pending question. */
export const serveBody = (agentSession: string) => JSON.stringify({ session: agentSession, serv_id: AGENT.servId });

/** Seeds the app and one user only (the idle-socket scenario); resolves to the user id. */
export async function seedApp(url: string, userId: string): Promise<string> {
  await admin(url, '/apps', { identify: BENCH_APP, name: 'Bench' });
  await admin(url, '/users', { user_id: userId, name: 'Idle user' });
  return userId;
}
