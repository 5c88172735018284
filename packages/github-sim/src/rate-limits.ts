import { SimHttpError } from './errors.js';

export interface RateLimitSettings {
  /**
   * false = a GHES instance with rate limiting turned off: no `x-ratelimit-*` headers, no limits, and
   * `GET /rate_limit` answers 404 (https://docs.github.com/en/enterprise-server/rest/rate-limit).
   */
  enabled: boolean;
  /** requests made with the app's JWT have a budget of their own */
  app: number;
  /** the base of an installation's hourly budget; it grows with repositories and users (see principal.ts) */
  installation: number;
  /** the most an installation's budget grows to (12,500 on github.com, 15,000 on Enterprise Cloud) */
  installationMax: number;
  user: number;
  pat: number;
  /** unauthenticated requests (and failed authentications), per client address */
  unauthenticated: number;
  /** secondary limit: requests in flight at once per principal */
  maxConcurrent: number;
  secondaryRetryAfterSeconds: number;
  /** secondary limit: points per minute per REST endpoint (GET/HEAD/OPTIONS 1, other methods 5); null = off */
  pointsPerMinutePerEndpoint: number | null;
  /** secondary limit: content-creating requests per minute and per hour; null = off */
  contentCreationPerMinute: number | null;
  contentCreationPerHour: number | null;
}

/**
 * GitHub's figures (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api). The
 * per-endpoint points and content-creation limits are off by default: a benchmark minting thousands of tokens
 * a minute would meet them, and tests switch them on where they are the subject.
 */
export const defaultRateLimits: RateLimitSettings = {
  enabled: true,
  app: 5000,
  installation: 5000,
  installationMax: 12_500,
  user: 5000,
  pat: 5000,
  unauthenticated: 60,
  maxConcurrent: 100,
  secondaryRetryAfterSeconds: 60,
  pointsPerMinutePerEndpoint: null,
  contentCreationPerMinute: null,
  contentCreationPerHour: null,
};

interface Window {
  limit: number;
  used: number;
  resetAt: number;
}

/** GitHub's secondary-limit message, which ends with the request's id (`x-github-request-id`). */
export const secondaryLimitMessage = (requestId: string) =>
  `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`;

/** The secondary limit on content creation, as GitHub words it: a 403 without `retry-after`. */
export const contentCreationLimitMessage = (requestId: string) =>
  `You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`;

/** The page GitHub's rate-limit answers link. */
export const rateLimitDocs = 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api';

/** A secondary limit hit: the routes add the request id to the message (the limiter does not know it). */
export class SecondaryLimitError extends SimHttpError {
  constructor(headers: Record<string, string>) {
    super(403, 'secondary rate limit', headers);
    this.documentationUrl = `${rateLimitDocs}#about-secondary-rate-limits`;
  }
}

/** Primary limits (an hourly budget per installation or user) and the secondary limits. */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly inFlight = new Map<string, number>();

  constructor(
    readonly settings: RateLimitSettings,
    private readonly now: () => number,
  ) {}

  private window(key: string, limit: number, lengthMs: number): Window {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { limit, used: 0, resetAt: now + lengthMs };
      this.windows.set(key, window);
    }
    // An installation's budget follows its current size (repositories, users).
    window.limit = limit;
    return window;
  }

  private headers(window: Window, resource = 'core'): Record<string, string> {
    return {
      'x-ratelimit-limit': String(window.limit),
      'x-ratelimit-remaining': String(Math.max(0, window.limit - window.used)),
      'x-ratelimit-used': String(window.used),
      'x-ratelimit-reset': String(Math.ceil(window.resetAt / 1000)),
      'x-ratelimit-resource': resource,
    };
  }

  /**
   * Counts one request; throws GitHub's 403 when the budget is spent (unless `noThrow`, for answers that are
   * errors already, such as a 401). Returns the headers to send.
   */
  consume(key: string, limit: number, what: string, options: { noThrow?: boolean } = {}): Record<string, string> {
    const window = this.window(key, limit, 3600_000);
    if (window.used >= window.limit && !options.noThrow) {
      const error = new SimHttpError(403, `API rate limit exceeded for ${what}.`, this.headers(window));
      error.documentationUrl = `${rateLimitDocs}#about-primary-rate-limits`;
      throw error;
    }
    window.used = Math.min(window.limit, window.used + 1);
    return this.headers(window);
  }

  /** Gives back one request: GitHub does not count a 304 answer to a conditional request. */
  refund(key: string): Record<string, string> | null {
    const window = this.windows.get(key);
    if (!window || window.used === 0) return null;
    window.used -= 1;
    return this.headers(window);
  }

  /**
   * The per-minute secondary limits: points per endpoint (writes cost 5) and content creation. GitHub answers
   * 403 (or 429) with `retry-after` when one is exceeded. Returns what gives the content-creation cost back, for
   * a request that created nothing (GitHub does not count a refused creation, e.g. a 422).
   */
  spend(key: string, endpoint: string, method: string, contentCreating: boolean): () => void {
    const { pointsPerMinutePerEndpoint: points, contentCreationPerMinute, contentCreationPerHour } =
      this.settings;
    const checks: [string, number | null, number, number][] = [
      [`points:${key}:${endpoint}`, points, 60_000, ['GET', 'HEAD', 'OPTIONS'].includes(method) ? 1 : 5],
    ];
    if (contentCreating) {
      checks.push([`create-min:${key}`, contentCreationPerMinute, 60_000, 1]);
      checks.push([`create-hour:${key}`, contentCreationPerHour, 3600_000, 1]);
    }
    const windows = checks
      .filter(([, limit]) => limit !== null)
      .map(([name, limit, length, cost]) => ({ name, window: this.window(name, limit!, length), cost }));
    const over = windows.find(({ window, cost }) => window.used + cost > window.limit);
    if (over) {
      const wait = Math.max(1, Math.ceil((over.window.resetAt - this.now()) / 1000));
      throw new SecondaryLimitError({ 'retry-after': String(wait) });
    }
    for (const { window, cost } of windows) window.used += cost;
    const creation = windows.filter(({ name }) => name.startsWith('create-'));
    return () => {
      for (const { window, cost } of creation) window.used = Math.max(0, window.used - cost);
    };
  }

  /** Enters a request for the secondary limit; the returned function leaves it. */
  enter(key: string): () => void {
    const count = (this.inFlight.get(key) ?? 0) + 1;
    if (count > this.settings.maxConcurrent) {
      throw new SecondaryLimitError({ 'retry-after': String(this.settings.secondaryRetryAfterSeconds) });
    }
    this.inFlight.set(key, count);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inFlight.set(key, (this.inFlight.get(key) ?? 1) - 1);
    };
  }

  /** Requests of a bucket in flight now (tests check that slots are given back). */
  inFlightCount(key: string): number {
    return this.inFlight.get(key) ?? 0;
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

  /** The current headers of a bucket, as the primary limit would send them. */
  headersOf(key: string, limit: number): Record<string, string> {
    return this.headers(this.window(key, limit, 3600_000));
  }

  /** Spends a bucket's whole hourly budget (its size as the routes compute it, e.g. `rateBucket(...).limit`). */
  exhaust(key: string, limit: number) {
    const window = this.window(key, limit, 3600_000);
    window.used = window.limit;
  }

  reset() {
    this.windows.clear();
  }
}
