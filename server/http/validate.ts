/** The parameters of an HTTP request, parsed by the one input parser of every transport (server/input.ts). */
import type { Request } from 'express';
import type { z } from 'zod';
import { ApiError } from '../../shared/errors.js';
import { parseInput, type RawParams } from '../input.js';

/** The parameters of a request: path parameters over the body (POST) or the query (GET). */
export function rawParams(req: Request): RawParams {
  const source = req.method === 'GET' || req.method === 'HEAD' ? req.query : req.body;
  const base: RawParams = source && typeof source === 'object' && !Array.isArray(source) ? { ...(source as RawParams) } : {};
  if (source !== undefined && (typeof source !== 'object' || Array.isArray(source))) {
    throw new ApiError('param_invalid', 'the body must be an object of parameters');
  }
  return { ...base, ...req.params };
}

export function input<S extends z.ZodType>(req: Request, schema: S): z.output<S> {
  return parseInput(schema, rawParams(req));
}
