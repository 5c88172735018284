import { LRUCache } from 'lru-cache';
import { AppClient, type AppClientOptions } from './app-client.js';
import type { AppCredentials } from './app-credentials.js';
import { type Clock, systemClock } from './clock.js';
import { GitHubAuthError } from './errors.js';
import {
  type InstallationToken,
  type InstallationTokenRequest,
  tokenCacheKey,
} from './installation-token.js';
import { type Logger, silentLogger } from './logger.js';
import type { RedisTokenStore } from './redis-token-store.js';
import { SingleFlight } from './single-flight.js';

export interface InstallationTokenProviderOptions {
  app: AppCredentials;
  clock?: Clock;
  logger?: Logger;
  fetch?: typeof fetch;
  /** the fleet-wide tier; without it each process caches alone */
  redis?: RedisTokenStore | null;
  /** bound of the process tier (default 15,000 tokens, as @octokit/auth-app) */
  maxCachedTokens?: number;
  /** tokens with less than this left are never returned (default 2 min; git asks for more) */
  minValidityMs?: number;
  /** when a token has less than this left, the next read starts one background refresh (default 5 min) */
  refreshMarginMs?: number;
  http?: Omit<AppClientOptions, 'logger' | 'fetch'>;
}

export interface ProviderStats {
  memoryHits: number;
  redisHits: number;
  mints: number;
  /** calls that had to wait for Redis or a mint (the rest were answered from the process tier) */
  waited: number;
  refreshesStarted: number;
}

const maxMinValidityMs = 55 * 60_000;

interface MintResponse {
  token: string;
  expires_at: string;
  permissions?: Record<string, string>;
  repository_selection?: 'all' | 'selected';
  repositories?: { id: number }[];
}

/**
 * Installation tokens, fast and fleet-wide: a process LRU checked for expiry on every read, an optional
 * encrypted Redis tier shared by every replica, one mint per key in a process and in the fleet, and refresh
 * ahead of expiry so that callers in steady state never wait for GitHub.
 */
export class InstallationTokenProvider {
  readonly app: AppCredentials;
  readonly client: AppClient;
  readonly stats: ProviderStats = { memoryHits: 0, redisHits: 0, mints: 0, waited: 0, refreshesStarted: 0 };
  private readonly clock: Clock;
  private readonly fetch: typeof fetch;
  private readonly logger: Logger;
  private readonly redis: RedisTokenStore | null;
  private readonly memory: LRUCache<string, InstallationToken>;
  private readonly keyOfToken = new Map<string, string>();
  private readonly flights = new SingleFlight<InstallationToken>();
  private readonly refreshing = new Set<string>();
  private readonly minValidityMs: number;
  private readonly refreshMarginMs: number;

  constructor(options: InstallationTokenProviderOptions) {
    this.app = options.app;
    this.clock = options.clock ?? systemClock;
    this.fetch = options.fetch ?? fetch;
    this.logger = options.logger ?? silentLogger;
    this.redis = options.redis ?? null;
    this.minValidityMs = options.minValidityMs ?? 2 * 60_000;
    this.refreshMarginMs = Math.max(options.refreshMarginMs ?? 5 * 60_000, this.minValidityMs);
    this.memory = new LRUCache({
      max: options.maxCachedTokens ?? 15_000,
      dispose: (token) => this.keyOfToken.delete(token.token),
    });
    this.client = new AppClient(this.app, { ...options.http, fetch: options.fetch, logger: this.logger });
  }

  /** A token for the request with at least `minValidityMs` left; from the process tier in microseconds when warm. */
  getToken(request: InstallationTokenRequest): Promise<InstallationToken> {
    return this.getTokenByKey(this.cacheKey(request), request);
  }

  cacheKey(request: InstallationTokenRequest): string {
    return tokenCacheKey(this.app.appKey, this.app.apiUrl, request);
  }

  /** `getToken` for callers that keep the request's cache key (the resolver builds it once per repository). */
  getTokenByKey(key: string, request: InstallationTokenRequest): Promise<InstallationToken> {
    const minValidity = request.minValidityMs ?? this.minValidityMs;
    const cached = this.memory.get(key);
    if (cached !== undefined) {
      const left = cached.expiresAt - this.clock.now();
      if (left >= minValidity) {
        this.stats.memoryHits++;
        if (left < this.refreshMarginMs) this.refreshAhead(key, request);
        return Promise.resolve(cached);
      }
    }
    return this.slowPath(key, request, minValidity);
  }

  private async slowPath(
    key: string,
    request: InstallationTokenRequest,
    minValidity: number,
  ): Promise<InstallationToken> {
    validateRequest(request, minValidity);
    this.stats.waited++;
    let token = await this.flights.run(key, () => this.obtain(key, request, minValidity));
    if (token.expiresAt - this.clock.now() < minValidity) {
      // A flight started for a less demanding caller: this caller needs a fresher token.
      token = await this.flights.run(key, () => this.obtain(key, request, minValidity, true));
    }
    if (token.expiresAt - this.clock.now() < minValidity) {
      throw new GitHubAuthError(
        'token_too_short_lived',
        `GitHub issued a token with less than the ${Math.round(minValidity / 1000)} s of validity asked for`,
      );
    }
    return token;
  }

  private refreshAhead(key: string, request: InstallationTokenRequest) {
    if (this.refreshing.has(key) || this.flights.has(key)) return;
    this.refreshing.add(key);
    this.stats.refreshesStarted++;
    this.flights
      .run(key, () => this.obtain(key, request, this.refreshMarginMs))
      .catch((error) =>
        this.logger.warn(
          { installationId: request.installationId, err: safeMessage(error) },
          'background token refresh failed; the current token is served until it is too old',
        ),
      )
      .finally(() => this.refreshing.delete(key));
  }

  /** Redis, then a fleet-wide lock and one mint; without Redis (or while it is out), a local mint. */
  private async obtain(
    key: string,
    request: InstallationTokenRequest,
    minRemaining: number,
    skipShared = false,
  ): Promise<InstallationToken> {
    const acceptable = (t: InstallationToken) => t.expiresAt - this.clock.now() >= minRemaining;
    const redis = this.redis;
    if (redis && !skipShared) {
      for (let attempt = 0; attempt < 3 && redis.usable(); attempt++) {
        const shared = await redis.get(key);
        if (shared && acceptable(shared)) {
          this.stats.redisHits++;
          return this.remember(key, shared);
        }
        const lock = await redis.tryLock(key);
        if (lock === undefined) break;
        if (lock) {
          try {
            const again = await redis.get(key);
            if (again && acceptable(again)) return this.remember(key, again);
            const minted = await this.mint(request);
            await redis.set(key, minted);
            return this.remember(key, minted);
          } finally {
            await redis.unlock(key, lock);
          }
        }
        const waited = await redis.waitFor(key, acceptable);
        if (waited) {
          this.stats.redisHits++;
          return this.remember(key, waited);
        }
      }
    }
    const minted = await this.mint(request);
    if (redis) await redis.set(key, minted);
    return this.remember(key, minted);
  }

  private remember(key: string, token: InstallationToken): InstallationToken {
    const previous = this.memory.get(key);
    if (previous && previous.token !== token.token) this.keyOfToken.delete(previous.token);
    this.memory.set(key, token);
    this.keyOfToken.set(token.token, key);
    return token;
  }

  private async mint(request: InstallationTokenRequest): Promise<InstallationToken> {
    const body: Record<string, unknown> = { installation_id: request.installationId };
    if (request.repositoryIds?.length) body.repository_ids = request.repositoryIds;
    if (request.repositoryNames?.length)
      body.repositories = request.repositoryNames.map((n) => n.replace(/\.git$/, ''));
    if (request.permissions) body.permissions = request.permissions;
    try {
      const { data } = await this.client.request<MintResponse>(
        'POST /app/installations/{installation_id}/access_tokens',
        body,
        `installation:${request.installationId}`,
      );
      this.stats.mints++;
      return {
        token: data.token,
        expiresAt: Date.parse(data.expires_at) - this.app.jwt.clockSkewMs,
        permissions: data.permissions ?? {},
        repositorySelection: data.repository_selection ?? 'selected',
        repositoryIds: data.repositories ? data.repositories.map((r) => r.id) : null,
        installationId: request.installationId,
      };
    } catch (error) {
      throw describeMintError(error, request.installationId);
    }
  }

  /** The provider's clock (token expiries are on it). */
  now(): number {
    return this.clock.now();
  }

  /** Settles when no mint or refresh is under way (benchmarks and tests on fake clocks). */
  whenIdle(): Promise<void> {
    return this.flights.idle();
  }

  /** Drops a token from every tier (after a 401, or git's `erase`). Accepts the request or the token itself. */
  async invalidate(target: InstallationTokenRequest | { token: string }): Promise<void> {
    const key =
      'token' in target
        ? this.keyOfToken.get(target.token)
        : tokenCacheKey(this.app.appKey, this.app.apiUrl, target);
    if ('token' in target && this.redis) await this.redis.deleteByToken(target.token);
    if (!key) return;
    const cached = this.memory.get(key);
    if (cached) this.keyOfToken.delete(cached.token);
    this.memory.delete(key);
    if (this.redis) await this.redis.delete(key);
  }

  /** Revokes at GitHub (`DELETE /installation/token`) every cached token of an installation, and purges them. */
  async revokeInstallation(installationId: number): Promise<number> {
    const keys = [...this.memory.keys()].filter((key) => key.split('|')[2] === String(installationId));
    let revoked = 0;
    for (const key of keys) {
      const token = this.memory.get(key);
      if (!token) continue;
      if (await this.revokeToken(token.token)) revoked++;
      await this.invalidate({ token: token.token });
    }
    return revoked;
  }

  /** `DELETE /installation/token` with the token itself. True when GitHub confirmed (204) or already forgot it (401). */
  async revokeToken(token: string): Promise<boolean> {
    const response = await this.fetch(`${this.app.apiUrl}/installation/token`, {
      method: 'DELETE',
      headers: {
        authorization: `token ${token}`,
        accept: 'application/vnd.github+json',
        'user-agent': 'hubgate-github-auth',
      },
      signal: AbortSignal.timeout(10_000),
    }).catch(() => null);
    return response !== null && (response.status === 204 || response.status === 401);
  }
}

function validateRequest(request: InstallationTokenRequest, minValidity: number) {
  if (!Number.isInteger(request.installationId) || request.installationId <= 0) {
    throw new GitHubAuthError(
      'invalid_config',
      `installationId must be a positive integer, got ${String(request.installationId)}`,
    );
  }
  if (minValidity < 0 || minValidity > maxMinValidityMs) {
    throw new GitHubAuthError(
      'invalid_config',
      `minValidityMs must be between 0 and ${maxMinValidityMs} (tokens live one hour)`,
    );
  }
  const count = (request.repositoryIds?.length ?? 0) + (request.repositoryNames?.length ?? 0);
  if (count > 500)
    throw new GitHubAuthError(
      'invalid_config',
      `a token can be scoped to at most 500 repositories, ${count} asked`,
    );
}

function safeMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeMintError(error: unknown, installationId: number): GitHubAuthError {
  const e = error as { status?: number; message?: string };
  const message = e.message ?? 'unknown error';
  if (e.status === 404) {
    return new GitHubAuthError(
      'installation_not_found',
      `installation ${installationId} was not found for this app (uninstalled, or another app's)`,
      { cause: error, status: 404 },
    );
  }
  if (e.status === 403 && /suspended/i.test(message)) {
    return new GitHubAuthError('installation_suspended', `installation ${installationId} is suspended`, {
      cause: error,
      status: 403,
    });
  }
  if (e.status === 401) {
    const hint = /could not be decoded/.test(message)
      ? ' (the app id or client id and the private key probably belong to different apps)'
      : '';
    return new GitHubAuthError('token_request_failed', `GitHub refused the app's JWT: ${message}${hint}`, {
      cause: error,
      status: 401,
    });
  }
  if ((e.status === 403 || e.status === 429) && /rate limit/i.test(message)) {
    return new GitHubAuthError(
      'rate_limited',
      `GitHub rate limit while minting a token for installation ${installationId}: ${message}`,
      { cause: error, status: e.status },
    );
  }
  return new GitHubAuthError(
    'token_request_failed',
    `minting a token for installation ${installationId} failed: ${message}`,
    { cause: error, status: e.status },
  );
}
