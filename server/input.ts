/**
 * Turns raw parameters (a REST body or query, a socket payload, CLI flags) into typed input through
 * one zod schema, and zod's complaints into the documented `param_missing` / `param_invalid`
 * envelope naming the field. Every transport parses through here, so they all refuse alike.
 */
import type { z } from 'zod';
import { ApiError } from '../shared/errors.js';

export type RawParams = Record<string, unknown>;

/** `label[$ne]=x`, `$where=…`, `a.b=…`: shapes that only make sense as query operators. */
const OPERATOR_KEY = /[[\]$.]/;

function rejectOperatorKeys(raw: RawParams): void {
  for (const key of Object.keys(raw)) {
    if (OPERATOR_KEY.test(key)) {
      const field = key.split(/[[.]/)[0] || key;
      throw new ApiError('param_invalid', `parameter name "${key.slice(0, 40)}" is not accepted`, { field });
    }
  }
}

/** Empty strings mean "not given": HTML forms and many HTTP clients send them for blank fields. */
function dropEmpty(raw: RawParams): RawParams {
  return Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== '' && value !== undefined));
}

export function parseInput<S extends z.ZodType>(schema: S, raw: RawParams): z.output<S> {
  rejectOperatorKeys(raw);
  const cleaned = dropEmpty(raw);
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length ? String(issue.path[0]) : undefined;
  const missing = field !== undefined && cleaned[field] === undefined;
  if (missing) throw new ApiError('param_missing', `${field} is required`, { field });
  throw new ApiError('param_invalid', field ? `${field} ${issue.message}` : issue.message, { field });
}
