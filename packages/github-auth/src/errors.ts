/** The error every part of github-auth throws: a stable `code`, a message safe to show, and the cause. */
export class GitHubAuthError extends Error {
  constructor(
    readonly code: GitHubAuthErrorCode,
    message: string,
    options: { cause?: unknown; status?: number; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'GitHubAuthError';
    this.status = options.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
  readonly status: number | undefined;
  /** for `rate_limited`: when GitHub said to try again (`retry-after`, else `x-ratelimit-reset`) */
  readonly retryAfterSeconds: number | undefined;
}

export type GitHubAuthErrorCode =
  | 'invalid_private_key'
  | 'invalid_config'
  | 'invalid_repo_url'
  /** a plain-http remote, which no source allows: a token would cross the network in clear */
  | 'insecure_remote'
  | 'no_credential_source'
  /** a mint answered 404: the installation id is not (or no longer) one of this app's */
  | 'installation_not_found'
  /** a lookup found no installation of the app for a repository (GitHub does not say which is missing) */
  | 'not_installed'
  | 'installation_suspended'
  /** the installation was revoked (disconnected) while a token was being minted for it */
  | 'installation_revoked'
  | 'token_request_failed'
  | 'token_too_short_lived'
  | 'rate_limited'
  /** hubgate's token broker refused or failed (the git helper's remote mode) */
  | 'broker_refused';

const permanent = Symbol.for('hubgate.permanent');

/**
 * Marks an error a retry cannot mend (a request the caller's fetch refused to send, an answer too large to read):
 * GitHub requests through this library give up at once on it, also when Octokit wraps it as a 500.
 */
export function markPermanent<E extends Error>(error: E): E {
  (error as unknown as Record<symbol, boolean>)[permanent] = true;
  return error;
}

/** Whether the error, or what it wraps, was marked permanent. */
export function isPermanent(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++)
    if ((e as Record<symbol, unknown>)[permanent] === true) return true;
  return false;
}
