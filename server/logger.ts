/**
 * pino, JSON lines (or pino-pretty's lines for a person at a terminal); anything named like a
 * secret is censored wherever it appears in a log object, and credentials inside any URL
 * (`redis://user:password@host`, a webhook URL with a password) are cut from messages, errors and
 * top-level string fields, before either format writes them.
 */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.js';

/** Keys whose values never reach a log line, at the top of a log object and one level down. */
export const SECRET_KEYS = ['password', 'session', 'token', 'authorization', 'passwordHash'] as const;
const CENSOR = '[redacted]';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A copy with the same prototype and properties (an Error stays an Error), then `changes` set on it. */
function copyWith<T extends object>(value: T, changes: Record<string, unknown>): T {
  const copy = Object.create(Object.getPrototypeOf(value) as object | null, Object.getOwnPropertyDescriptors(value)) as T;
  for (const [key, changed] of Object.entries(changes)) {
    Object.defineProperty(copy, key, { value: changed, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** The object with its own secret keys and `headers["x-session"]` censored (a copy, if any was there). */
function censorLevel<T extends Record<string, unknown>>(object: T): T {
  let changes: Record<string, unknown> | undefined;
  for (const key of SECRET_KEYS) if (object[key] !== undefined) (changes ??= {})[key] = CENSOR;
  const headers = object.headers;
  if (isObject(headers) && headers['x-session'] !== undefined) (changes ??= {}).headers = copyWith(headers, { 'x-session': CENSOR });
  return changes ? copyWith(object, changes) : object;
}

/**
 * Secrets censored at the top of a log object and in every object one level down (`session`,
 * `*.password`, `headers["x-session"]`, `*.headers["x-session"]`, …); what the caller passed is
 * never changed. pino's own `redact` did this with one redactor per wildcard that every top-level
 * value went through, strings and numbers too: in profiles it was a third of the cost of a
 * request's log line, where this walk costs a few key lookups.
 */
export function redactSecrets<T extends Record<string, unknown>>(object: T): T {
  let result = censorLevel(object);
  let nested: Record<string, unknown> | undefined;
  for (const key in result) {
    const value = result[key];
    if (!isObject(value)) continue;
    const censored = censorLevel(value);
    if (censored !== value) (nested ??= {})[key] = censored;
  }
  if (nested) result = copyWith(result, nested);
  return result;
}

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
  const logger = pino(
    {
      level,
      base: { pid: process.pid },
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
      formatters: {
        log: (object) => scrubStrings(redactSecrets(object)),
        bindings: (base) => redactSecrets(base),
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            // Objects after the first are interpolated into the message (%o, %j): censored alike.
            args.map((arg, i) => (typeof arg === 'string' ? redactUrlCredentials(arg) : i > 0 && isObject(arg) ? redactSecrets(arg) : arg)) as typeof args,
          );
        },
      },
    },
    destination,
  );
  // pino formats a child's bindings once, without the log formatter: they are censored here, and
  // children inherit this child() (pino makes them with Object.create), so grandchildren too.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, options) {
    return child.call(this, redactSecrets(bindings), options);
  } as typeof logger.child;
  return logger;
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
