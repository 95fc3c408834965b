/**
 * pino, JSON lines (or pino-pretty's lines for a person at a terminal); anything named like a
 * secret is censored wherever it appears in a log object, and credentials inside any URL
 * (`redis://user:password@host`, a webhook URL with a password) are cut from messages, errors and
 * top-level string fields, before either format writes them.
 */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.js';

export const REDACTED_PATHS = [
  'password',
  'session',
  'token',
  'authorization',
  'passwordHash',
  '*.password',
  '*.session',
  '*.token',
  '*.authorization',
  '*.passwordHash',
  'headers["x-session"]',
  '*.headers["x-session"]',
];

/** `scheme://user:password@host` → `scheme://[redacted]@host`, anywhere in a string. */
export function redactUrlCredentials(text: string): string {
  // The user-info part stops at quotes too, so a JSON text stays JSON.
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"\\<>]+@/gi, '$1[redacted]@');
}

function scrubStrings<T extends Record<string, unknown>>(object: T): T {
  let copy: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(object)) {
    if (typeof value !== 'string' || !value.includes('@')) continue;
    const clean = redactUrlCredentials(value);
    if (clean !== value) (copy ??= { ...object })[key] = clean;
  }
  return (copy ?? object) as T;
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: {
        // Driver errors may quote the URL they were given (message, stack, nested cause).
        err: (error: Error) => {
          const serialized: unknown = pino.stdSerializers.err(error);
          if (!serialized || typeof serialized !== 'object') return serialized;
          try {
            return JSON.parse(redactUrlCredentials(JSON.stringify(serialized))) as unknown;
          } catch {
            return serialized;
          }
        },
      },
      formatters: { log: (object) => scrubStrings(object) },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? redactUrlCredentials(arg) : arg)) as typeof args,
          );
        },
      },
    },
    destination,
  );
}

/** Whether `format` asks for human-readable lines on an output that is (or is not) a terminal. */
export function prettyLogs(format: Config['logFormat'], isTerminal: boolean): boolean {
  return format === 'pretty' || (format === 'auto' && isTerminal);
}

/** pino-pretty as a synchronous stream (the last lines before process.exit are not lost). */
export function prettyStream(options: { colorize: boolean; destination?: NodeJS.WritableStream }): pino.DestinationStream {
  return pretty({
    colorize: options.colorize,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    destination: options.destination ?? 1,
  });
}

/** The process's logger on stdout (main.ts): JSON lines, or pino-pretty when LOG_FORMAT says so. */
export function createStdoutLogger(config: Pick<Config, 'logLevel' | 'logFormat'>): Logger {
  const isTerminal = Boolean(process.stdout.isTTY);
  const destination = prettyLogs(config.logFormat, isTerminal) ? prettyStream({ colorize: isTerminal }) : undefined;
  return createLogger(config.logLevel, destination);
}
