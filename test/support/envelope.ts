/**
 * Assertions on the documented reply envelopes: a failure is exactly
 * `{status: 300, error, field?, debug}` with the HTTP status of its code and no stack trace.
 */
import assert from 'node:assert/strict';
import type { z } from 'zod';
import { ERROR_STATUS, type ErrorCode } from '../../shared/errors.js';
import { errorReply } from '../../shared/schemas/responses.js';
import type { Reply } from './http.js';

/** Asserts `reply` is the error envelope of `code` (and `field`, when given; null: no field). */
export function assertError(reply: Reply, code: ErrorCode, field?: string | null): void {
  const context = `${reply.status} ${reply.text.slice(0, 300)}`;
  assert.equal(reply.status, ERROR_STATUS[code], context);
  assert.match(reply.headers.get('content-type') ?? '', /^application\/json/, context);
  const body = errorReply.parse(reply.body);
  assert.equal(body.error, code, context);
  if (field === null) assert.equal(body.field, undefined, context);
  else if (field !== undefined) assert.equal(body.field, field, context);
  assertNoStack(body.debug);
}

/** No file paths, `at fn (…)` frames or error class dumps in a client-visible string. */
export function assertNoStack(text: string): void {
  assert.doesNotMatch(text, /\n\s+at |\.ts:\d+|\.js:\d+|node_modules|Error: /, `looks like a stack trace: ${text}`);
}

/** Asserts a 200 reply and parses its body with the strict response schema. */
export function assertOk<S extends z.ZodType>(reply: Reply, schema: S): z.output<S> {
  assert.equal(reply.status, 200, `${reply.status} ${reply.text.slice(0, 300)}`);
  return schema.parse(reply.body);
}
