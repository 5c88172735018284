import { RequestError } from '@octokit/request-error';
import { describe, expect, it } from 'vitest';
import { fromGitHubRequestError } from '../src/errors/from-github-error.js';

/** GitHub's refusals (as Octokit raises them) in the caller's terms. */
describe('GitHub refusals as answers', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');
  const refusal = (status: number, message: string, headers: Record<string, string>) =>
    new RequestError(message, status, {
      request: { method: 'PUT', url: 'https://api.github.com/repos/o/r/contents/a', headers: {} },
      response: { status, url: 'https://api.github.com/repos/o/r/contents/a', headers, data: { message } },
    });

  it("counts content creation's secondary limit (a 403 with no retry-after) as rate limiting, for at least a minute", () => {
    const error = fromGitHubRequestError(
      refusal(403, 'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.', {
        'x-ratelimit-remaining': '4990',
        'x-ratelimit-reset': String(Math.floor(now / 1000) + 3000),
      }),
      'write the file',
      now,
    );
    expect(error.code).toBe('rate_limited');
    expect(error.message).toBe('GitHub is rate limiting us; try again in 60 s.');
  });

  it('waits for the reset only when the hourly budget is spent, and for retry-after when GitHub sends one', () => {
    const spent = fromGitHubRequestError(refusal(403, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(now / 1000) + 42) }), 'x', now);
    expect(spent.message).toBe('GitHub is rate limiting us; try again in 42 s.');
    const told = fromGitHubRequestError(refusal(429, 'You have exceeded a secondary rate limit.', { 'retry-after': '17' }), 'x', now);
    expect(told.message).toBe('GitHub is rate limiting us; try again in 17 s.');
    const plain = fromGitHubRequestError(refusal(403, 'Resource not accessible by integration', {}), 'write the file', now);
    expect(plain.message).toBe('GitHub refused to write the file (HTTP 403).');
  });
});
