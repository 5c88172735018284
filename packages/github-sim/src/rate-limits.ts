import { SimHttpError } from './errors.js';

export interface RateLimitSettings {
  /** requests made with the app's JWT have a budget of their own */
  app: number;
  installation: number;
  user: number;
  pat: number;
  /** secondary limit: requests in flight at once per principal */
  maxConcurrent: number;
  secondaryRetryAfterSeconds: number;
}

export const defaultRateLimits: RateLimitSettings = {
  app: 5000,
  installation: 5000,
  user: 5000,
  pat: 5000,
  maxConcurrent: 100,
  secondaryRetryAfterSeconds: 60,
};

interface Window {
  limit: number;
  used: number;
  resetAt: number;
}

/** Primary limits (an hourly budget per installation or user) and the secondary concurrency limit. */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly inFlight = new Map<string, number>();

  constructor(
    readonly settings: RateLimitSettings,
    private readonly now: () => number,
  ) {}

  /** Counts one request; throws GitHub's 403 when the budget is spent. Returns the headers to send. */
  consume(key: string, limit: number, what: string): Record<string, string> {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { limit, used: 0, resetAt: now + 3600_000 };
      this.windows.set(key, window);
    }
    const headers = (used: number) => ({
      'x-ratelimit-limit': String(window.limit),
      'x-ratelimit-remaining': String(Math.max(0, window.limit - used)),
      'x-ratelimit-used': String(used),
      'x-ratelimit-reset': String(Math.ceil(window.resetAt / 1000)),
      'x-ratelimit-resource': 'core',
    });
    if (window.used >= window.limit) {
      throw new SimHttpError(403, `API rate limit exceeded for ${what}.`, headers(window.used));
    }
    window.used += 1;
    return headers(window.used);
  }

  /** Enters a request for the secondary limit; the returned function leaves it. */
  enter(key: string): () => void {
    const count = (this.inFlight.get(key) ?? 0) + 1;
    if (count > this.settings.maxConcurrent) {
      throw new SimHttpError(
        403,
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        { 'retry-after': String(this.settings.secondaryRetryAfterSeconds) },
      );
    }
    this.inFlight.set(key, count);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inFlight.set(key, (this.inFlight.get(key) ?? 1) - 1);
    };
  }

  /** The current window of a bucket, for `GET /rate_limit`. */
  peek(key: string, limit: number): { limit: number; remaining: number; used: number; reset: number } {
    const window = this.windows.get(key);
    if (!window || window.resetAt <= this.now()) {
      return { limit, remaining: limit, used: 0, reset: Math.ceil((this.now() + 3600_000) / 1000) };
    }
    return {
      limit: window.limit,
      remaining: Math.max(0, window.limit - window.used),
      used: window.used,
      reset: Math.ceil(window.resetAt / 1000),
    };
  }

  exhaust(key: string) {
    const window = this.windows.get(key);
    if (window) window.used = window.limit;
    else this.windows.set(key, { limit: 0, used: 0, resetAt: this.now() + 3600_000 });
  }

  reset() {
    this.windows.clear();
  }
}
