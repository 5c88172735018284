import type { GitHubAuthError } from '@hubgate/github-auth';
import { AppError } from './app-error.js';

/**
 * The library's error codes as HTTP answers. A JWT refusal or a bad key is our configuration's fault (500, cause
 * logged), not the caller's; GitHub's own trouble is 502/503; a suspended installation is a conflict with its state.
 */
export function fromGitHubAuthError(error: GitHubAuthError): AppError {
  const cause = { cause: error, internal: `${error.code}: ${error.message}` };
  switch (error.code) {
    case 'installation_suspended':
      return new AppError('suspended', 'The GitHub installation is suspended; an owner can unsuspend it on GitHub.', cause);
    case 'installation_not_found':
    case 'not_installed':
      return new AppError('not_found', 'The GitHub App is not installed there (or the installation is gone).', cause);
    case 'installation_revoked':
      return new AppError('conflict', 'The GitHub installation was disconnected while the token was being made; connect again.', cause);
    case 'rate_limited':
      return new AppError('rate_limited', 'GitHub is rate limiting us; try again shortly.', {
        ...cause,
        details: { retryAfter: retryAfterOf(error) },
      });
    case 'invalid_repo_url':
      return new AppError('bad_request', error.message, cause);
    case 'token_too_short_lived':
      return new AppError('bad_request', error.message, cause);
    case 'token_request_failed':
      if (error.status !== undefined && error.status >= 500)
        return new AppError('github_unavailable', 'GitHub is not answering; try again.', cause);
      if (error.status === undefined)
        return new AppError('github_unreachable', 'GitHub could not be reached; try again.', cause);
      return new AppError('internal', 'GitHub refused our app credentials.', cause);
    default:
      // invalid_private_key, invalid_config, clock_skew, no_credential_source: the operator's to fix.
      return new AppError('internal', 'The GitHub App is misconfigured.', cause);
  }
}

function retryAfterOf(error: GitHubAuthError): number {
  const seconds = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? seconds : 60;
}

/** GitHub's own message in a RequestError's answer (`{ message }`), or ''. */
function githubMessageOf(error: unknown): string {
  const data = (error as { response?: { data?: unknown } }).response?.data;
  return data && typeof data === 'object' && typeof (data as { message?: unknown }).message === 'string' ? (data as { message: string }).message : '';
}

/** An Octokit RequestError (or a fetch failure) met while acting for a tenant, as the caller's answer. */
export function fromGitHubRequestError(error: unknown, what: string, nowMs: number): AppError {
  const status = (error as { status?: number }).status;
  const headers = ((error as { response?: { headers?: Record<string, string> } }).response?.headers ?? {}) as Record<
    string,
    string | undefined
  >;
  if (status === undefined || status === 0)
    return new AppError('github_unreachable', `GitHub could not be reached to ${what}; try again.`, { cause: error });
  if (status >= 500) return new AppError('github_unavailable', `GitHub is not answering; try again (${what}).`, { cause: error });
  // GitHub's secondary limits come in two shapes: with `retry-after`, or (content creation) a 403 whose message alone
  // says so; for the latter its docs say to wait at least a minute, longer each time.
  const secondary = status === 403 && /secondary rate limit/i.test(githubMessageOf(error));
  if (status === 429 || (status === 403 && (headers['x-ratelimit-remaining'] === '0' || headers['retry-after'] || secondary))) {
    const reset = Number(headers['x-ratelimit-reset']);
    const exhausted = headers['x-ratelimit-remaining'] === '0';
    const retryAfter = Number(headers['retry-after']) || (exhausted && reset ? Math.max(1, reset - Math.floor(nowMs / 1000)) : 60);
    return new AppError('rate_limited', `GitHub is rate limiting us; try again in ${retryAfter} s.`, {
      cause: error,
      details: { retryAfter },
    });
  }
  return new AppError('internal', `GitHub refused to ${what} (HTTP ${status}).`, { cause: error });
}
