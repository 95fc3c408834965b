/**
 * 24-hex ObjectIds generated the way MongoDB drivers do: 4 bytes of seconds, 5 random bytes per
 * process, a 3-byte counter. Ids sort by creation time, so they double as paging cursors, and the
 * per-process random part keeps two nodes on one data directory from colliding.
 */
import { randomBytes } from 'node:crypto';

const processUnique = randomBytes(5).toString('hex');
let counter = randomBytes(3).readUIntBE(0, 3);

export function newObjectId(now: number = Date.now()): string {
  counter = (counter + 1) % 0x1000000;
  const seconds = Math.floor(now / 1000).toString(16).padStart(8, '0');
  return seconds + processUnique + counter.toString(16).padStart(6, '0');
}

export function isObjectId(value: string): boolean {
  return /^[0-9a-f]{24}$/.test(value);
}
