/**
 * A pino destination that keeps every line in memory, for tests that read what a node logs:
 * pass `capture.logger` as `logger` in startTestServer's options.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { createLogger } from '../../server/logger.js';

export type LogLine = Record<string, any>;

export class LogCapture {
  /** Every raw line written, in order. */
  readonly raw: string[] = [];
  readonly logger: Logger;
  private readonly written = new EventEmitter();

  constructor(level = 'info') {
    this.logger = createLogger(level, {
      write: (chunk: string) => {
        for (const line of chunk.split('\n').filter(Boolean)) {
          this.raw.push(line);
          this.written.emit('line');
        }
      },
    });
  }

  /** Every line parsed as JSON (a line that is not JSON throws). */
  get lines(): LogLine[] {
    return this.raw.map((line) => JSON.parse(line) as LogLine);
  }

  /** All output as one string, for "never appears" checks. */
  get text(): string {
    return this.raw.join('\n');
  }

  /**
   * Resolves with the lines matching `match` once there are `count` of them. The request line is
   * written when the reply has finished, which a client may observe a moment before.
   */
  waitFor(match: (line: LogLine) => boolean, count = 1): Promise<LogLine[]> {
    return new Promise((resolve) => {
      const check = () => {
        const found = this.lines.filter(match);
        if (found.length < count) return false;
        this.written.off('line', check);
        resolve(found);
        return true;
      };
      if (!check()) this.written.on('line', check);
    });
  }
}
