import type { AppCredentials } from './app-credentials.js';
import type { GitHubRequest, GitHubRequestOptions, GitHubResponse } from './github-request.js';

export type AppClientOptions = Omit<GitHubRequestOptions, 'apiUrl'>;

const skewMessage = /'(Issued at|Expiration time)' claim/;

interface RequestErrorLike {
  status?: number;
  message: string;
  response?: { headers?: Record<string, string | undefined> };
}

/** The app's rate limit as GitHub last reported it. */
export interface RateLimitSnapshot {
  limit: number;
  remaining: number;
  /** epoch milliseconds (0 when GitHub did not say) */
  resetAt: number;
}

/**
 * The budget an answer's `x-ratelimit-*` headers report, or null when it carries none (a GHES with rate limiting
 * off, a fault): the one reading of those headers for the app client and the service.
 */
export function rateLimitOf(headers: Record<string, string | undefined> | undefined): RateLimitSnapshot | null {
  if (headers?.['x-ratelimit-remaining'] === undefined) return null;
  const remaining = Number(headers['x-ratelimit-remaining']);
  const limit = Number(headers['x-ratelimit-limit']);
  const reset = Number(headers['x-ratelimit-reset']);
  if (!Number.isFinite(remaining)) return null;
  return { limit: Number.isFinite(limit) ? limit : remaining, remaining, resetAt: Number.isFinite(reset) ? reset * 1000 : 0 };
}

/**
 * Requests made as the app (with its JWT), through one request path for every installation (no client kept
 * per installation). A skew 401 teaches the JWT GitHub's clock from the `Date` header, and the request is
 * retried once.
 */
export class AppClient {
  /** loaded on the first request: a process answered from a cache (the git helper) never loads Octokit */
  private send: Promise<GitHubRequest> | null = null;
  /** the app's rate limit as GitHub last reported it (for metrics) */
  lastRateLimit: RateLimitSnapshot | null = null;

  constructor(
    readonly app: AppCredentials,
    private readonly options: AppClientOptions,
  ) {}

  private sender(): Promise<GitHubRequest> {
    this.send ??= import('./github-request.js').then(({ createGitHubRequest }) =>
      createGitHubRequest({ ...this.options, apiUrl: this.app.apiUrl }),
    );
    return this.send;
  }

  private noteRateLimit(headers: Record<string, string | undefined> | undefined) {
    this.lastRateLimit = rateLimitOf(headers) ?? this.lastRateLimit;
  }

  async request<T = unknown>(route: string, params: Record<string, unknown> = {}): Promise<GitHubResponse<T>> {
    let retriedSkew = false;
    for (;;) {
      const [jwt, send] = await Promise.all([this.app.jwt.get(), this.sender()]);
      try {
        const response = await send<T>(route, {
          ...params,
          headers: { authorization: `bearer ${jwt}` },
        });
        this.noteRateLimit(response.headers);
        return response;
      } catch (error) {
        const e = error as RequestErrorLike;
        this.noteRateLimit(e.response?.headers);
        if (
          !retriedSkew &&
          e.status === 401 &&
          skewMessage.test(e.message) &&
          this.app.jwt.learnSkew(e.response?.headers?.date)
        ) {
          retriedSkew = true;
          this.options.logger.warn(
            { skewMs: this.app.jwt.clockSkewMs },
            'clock skew with GitHub corrected from its Date header',
          );
          continue;
        }
        throw error;
      }
    }
  }
}
