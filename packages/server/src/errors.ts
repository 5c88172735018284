/** The service's error model: a code that maps to an HTTP status, and a message safe to show the caller. */
export type ErrorCode =
  | 'bad_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'csrf'
  | 'invalid_state'
  | 'github_unreachable'
  | 'internal';

const statusOf: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  csrf: 403,
  not_found: 404,
  conflict: 409,
  invalid_state: 400,
  github_unreachable: 502,
  internal: 500,
};

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly userMessage: string,
    options: { cause?: unknown } = {},
  ) {
    super(userMessage, { cause: options.cause });
  }

  get status(): number {
    return statusOf[this.code];
  }
}

/** What the caller sees: 5xx details stay in the logs. */
export function errorBody(error: unknown): {
  status: number;
  body: { error: { code: ErrorCode; message: string } };
} {
  if (error instanceof AppError) {
    const message =
      error.status >= 500 && error.code === 'internal'
        ? 'Something went wrong on our side.'
        : error.userMessage;
    return { status: error.status, body: { error: { code: error.code, message } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'Something went wrong on our side.' } } };
}
