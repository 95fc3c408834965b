/** pino, JSON lines; anything named like a secret is censored wherever it appears in a log object. */
import { pino, type Logger } from 'pino';

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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
