import { request as octokitRequest } from '@octokit/request';
import { isPermanent } from './errors.js';
import type { Logger } from './logger.js';

export interface GitHubRequestOptions {
  apiUrl: string;
  /** per attempt, so that a hung GitHub is retried rather than waited on (default 10 s) */
  timeoutMs?: number;
  /** base of the retry backoff ((n+1)^2 x base, default 1 s); tests shorten it */
  retryBaseMs?: number;
  /** retries of a 5xx, a timeout or a network error (default 3) */
  retries?: number;
  /** longest wait for a rate limit to reset before giving up instead (default 60 s) */
  maxRateLimitWaitSeconds?: number;
  /** requests in flight at once for this app; GitHub's secondary limit is 100 (default 50) */
  maxConcurrent?: number;
  fetch?: typeof fetch;
  logger: Logger;
}

export interface GitHubResponse<T> {
  status: number;
  data: T;
  headers: Record<string, string | undefined>;
}

export type GitHubRequest = <T = unknown>(
  route: string,
  params?: Record<string, unknown>,
) => Promise<GitHubResponse<T>>;

interface RequestErrorLike {
  status?: number;
  message: string;
  response?: { headers?: Record<string, string | undefined> };
}

/**
 * One request path for everything github-auth asks GitHub, with GitHub's rules and nothing more: a 5xx, a
 * timeout or a network error is retried with backoff; a rate limit is waited out once when GitHub asks for
 * less than `maxRateLimitWaitSeconds` (`retry-after`, else `x-ratelimit-reset`; a secondary limit without
 * either waits a minute, as GitHub's docs ask), else given up. Requests run concurrently up to
 * `maxConcurrent`. (Octokit's retry and throttling plugins queue every call through Bottleneck and run
 * token mints one at a time per client: milliseconds added to each call, seconds to a burst of mints.)
 * https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#handle-rate-limit-errors-appropriately
 */
export function createGitHubRequest(options: GitHubRequestOptions): GitHubRequest {
  const baseFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = options.retries ?? 3;
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const maxWaitMs = (options.maxRateLimitWaitSeconds ?? 60) * 1000;
  const gate = new Gate(options.maxConcurrent ?? 50);
  const send = octokitRequest.defaults({
    baseUrl: options.apiUrl,
    headers: { 'user-agent': 'hubgate-github-auth', 'x-github-api-version': '2022-11-28' },
    request: {
      fetch: (input: string, init: RequestInit) =>
        baseFetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
    },
  });
  return async <T>(route: string, params: Record<string, unknown> = {}) => {
    let waitedForLimit = false;
    for (let attempt = 0; ; attempt++) {
      let failure: unknown;
      await gate.enter();
      try {
        return (await send(route, params)) as unknown as GitHubResponse<T>;
      } catch (error) {
        failure = error;
      } finally {
        gate.leave();
      }
      const e = failure as RequestErrorLike;
      const limitWaitMs = rateLimitWaitMs(e);
      if (limitWaitMs !== null) {
        if (waitedForLimit || limitWaitMs > maxWaitMs) throw failure;
        waitedForLimit = true;
        options.logger.warn({ retryAfterMs: limitWaitMs, route }, 'GitHub rate limit reached; waiting once');
        await sleep(limitWaitMs);
        continue;
      }
      const retryable = (e.status === undefined || e.status >= 500) && !isPermanent(failure);
      if (!retryable || attempt >= retries) throw failure;
      await sleep((attempt + 1) ** 2 * retryBaseMs);
    }
  };
}

/** How long GitHub asks us to wait, when the error is a rate limit; null for any other error. */
function rateLimitWaitMs(error: RequestErrorLike): number | null {
  if (error.status !== 403 && error.status !== 429) return null;
  const headers = error.response?.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  if (headers['retry-after'] !== undefined && Number.isFinite(retryAfter)) return Math.max(0, retryAfter) * 1000;
  if (headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(headers['x-ratelimit-reset']) * 1000;
    return Number.isFinite(reset) ? Math.max(0, reset - Date.now()) + 1000 : null;
  }
  if (/secondary rate limit/i.test(error.message)) return 60_000;
  return null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A counting semaphore: at most `limit` holders, the rest wait in order. */
class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  enter(): Promise<void> | void {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  leave() {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
