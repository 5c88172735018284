import { Redis } from 'ioredis';

export interface RateDecision {
  allowed: boolean;
  /** seconds until the window that refused the call ends */
  retryAfterSeconds: number;
}

/** Calls per agent key in fixed one-minute windows: in Redis (shared by every replica) or in this process. */
export interface KeyRateLimiter {
  hit(keyId: string, nowMs: number): Promise<RateDecision>;
  close(): Promise<void>;
}

export const rateWindowMs = 60_000;

const decide = (count: number, limit: number, windowStart: number, nowMs: number): RateDecision => ({
  allowed: count <= limit,
  retryAfterSeconds: Math.max(1, Math.ceil((windowStart + rateWindowMs - nowMs) / 1000)),
});

/** One process alone: each replica counts its own calls (without Redis a fleet allows `limit` per replica). */
export class MemoryRateLimiter implements KeyRateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly limit: number) {}

  async hit(keyId: string, nowMs: number): Promise<RateDecision> {
    const start = nowMs - (nowMs % rateWindowMs);
    let window = this.windows.get(keyId);
    if (!window || window.start !== start) {
      if (this.windows.size > 10_000) this.dropOldWindows(start);
      window = { start, count: 0 };
      this.windows.set(keyId, window);
    }
    window.count++;
    return decide(window.count, this.limit, start, nowMs);
  }

  private dropOldWindows(current: number) {
    for (const [key, window] of this.windows) if (window.start !== current) this.windows.delete(key);
  }

  async close() {}
}

/**
 * The fleet's count: INCR of `prefix<key id>:<window>` with an expiry of two windows, in one round trip. When
 * Redis does not answer the call is allowed (the limit protects GitHub's rate budget and our database; it is
 * not an authorization check, and an outage must not stop every agent).
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
    this.redis = new Redis(url, { maxRetriesPerRequest: 0, commandTimeout: 250, enableOfflineQueue: true });
    this.redis.on('error', () => {});
  }

  async hit(keyId: string, nowMs: number): Promise<RateDecision> {
    const start = nowMs - (nowMs % rateWindowMs);
    const key = `${this.prefix}${keyId}:${start}`;
    try {
      const results = await this.redis.multi().incr(key).pexpire(key, 2 * rateWindowMs).exec();
      const count = Number(results?.[0]?.[1] ?? 0);
      if (this.reportedDown) {
        this.reportedDown = false;
        this.logger.info({ tier: 'redis' }, 'agent rate limits are counted in Redis again');
      }
      return decide(count, this.limit, start, nowMs);
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
