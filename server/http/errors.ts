/**
 * The last middleware: every failure leaves as the documented envelope. ApiErrors carry their own
 * code; body-parser failures map to 400 / 413; anything else is logged in full and answered
 * `internal` with no detail, so no stack trace ever reaches a client.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { ApiError } from '../../shared/errors.js';

interface HttpishError {
  type?: string;
  status?: number;
  statusCode?: number;
  expose?: boolean;
}

export function toApiError(error: unknown): ApiError | null {
  if (error instanceof ApiError) return error;
  const e = error as HttpishError;
  switch (e?.type) {
    case 'entity.too.large':
      return new ApiError('payload_too_large', 'the request body is too large');
    case 'entity.parse.failed':
      return new ApiError('param_invalid', 'the body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError('param_invalid', 'unsupported body encoding');
    case 'request.aborted':
      return new ApiError('param_invalid', 'the request was aborted');
    case 'parameters.too.many':
      return new ApiError('param_invalid', 'too many parameters');
  }
  const status = e?.status ?? e?.statusCode;
  if (status === 413) return new ApiError('payload_too_large', 'the request body is too large');
  if (status === 400 && e?.expose) return new ApiError('param_invalid', 'malformed request');
  // The router's path-parameter decoding marks a bad %-escape 400 without `expose`.
  if (status === 400 && error instanceof URIError) return new ApiError('param_invalid', 'malformed percent-encoding in the path');
  return null;
}

export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    let apiError = toApiError(error);
    if (!apiError) {
      logger.error({ err: error, reqId: res.locals.reqId }, 'unhandled error');
      apiError = new ApiError('internal', 'internal error');
    }
    res.locals.errorCode = apiError.code;
    if (res.headersSent) return res.end();
    if (apiError.retryAfter !== undefined) res.setHeader('Retry-After', String(apiError.retryAfter));
    res.status(apiError.httpStatus).json(apiError.toBody());
  };
}

/** Unknown paths answer in the envelope too. */
export function notFound(req: Request, _res: Response, next: NextFunction) {
  next(new ApiError('not_found', `no route for ${req.method} ${req.path.slice(0, 100)}`));
}
