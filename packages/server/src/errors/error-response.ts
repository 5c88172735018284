import { GitHubAuthError } from '@hubgate/github-auth';
import type { ApiErrorBody } from '@hubgate/contract';
import { AppError } from './app-error.js';
import { fromGitHubAuthError } from './from-github-error.js';

/** Every refused call's body (@hubgate/contract). */
export type ErrorBody = ApiErrorBody;

/** Any thrown value as the service's error: library codes mapped, anything unknown an internal error. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof GitHubAuthError) return fromGitHubAuthError(error);
  return new AppError('internal', 'Something went wrong on our side.', { cause: error });
}

/** What the caller sees: the user's message, never an internal one; 500s say nothing of their cause. */
export function errorResponse(error: AppError): { status: number; body: ErrorBody; headers: Record<string, string> } {
  const message = error.code === 'internal' ? 'Something went wrong on our side.' : error.userMessage;
  const { field, suggestion, acceptUrl, retryAfter, retryUrl } = error.details;
  const headers: Record<string, string> = {};
  if (retryAfter !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfter)));
  return {
    status: error.status,
    body: { error: { code: error.code, message, ...(field ? { field } : {}), ...(suggestion ? { suggestion } : {}), ...(acceptUrl ? { acceptUrl } : {}), ...(retryUrl ? { retryUrl } : {}) } },
    headers,
  };
}

/** For logs: the code, status and the cause chain (messages only; the logger masks anything token-shaped). */
export function errorLogFields(error: AppError): Record<string, unknown> {
  const causes: string[] = [];
  let cause: unknown = error.cause;
  for (let depth = 0; cause && depth < 5; depth++) {
    const c = cause as { name?: string; message?: string; code?: string; status?: number; cause?: unknown };
    causes.push([c.name, c.code, c.status, c.message].filter((v) => v !== undefined).join(' '));
    cause = c.cause;
  }
  return { code: error.code, status: error.status, message: error.message, causes };
}
