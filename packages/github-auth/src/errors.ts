/** The error every part of github-auth throws: a stable `code`, a message safe to show, and the cause. */
export class GitHubAuthError extends Error {
  constructor(
    readonly code: GitHubAuthErrorCode,
    message: string,
    options: { cause?: unknown; status?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'GitHubAuthError';
    this.status = options.status;
  }
  readonly status: number | undefined;
}

export type GitHubAuthErrorCode =
  | 'invalid_private_key'
  | 'invalid_config'
  | 'invalid_repo_url'
  | 'no_credential_source'
  | 'installation_not_found'
  /** a lookup found no installation of the app for a repository, org or user (GitHub does not say which is missing) */
  | 'not_installed'
  | 'installation_suspended'
  | 'token_request_failed'
  | 'token_too_short_lived'
  | 'clock_skew'
  | 'rate_limited';
