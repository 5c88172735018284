import { Octokit } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { Logger } from './logger.js';

export interface GitHubClientOptions {
  apiUrl: string;
  /** one throttling queue per id: token mints for different installations must not wait on each other */
  throttleId: string;
  /** per attempt, so that a hung GitHub is retried rather than waited on */
  timeoutMs?: number;
  /** base of the retry backoff ((n+1)^2 x base); tests shorten it */
  retryBaseMs?: number;
  retries?: number;
  /** longest wait for a rate limit to reset before giving up instead */
  maxRateLimitWaitSeconds?: number;
  fetch?: typeof fetch;
  logger: Logger;
}

const ClientOctokit = Octokit.plugin(retry, throttling);
export type GitHubClient = InstanceType<typeof ClientOctokit>;

/** An Octokit with GitHub's retry and rate-limit rules: 5xx/timeouts retried with backoff, limits waited out once. */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const baseFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxWait = options.maxRateLimitWaitSeconds ?? 60;
  const timedFetch: typeof fetch = (input, init) => {
    const signal = init?.signal
      ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)])
      : AbortSignal.timeout(timeoutMs);
    return baseFetch(input, { ...init, signal });
  };
  // Both limits get the same answer: wait once when GitHub asks for under `maxWait` seconds, else give up.
  const waitOnce =
    (message: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      options.logger.warn({ retryAfter, route: `${request.method} ${request.url}` }, message);
      return retryCount < 1 && retryAfter <= maxWait;
    };
  return new ClientOctokit({
    baseUrl: options.apiUrl,
    userAgent: 'hubgate-github-auth',
    request: { fetch: timedFetch },
    log: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => options.logger.warn({ source: 'octokit' }, message),
      error: (message: string) => options.logger.error({ source: 'octokit' }, message),
    },
    retry: { retryAfterBaseValue: options.retryBaseMs ?? 1000, retries: options.retries ?? 3 },
    throttle: {
      id: options.throttleId,
      retryAfterBaseValue: 1000,
      onRateLimit: waitOnce('GitHub rate limit reached'),
      onSecondaryRateLimit: waitOnce('GitHub secondary rate limit reached'),
    },
  });
}
