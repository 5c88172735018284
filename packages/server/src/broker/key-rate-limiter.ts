import { Redis } from 'ioredis';
import { AppError } from '../errors/app-error.js';

export interface RateDecision {
  allowed: boolean;
  /** seconds until a call would be allowed again */
  retryAfterSeconds: number;
}

/**
 * Calls per agent key in a sliding one-minute window: the current fixed window's count plus the previous window's,
 * weighted by how much of it still lies inside the last minute (the "sliding window counter"): no burst of twice the
 * limit across a window's edge, as plain fixed windows allow. In Redis (shared by every replica) or in this process.
 */
export interface KeyRateLimiter {
  hit(keyId: string, nowMs: number): Promise<RateDecision>;
  close(): Promise<void>;
}

export const rateWindowMs = 60_000;

/** The limit as a guard: counts a call for `key` and refuses it past the limit (429, Retry-After) with `refusal`. */
export const enforceLimit =
  (limiter: KeyRateLimiter, nowMs: () => number, refusal: string) =>
  async (key: string): Promise<void> => {
    const decision = await limiter.hit(key, nowMs());
    if (!decision.allowed) throw new AppError('rate_limited', refusal, { details: { retryAfter: decision.retryAfterSeconds } });
  };

/** The decision from the two windows' counts (this call included in `current`). */
export function slidingDecision(previous: number, current: number, limit: number, nowMs: number): RateDecision {
  const start = nowMs - (nowMs % rateWindowMs);
  const elapsed = (nowMs - start) / rateWindowMs;
  const estimate = previous * (1 - elapsed) + current;
  if (estimate <= limit) return { allowed: true, retryAfterSeconds: 0 };
  // When will the estimate be back under the limit? Within this window, as the previous one's weight fades; or, if
  // this window alone is over, once it becomes the previous one and fades enough.
  let waitMs: number;
  if (current <= limit && previous > 0) {
    waitMs = ((1 - (limit - current) / previous) - elapsed) * rateWindowMs;
  } else {
    waitMs = (1 - elapsed) * rateWindowMs + Math.max(0, 1 - (limit - 1) / current) * rateWindowMs;
  }
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
}

/** One process alone: each replica counts its own calls (without Redis a fleet allows `limit` per replica). */
export class MemoryRateLimiter implements KeyRateLimiter {
  private readonly windows = new Map<string, { start: number; count: number; previous: number }>();

  constructor(private readonly limit: number) {}

  async hit(keyId: string, nowMs: number): Promise<RateDecision> {
    const start = nowMs - (nowMs % rateWindowMs);
    let window = this.windows.get(keyId);
    if (!window || window.start !== start) {
      if (this.windows.size > 10_000) this.dropOldWindows(start);
      const previous = window && window.start === start - rateWindowMs ? window.count : 0;
      window = { start, count: 0, previous };
      this.windows.set(keyId, window);
    }
    window.count++;
    return slidingDecision(window.previous, window.count, this.limit, nowMs);
  }

  private dropOldWindows(current: number) {
    for (const [key, window] of this.windows) if (window.start < current - rateWindowMs) this.windows.delete(key);
  }

  async close() {}
}

/**
 * The fleet's count: INCR of `prefix<key>:<window>` and GET of the previous window's, pipelined in one round trip
 * (no MULTI: the two need not be atomic), the expiry (two windows) set by the call that created the count. When
 * Redis does not answer the call is allowed (the limit protects GitHub's rate budget and our database; it is not an
 * authorization check, and an outage must not stop every agent).
 */
export class RedisRateLimiter implements KeyRateLimiter {
  private readonly redis: Redis;
  private reportedDown = false;

  constructor(
    url: string,
    private readonly limit: number,
    private readonly logger: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void },
    private readonly prefix = 'hubgate:agent-rate:',
  ) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 0, commandTimeout: 250, enableOfflineQueue: true, enableAutoPipelining: true });
    this.redis.on('error', () => {});
  }

  async hit(keyId: string, nowMs: number): Promise<RateDecision> {
    const start = nowMs - (nowMs % rateWindowMs);
    const key = `${this.prefix}${keyId}:${start}`;
    try {
      const [count, previous] = await Promise.all([this.redis.incr(key), this.redis.get(`${this.prefix}${keyId}:${start - rateWindowMs}`)]);
      if (count === 1) await this.redis.pexpire(key, 2 * rateWindowMs);
      if (this.reportedDown) {
        this.reportedDown = false;
        this.logger.info({ tier: 'redis' }, 'agent rate limits are counted in Redis again');
      }
      return slidingDecision(Number(previous ?? 0), count, this.limit, nowMs);
    } catch (error) {
      if (!this.reportedDown) {
        this.reportedDown = true;
        this.logger.warn({ err: (error as Error).message }, 'Redis does not answer: agent rate limits are not enforced until it does');
      }
      return { allowed: true, retryAfterSeconds: 0 };
    }
  }

  async close() {
    this.redis.disconnect();
  }
}
