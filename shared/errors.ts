/**
 * The closed list of error codes of docs/api.md ("Errors"), each with the HTTP status that carries
 * it. Clients switch on `error`; the HTTP status only says the class. Never add a code without adding
 * it to docs/api.md first (test/docs/apiDoc.test.ts fails until its row is there).
 */
export const ERROR_STATUS = {
  param_missing: 400,
  param_invalid: 400,
  image_invalid: 400,
  audio_invalid: 400,
  session_invalid: 401,
  serv_auth_failed: 401,
  token_invalid: 401,
  serv_not_bound: 403,
  forbidden: 403,
  sender_mismatch: 403,
  question_not_found: 404,
  template_not_found: 404,
  not_found: 404,
  question_taken: 409,
  question_not_started: 409,
  question_finished: 409,
  question_not_finished: 409,
  agent_at_capacity: 409,
  already_rated: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** The failure envelope every endpoint (and every socket ack) answers with. */
export interface ErrorBody {
  status: 300;
  error: ErrorCode;
  field?: string;
  debug: string;
}

/**
 * A failure that maps one-to-one onto the error envelope. Domain code throws it; the HTTP error
 * middleware and the socket ack wrapper turn it into an `ErrorBody`.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly httpStatus: number;
  /** Seconds a client should wait before retrying (rate limits). */
  readonly retryAfter?: number;

  constructor(code: ErrorCode, debug?: string, options: { field?: string; retryAfter?: number } = {}) {
    super(debug ?? code);
    this.name = 'ApiError';
    this.code = code;
    this.field = options.field;
    this.httpStatus = ERROR_STATUS[code];
    this.retryAfter = options.retryAfter;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { status: 300, error: this.code, debug: this.message };
    if (this.field !== undefined) body.field = this.field;
    return body;
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}
