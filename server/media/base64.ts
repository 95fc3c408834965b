/** Strict base64 decoding: Buffer.from silently skips junk, so the alphabet is checked first. */
import { ApiError, type ErrorCode } from '../../shared/errors.js';

const DATA_URL_PREFIX = /^data:[a-z0-9.+/-]+;base64,/i;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export function decodeBase64(value: string, maxBytes: number, field: string, invalidCode: ErrorCode): Buffer {
  const compact = value.replace(DATA_URL_PREFIX, '').replace(/\s+/g, '');
  if (compact.length === 0 || !BASE64.test(compact) || compact.length % 4 === 1) {
    throw new ApiError(invalidCode, `${field} is not valid base64`, { field });
  }
  // Check the size before decoding, so an oversized payload costs no allocation.
  if (Math.floor((compact.length * 3) / 4) > maxBytes + 2) {
    throw new ApiError('payload_too_large', `${field} is larger than ${maxBytes} bytes`, { field });
  }
  const bytes = Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64');
  if (bytes.length > maxBytes) {
    throw new ApiError('payload_too_large', `${field} is larger than ${maxBytes} bytes`, { field });
  }
  return bytes;
}
