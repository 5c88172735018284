import { GitHubAuthError } from '@hubgate/github-auth';
import { AppError } from '../errors/app-error.js';
import { toAppError } from '../errors/error-response.js';
import { fromGitHubRequestError } from '../errors/from-github-error.js';

/**
 * What a failed `POST .../repos` means for the project being created:
 * - `taken`: GitHub refused the name (422 "name already exists on this account");
 * - `refused`: GitHub answered and created nothing (a 4xx, or a token that could not even be minted);
 * - `unknown`: no answer or a 5xx: the repository may exist now, so it is looked up before anything is undone.
 */
export type CreateOutcome = { kind: 'taken' } | { kind: 'refused'; error: AppError } | { kind: 'unknown'; error: AppError };

export function classifyCreateError(error: unknown, context: { acceptUrl: string; nowMs: number; what: string }): CreateOutcome {
  if (error instanceof AppError) return { kind: 'refused', error };
  if (error instanceof GitHubAuthError) {
    // The mint happens before the POST is sent: nothing was created.
    if (error.code === 'token_request_failed' && error.status === 422 && /permission/i.test(error.message))
      return { kind: 'refused', error: missingPermission(context.acceptUrl, error) };
    return { kind: 'refused', error: toAppError(error) };
  }
  const e = error as { status?: number; message?: string; response?: { data?: { errors?: { field?: string; message?: string }[] } } };
  const status = e.status;
  if (status === 422 && e.response?.data?.errors?.some((x) => x.field === 'name' && /already exists/i.test(x.message ?? '')))
    return { kind: 'taken' };
  if (status === 401) return { kind: 'refused', error: new AppError('forbidden', 'GitHub refused our credential; reconnect GitHub to authorize again.', { cause: error }) };
  const mapped = fromGitHubRequestError(error, context.what, context.nowMs);
  if (mapped.code === 'rate_limited') return { kind: 'refused', error: mapped };
  if (status === 403 && /not accessible by integration/i.test(e.message ?? ''))
    return { kind: 'refused', error: missingPermission(context.acceptUrl, error) };
  if (status === 403 && /suspended/i.test(e.message ?? ''))
    return { kind: 'refused', error: new AppError('suspended', 'The GitHub installation is suspended; an owner can unsuspend it on GitHub.', { cause: error }) };
  if (status !== undefined && status > 0 && status < 500)
    return { kind: 'refused', error: new AppError('unprocessable', `GitHub refused to create the repository (HTTP ${status}).`, { cause: error }) };
  return { kind: 'unknown', error: mapped };
}

export function missingPermission(acceptUrl: string, cause?: unknown): AppError {
  return new AppError(
    'forbidden',
    'The GitHub App may not create repositories in this account (it needs Administration: write). An owner can accept the permission on the installation page.',
    { cause, details: { acceptUrl } },
  );
}
