import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type KeyRateLimiter, MemoryRateLimiter, RedisRateLimiter } from '../src/broker/key-rate-limiter.js';

const redisUrl = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379/0';
const quiet = { warn: () => {}, info: () => {} };
const minute = 60_000;

describe.each([
  ['in process', () => new MemoryRateLimiter(10)],
  ['in Redis', () => new RedisRateLimiter(redisUrl, 10, quiet, `hubgate:test-rate:${randomBytes(4).toString('hex')}:`)],
] as const)('the per-key rate limit (%s)', (_, make: () => KeyRateLimiter) => {
  it('allows no burst of twice the limit across a window’s edge (a sliding window, not fixed ones)', async () => {
    const limiter = make();
    try {
      const edge = 1_000 * minute; // a window's start
      const hits = async (n: number, at: number) => {
        const decisions = [];
        for (let i = 0; i < n; i++) decisions.push(await limiter.hit('key', at));
        return decisions;
      };
      expect((await hits(10, edge - 100)).every((d) => d.allowed)).toBe(true);
      // Just past the edge the last minute still holds those ten calls: fixed windows would allow ten more here.
      const past = await hits(1, edge + 100);
      expect(past[0]).toEqual({ allowed: false, retryAfterSeconds: expect.any(Number) });
      expect(past[0]!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(past[0]!.retryAfterSeconds).toBeLessThanOrEqual(60);
      // Most of the way through the new window, the old calls weigh little: calls are allowed again.
      const later = await hits(5, edge + 0.9 * minute);
      expect(later.filter((d) => d.allowed).length).toBeGreaterThanOrEqual(5 - 1);
      // Other keys are counted apart.
      expect((await limiter.hit('other key', edge + 100)).allowed).toBe(true);
    } finally {
      await limiter.close();
    }
  });
});
