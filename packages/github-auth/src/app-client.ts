import type { AppCredentials } from './app-credentials.js';
import { createGitHubClient, type GitHubClient } from './github-client.js';
import type { Logger } from './logger.js';

export interface AppClientOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  retryBaseMs?: number;
  retries?: number;
  maxRateLimitWaitSeconds?: number;
  logger: Logger;
}

const skewMessage = /'(Issued at|Expiration time)' claim/;

interface RequestErrorLike {
  status?: number;
  message: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

/**
 * Requests made as the app (with its JWT), through one Octokit per throttling lane. A skew 401 teaches the JWT
 * GitHub's clock from the `Date` header, and the request is retried once.
 */
export class AppClient {
  private readonly clients = new Map<string, GitHubClient>();
  /** the app's rate limit as GitHub last reported it (for metrics) */
  lastRateLimit: { limit: number; remaining: number; resetAt: number } | null = null;

  private noteRateLimit(headers: Record<string, string | undefined> | undefined) {
    const remaining = Number(headers?.['x-ratelimit-remaining']);
    const limit = Number(headers?.['x-ratelimit-limit']);
    if (Number.isFinite(remaining) && Number.isFinite(limit) && headers?.['x-ratelimit-remaining'] !== undefined) {
      this.lastRateLimit = { limit, remaining, resetAt: Number(headers['x-ratelimit-reset'] ?? 0) * 1000 };
    }
  }

  constructor(
    readonly app: AppCredentials,
    private readonly options: AppClientOptions,
  ) {}

  private client(lane: string): GitHubClient {
    let client = this.clients.get(lane);
    if (!client) {
      client = createGitHubClient({
        ...this.options,
        apiUrl: this.app.apiUrl,
        throttleId: `hubgate:${this.app.appKey}:${this.app.apiUrl}:${lane}`,
      });
      this.clients.set(lane, client);
    }
    return client;
  }

  async request<T = unknown>(
    route: string,
    params: Record<string, unknown> = {},
    lane = 'app',
  ): Promise<{ status: number; data: T; headers: Record<string, string | undefined> }> {
    let retriedSkew = false;
    for (;;) {
      const jwt = await this.app.jwt.get();
      try {
        const response = await this.client(lane).request(route, {
          ...params,
          headers: { authorization: `bearer ${jwt}` },
        });
        return response as unknown as {
          status: number;
          data: T;
          headers: Record<string, string | undefined>;
        };
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
