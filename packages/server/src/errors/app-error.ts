/**
 * The service's error model (documenso's AppError, in small): a stable code that maps to an HTTP status, a message
 * safe to show the caller (`userMessage`), an internal message for the log, and extra fields the caller may use
 * (`retryAfter`, `field`, `suggestion`, `acceptUrl`).
 */
export type ErrorCode =
  | 'bad_request'
  | 'unprocessable'
  | 'unauthenticated'
  | 'forbidden'
  | 'csrf'
  | 'not_found'
  | 'conflict'
  | 'suspended'
  | 'invalid_state'
  | 'too_large'
  | 'rate_limited'
  | 'github_unreachable'
  | 'github_unavailable'
  | 'not_ready'
  | 'internal';

const statusOf: Record<ErrorCode, number> = {
  bad_request: 400,
  unprocessable: 422,
  unauthenticated: 401,
  forbidden: 403,
  csrf: 403,
  not_found: 404,
  conflict: 409,
  suspended: 409,
  invalid_state: 400,
  too_large: 413,
  rate_limited: 429,
  github_unreachable: 502,
  github_unavailable: 503,
  not_ready: 503,
  internal: 500,
};

export interface AppErrorDetails {
  /** seconds, sent as `Retry-After` */
  retryAfter?: number;
  field?: string;
  suggestion?: string;
  acceptUrl?: string;
  /** where "Try again" leads (a connect step that met GitHub's trouble, its state still live) */
  retryUrl?: string;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly details: AppErrorDetails;

  constructor(
    readonly code: ErrorCode,
    readonly userMessage: string,
    options: { cause?: unknown; internal?: string; details?: AppErrorDetails } = {},
  ) {
    super(options.internal ?? userMessage, { cause: options.cause });
    this.details = options.details ?? {};
  }

  get status(): number {
    return statusOf[this.code];
  }
}
