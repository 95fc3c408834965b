/**
 * `kefu watch`: live queue and conversation events of a running server, one readable line each
 * (`--json`: the `watch:event` payloads as JSON lines). It connects a watch socket (docs/api.md,
 * "Watch sockets") with the ADMIN_TOKEN of the environment, or of `.env` in the working directory.
 * Notes (connected, reconnecting) go to stderr, so stdout carries only events.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { ApiError, ERROR_CODES, type ErrorCode } from '../../shared/errors.js';
import type { WatchEventPayload, WatchHandshake } from '../../shared/events.js';
import { ACTION } from '../../shared/limits.js';
import { identify } from '../../shared/schemas/common.js';
import { CliFailure, define, UsageError, type CliContext } from './command.js';
import { utcTime } from './table.js';

const watchFlags = z.object({
  identify: z.array(identify).min(1).max(200).optional(),
  url: z
    .string()
    .regex(/^https?:\/\/[^\s/]+/, { error: 'must be an http(s) URL such as http://localhost:3000' })
    .optional(),
});

/** What a notice action reads as in a watch line. */
const ACTION_WORDS: Record<number, string> = {
  [ACTION.agentStarted]: 'served',
  [ACTION.agentQuit]: 'back in the queue',
  [ACTION.finishRequested]: 'finish requested',
  [ACTION.finished]: 'finished',
  [ACTION.timedOut]: 'timed out',
  [ACTION.reopened]: 'reopened',
};

/** One event as one line: time, app, question, what happened, who, and a preview. */
export function watchLine(event: WatchEventPayload): string {
  const head = `${utcTime(event.timestamp)}  ${event.identify}  ${event.question_id}`;
  const message = event.message;
  switch (event.event) {
    case 'question.created':
      return `${head}  asked     ${event.user_id}: ${JSON.stringify(event.title)}`;
    case 'question.transitioned': {
      const by = message?.sender ?? '?';
      const agent = event.serv_id && event.serv_id !== by ? ` (agent ${event.serv_id})` : '';
      return `${head}  ${(ACTION_WORDS[event.action ?? 0] ?? `action ${event.action}`).padEnd(9)} by ${by}${agent}`;
    }
    case 'message.created':
      return `${head}  message   ${message?.sender} (${message?.sender_type === 2 ? 'agent' : 'user'}) #${message?.seq}: ${message?.preview}`;
  }
}

/** A variable from the environment, else from `.env` in the working directory (as `npm start` reads it). */
function setting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  // Set in the environment, even empty, wins over the file (as with `npm start`'s .env).
  if (env[name] !== undefined) return env[name] || undefined;
  if (!existsSync('.env')) return undefined;
  return parseEnv(readFileSync('.env', 'utf8'))[name] || undefined;
}

/** Resolves once `signal` aborts, or on SIGINT / SIGTERM when there is none. */
function stopped(signal: AbortSignal | undefined): Promise<void> {
  if (signal) return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

async function watch(ctx: CliContext, input: z.output<typeof watchFlags>): Promise<void> {
  const token = setting(ctx.env, 'ADMIN_TOKEN');
  if (!token) throw new UsageError('ADMIN_TOKEN is not set (in the environment or .env); watching needs the server’s admin token');
  const url = input.url ?? `http://localhost:${setting(ctx.env, 'PORT') ?? 3000}`;
  const auth: WatchHandshake = { admin_token: token, ...(input.identify ? { identifies: input.identify } : {}) };
  // socket.io-client is loaded only here: no other command pays for it.
  const { io } = await import('socket.io-client');
  const socket = io(url, { auth, transports: ['websocket'], reconnectionDelayMax: 5000 });
  const what = input.identify ? input.identify.join(', ') : 'every app';

  const failed = new Promise<never>((_resolve, reject) => {
    let everConnected = false;
    socket.on('connect', () => {
      ctx.err(`kefu: watching ${what} on ${url}${everConnected ? ' again' : ''} (Ctrl-C stops)`);
      everConnected = true;
    });
    socket.on('connect_error', (error: Error & { data?: { error?: unknown; debug?: unknown } }) => {
      const code = error.data?.error;
      // The server refused the handshake: retrying cannot help.
      if (typeof code === 'string' && ERROR_CODES.includes(code as ErrorCode)) {
        reject(new ApiError(code as ErrorCode, typeof error.data?.debug === 'string' ? error.data.debug : code));
      } else if (!everConnected) {
        reject(new CliFailure(`cannot reach ${url}: ${error.message}`));
      }
      // Otherwise the connection dropped after working: socket.io-client retries by itself.
    });
    socket.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') return; // our own close, on Ctrl-C
      ctx.err(`kefu: disconnected (${reason}); reconnecting`);
      // A server-side disconnect is not retried by the client on its own.
      if (reason === 'io server disconnect') socket.connect();
    });
  });
  socket.on('watch:event', (event: WatchEventPayload) => ctx.out(ctx.json ? JSON.stringify(event) : watchLine(event)));
  try {
    await Promise.race([stopped(ctx.signal), failed]);
  } finally {
    socket.close();
  }
}

export const WATCH_COMMANDS = {
  watch: define({
    usage: '[--identify <package,package>] [--url <url>]',
    summary: 'print live queue and conversation events (every app, or those named) as they happen, one line each; --json: JSON lines. Needs ADMIN_TOKEN (environment or .env); --url defaults to http://localhost:$PORT',
    schema: watchFlags,
    lists: ['identify'],
    run: watch,
  }),
};
