import { createHash } from 'node:crypto';
import type { LRUCache } from 'lru-cache';
import { AppClient, type AppClientOptions } from './app-client.js';
import type { AppCredentials } from './app-credentials.js';
import { type Clock, systemClock } from './clock.js';
import { GitHubAuthError } from './errors.js';
import {
  type InstallationToken,
  type InstallationTokenRequest,
  installationScope,
  tokenCacheKey,
  tokenMatchesRequest,
} from './installation-token.js';
import { lazyLru } from './lazy-lru.js';
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
  /**
   * bound of the process tier (default 15,000 tokens, as @octokit/auth-app); size it to the hot keys of a
   * process, and watch `stats.liveEvictions`: with Redis, the rest is answered in one round trip
   */
  maxCachedTokens?: number;
  /** tokens with less than this left are never returned (default 2 min; git asks for more) */
  minValidityMs?: number;
  /** when a token has less than this left, the next read starts one background refresh (default 5 min) */
  refreshMarginMs?: number;
  http?: Omit<AppClientOptions, 'logger' | 'fetch'>;
  /**
   * hear revocations made by other processes of the fleet (default true when `redis` is given); a process that
   * lives for one answer (the git helper) turns it off
   */
  listenForRevocations?: boolean;
  /**
   * a token GitHub could not be made to revoke after retries: persist it (encrypted) and try again later with
   * `revokeToken`; it stays valid at GitHub until then or until it expires
   */
  onRevocationFailure?: (failure: RevocationFailure) => void | Promise<void>;
}

export interface ProviderStats {
  memoryHits: number;
  redisHits: number;
  mints: number;
  /** calls that had to wait for Redis or a mint (the rest were answered from the process tier) */
  waited: number;
  refreshesStarted: number;
  /** tokens still valid pushed out of the process tier by its bound (a hint to raise `maxCachedTokens`) */
  liveEvictions: number;
}

export interface RevocationFailure {
  installationId: number;
  /** the token itself, for a later `revokeToken`: a secret, never to be logged */
  token: string;
  /** epoch milliseconds: after this, there is nothing left to revoke */
  expiresAt: number;
  reason: string;
}

/** What `revokeInstallation` did; safe to log (no token in it). */
export interface RevocationReport {
  installationId: number;
  /** tokens GitHub confirmed revoked, or already no longer accepted */
  revoked: number;
  /** tokens still valid at GitHub after retries: a short sha256 fingerprint, the expiry and why */
  failed: { fingerprint: string; expiresAt: number; reason: string }[];
  /** false when the shared tier is configured but was out: tokens cached by other processes were not reached */
  fleetReached: boolean;
}

const maxMinValidityMs = 55 * 60_000;

interface MintResponse {
  token: string;
  expires_at: string;
  permissions?: Record<string, string>;
  repository_selection?: 'all' | 'selected';
  repositories?: { id: number; name: string }[];
}

/**
 * Installation tokens, fast and fleet-wide: a process LRU checked for expiry on every read, an optional
 * encrypted Redis tier shared by every replica, one mint per key in a process and in the fleet, refresh
 * ahead of expiry so that callers in steady state never wait for GitHub, and revocation of an installation
 * that reaches every token in every tier.
 */
export class InstallationTokenProvider {
  readonly app: AppCredentials;
  readonly client: AppClient;
  /** the process tier's bound (`maxCachedTokens`); past it, live tokens are evicted and counted in `stats.liveEvictions` */
  readonly maxCachedTokens: number;
  readonly stats: ProviderStats = {
    memoryHits: 0,
    redisHits: 0,
    mints: 0,
    waited: 0,
    refreshesStarted: 0,
    liveEvictions: 0,
  };
  private readonly clock: Clock;
  private readonly fetch: typeof fetch;
  private readonly logger: Logger;
  private readonly redis: RedisTokenStore | null;
  private readonly memory: LRUCache<string, InstallationToken>;
  private readonly keyOfToken = new Map<string, string>();
  /**
   * the process tier's keys by installation, so that revoking one touches only its own (no scan); most
   * installations have one key, kept as is (a Set per installation would cost more than the rest of the entry)
   */
  private readonly keysOfInstallation = new Map<number, string | Set<string>>();
  /**
   * tokens of the process tier that never reached Redis (minted while it was out): only this process can revoke
   * them when another process revokes their installation (without Redis there is no other process: not kept)
   */
  private readonly localOnly = new Set<string>();
  /** a counter of revocations, and the last one of each installation: a mint that started before it is refused */
  private revocationSeq = 0;
  private readonly lastRevocation = lazyLru<number, number>(10_000);
  private readonly flights = new SingleFlight<InstallationToken>();
  private readonly refreshing = new Set<string>();
  private readonly minValidityMs: number;
  private readonly refreshMarginMs: number;
  private readonly scopePrefix: string;
  private readonly stopListening: () => void;

  constructor(private readonly options: InstallationTokenProviderOptions) {
    this.app = options.app;
    this.clock = options.clock ?? systemClock;
    this.fetch = options.fetch ?? fetch;
    this.logger = options.logger ?? silentLogger;
    this.redis = options.redis ?? null;
    this.minValidityMs = options.minValidityMs ?? 2 * 60_000;
    this.refreshMarginMs = Math.max(options.refreshMarginMs ?? 5 * 60_000, this.minValidityMs);
    this.scopePrefix = installationScope(this.app.appKey, this.app.apiUrl, 0).slice(0, -1);
    this.maxCachedTokens = options.maxCachedTokens ?? 15_000;
    this.memory = lazyLru(this.maxCachedTokens, (token, key, reason) =>
      this.forgetEntry(token, key, reason),
    );
    this.client = new AppClient(this.app, { ...options.http, fetch: options.fetch, logger: this.logger });
    this.stopListening =
      this.redis && options.listenForRevocations !== false
        ? this.redis.onRevocation({
            revoked: ({ scope }) => this.onFleetRevocation(scope),
            // Revocations published while this process was not subscribed are lost: drop what it cannot vouch for.
            resync: () => this.memory.clear(),
          })
        : () => {};
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

  /** How much the process tier holds (tokens, and installations they belong to). */
  cacheSize(): { tokens: number; installations: number } {
    return { tokens: this.memory.size, installations: this.keysOfInstallation.size };
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
      token = await this.flights.run(key, () => this.obtain(key, request, minValidity));
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

  private scopeOf(installationId: number): string {
    return installationScope(this.app.appKey, this.app.apiUrl, installationId);
  }

  /**
   * Redis (one round trip: the entry and the installation's revocation generation), then a fleet-wide lock
   * and one mint; without Redis (or while it is out), a local mint.
   */
  private async obtain(
    key: string,
    request: InstallationTokenRequest,
    minRemaining: number,
  ): Promise<InstallationToken> {
    const startedAt = this.revocationSeq;
    const scope = this.scopeOf(request.installationId);
    const acceptable = (t: InstallationToken) =>
      t.expiresAt - this.clock.now() >= minRemaining && tokenMatchesRequest(t, request);
    const redis = this.redis;
    let generation: string | null = null;
    if (redis) {
      for (let attempt = 0; attempt < 3 && redis.usable(); attempt++) {
        const shared = await redis.read(key, scope);
        if (!shared) break;
        generation = shared.generation;
        if (shared.token && acceptable(shared.token)) {
          this.stats.redisHits++;
          return this.remember(key, shared.token, true);
        }
        const lock = await redis.tryLock(key);
        if (lock.kind === 'unavailable') break;
        if (lock.kind === 'acquired') {
          try {
            const again = await redis.read(key, scope);
            if (again?.token && acceptable(again.token)) return this.remember(key, again.token, true);
            return await this.mintAndKeep(key, request, again?.generation ?? generation, startedAt);
          } finally {
            await redis.unlock(key, lock.id);
          }
        }
        const waited = await redis.waitFor(key, scope, acceptable);
        if (waited) {
          this.stats.redisHits++;
          return this.remember(key, waited, true);
        }
      }
    }
    return this.mintAndKeep(key, request, generation, startedAt);
  }

  /** Mints, then keeps the token in both tiers, unless its installation was revoked meanwhile. */
  private async mintAndKeep(
    key: string,
    request: InstallationTokenRequest,
    generation: string | null,
    startedAt: number,
  ): Promise<InstallationToken> {
    const minted = await this.mint(request);
    let shared = false;
    if (this.redis) {
      const stored = await this.redis.set(key, this.scopeOf(request.installationId), minted, generation);
      if (stored === 'revoked') return this.refuseMintedDuringRevocation(minted);
      shared = stored === 'stored';
    }
    if ((this.lastRevocation.get(request.installationId) ?? 0) > startedAt)
      return this.refuseMintedDuringRevocation(minted);
    return this.remember(key, minted, shared);
  }

  /** A token minted while its installation was being revoked is revoked too, never served. */
  private async refuseMintedDuringRevocation(token: InstallationToken): Promise<never> {
    await this.revokeAll(token.installationId, [token]);
    throw new GitHubAuthError(
      'installation_revoked',
      `installation ${token.installationId} was revoked while a token was being minted for it`,
    );
  }

  private remember(key: string, token: InstallationToken, shared: boolean): InstallationToken {
    this.memory.set(key, token);
    this.keyOfToken.set(token.token, key);
    const keys = this.keysOfInstallation.get(token.installationId);
    if (keys === undefined) this.keysOfInstallation.set(token.installationId, key);
    else if (typeof keys !== 'string') keys.add(key);
    else if (keys !== key) this.keysOfInstallation.set(token.installationId, new Set([keys, key]));
    if (!shared && this.redis) this.localOnly.add(token.token);
    return token;
  }

  /** The process tier let an entry go (replaced, evicted, deleted): its side tables follow. */
  private forgetEntry(token: InstallationToken, key: string, reason: LRUCache.DisposeReason) {
    this.keyOfToken.delete(token.token);
    this.localOnly.delete(token.token);
    if (reason === 'set') return;
    if (reason === 'evict' && token.expiresAt > this.clock.now()) this.stats.liveEvictions++;
    const keys = this.keysOfInstallation.get(token.installationId);
    if (keys === key || (typeof keys === 'object' && keys.delete(key) && keys.size === 0))
      this.keysOfInstallation.delete(token.installationId);
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
      );
      this.stats.mints++;
      return {
        token: data.token,
        expiresAt: Date.parse(data.expires_at) - this.app.jwt.clockSkewMs,
        createdAt: this.clock.now(),
        permissions: data.permissions ?? {},
        repositorySelection: data.repository_selection ?? 'selected',
        repositoryIds: data.repositories ? data.repositories.map((r) => r.id) : null,
        repositoryNames: data.repositories ? data.repositories.map((r) => r.name.toLowerCase()) : null,
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

  /** Stops hearing the fleet's revocations (the Redis store is the caller's to close). */
  close(): void {
    this.stopListening();
  }

  /** Drops a token from every tier (after a 401, or git's `erase`). Accepts the request or the token itself. */
  async invalidate(target: InstallationTokenRequest | { token: string }): Promise<void> {
    const key =
      'token' in target
        ? this.keyOfToken.get(target.token)
        : tokenCacheKey(this.app.appKey, this.app.apiUrl, target);
    if ('token' in target && this.redis) await this.redis.deleteByToken(target.token);
    if (!key) return;
    this.memory.delete(key);
    if (this.redis) await this.redis.delete(key);
  }

  /**
   * Disconnect: revokes at GitHub (`DELETE /installation/token`) every live token of the installation that the
   * fleet holds, and makes sure no tier serves one again. Redis bumps the installation's generation (entries
   * of older generations are misses, and a mint under way cannot store its token) and tells every process,
   * which drops the installation from its process tier (and revokes what only it held). Failed revocations
   * are retried, then reported (here, and to `onRevocationFailure` with the token, for a later retry).
   */
  async revokeInstallation(installationId: number): Promise<RevocationReport> {
    const local = this.forgetInstallation(installationId);
    const fleet = this.redis ? await this.redis.takeInstallation(this.scopeOf(installationId)) : null;
    const byValue = new Map<string, InstallationToken>();
    for (const token of [...local.map((l) => l.token), ...(fleet?.tokens ?? [])]) byValue.set(token.token, token);
    const report = await this.revokeAll(installationId, [...byValue.values()]);
    return { ...report, fleetReached: this.redis === null || fleet !== null };
  }

  /** Forgets an installation in this process; returns what it held, each token marked when only this process had it. */
  private forgetInstallation(installationId: number): { token: InstallationToken; localOnly: boolean }[] {
    this.lastRevocation.set(installationId, ++this.revocationSeq);
    const held: { token: InstallationToken; localOnly: boolean }[] = [];
    const keys = this.keysOfInstallation.get(installationId);
    for (const key of typeof keys === 'string' ? [keys] : [...(keys ?? [])]) {
      const token = this.memory.peek(key);
      if (token) held.push({ token, localOnly: this.localOnly.has(token.token) });
      this.memory.delete(key);
    }
    return held;
  }

  private onFleetRevocation(scope: string) {
    if (!scope.startsWith(this.scopePrefix)) return;
    const installationId = Number(scope.slice(this.scopePrefix.length));
    if (!Number.isInteger(installationId)) return;
    const onlyHere = this.forgetInstallation(installationId)
      .filter((held) => held.localOnly)
      .map((held) => held.token);
    if (onlyHere.length > 0) void this.revokeAll(installationId, onlyHere);
  }

  /** Revokes tokens at GitHub, a few at a time, each retried; reports the failures. */
  private async revokeAll(
    installationId: number,
    tokens: InstallationToken[],
  ): Promise<Omit<RevocationReport, 'fleetReached'>> {
    const now = this.clock.now();
    const live = tokens.filter((t) => t.expiresAt > now);
    const outcomes: { token: InstallationToken; reason: string | null }[] = [];
    for (let i = 0; i < live.length; i += 8) {
      const batch = live.slice(i, i + 8);
      outcomes.push(
        ...(await Promise.all(batch.map(async (token) => ({ token, reason: await this.revokeWithRetries(token.token) })))),
      );
    }
    const failed = outcomes.filter((o) => o.reason !== null);
    for (const { token, reason } of failed) {
      this.logger.warn(
        { installationId, fingerprint: fingerprint(token.token), reason },
        'a token of a revoked installation could not be revoked at GitHub',
      );
      try {
        await this.options.onRevocationFailure?.({
          installationId,
          token: token.token,
          expiresAt: token.expiresAt,
          reason: reason!,
        });
      } catch (error) {
        this.logger.error({ installationId, err: safeMessage(error) }, 'onRevocationFailure failed');
      }
    }
    return {
      installationId,
      revoked: outcomes.length - failed.length,
      failed: failed.map(({ token, reason }) => ({
        fingerprint: fingerprint(token.token),
        expiresAt: token.expiresAt,
        reason: reason!,
      })),
    };
  }

  /**
   * `DELETE /installation/token` with the token itself, retried, and the token dropped from every tier. True when
   * GitHub confirmed (204) or already forgot it (401).
   */
  async revokeToken(token: string): Promise<boolean> {
    await this.invalidate({ token });
    return (await this.revokeWithRetries(token)) === null;
  }

  /** null when revoked; else why not, after the retries a 5xx, a 429 or a network error deserve. */
  private async revokeWithRetries(token: string): Promise<string | null> {
    const retries = this.options.http?.retries ?? 3;
    const base = this.options.http?.retryBaseMs ?? 1000;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.revokeOnce(token);
      if (outcome.ok) return null;
      if (!outcome.retryable || attempt >= retries) return outcome.reason;
      await new Promise((resolve) => setTimeout(resolve, (attempt + 1) ** 2 * base));
    }
  }

  private async revokeOnce(token: string): Promise<{ ok: boolean; retryable: boolean; reason: string }> {
    try {
      const response = await this.fetch(`${this.app.apiUrl}/installation/token`, {
        method: 'DELETE',
        headers: {
          authorization: `token ${token}`,
          accept: 'application/vnd.github+json',
          'user-agent': 'hubgate-github-auth',
        },
        signal: AbortSignal.timeout(this.options.http?.timeoutMs ?? 10_000),
      });
      await response.body?.cancel();
      const ok = response.status === 204 || response.status === 401;
      return {
        ok,
        retryable: response.status >= 500 || response.status === 429,
        reason: `GitHub answered ${response.status}`,
      };
    } catch (error) {
      return { ok: false, retryable: true, reason: `GitHub could not be reached: ${safeMessage(error)}` };
    }
  }
}

/** A token's short sha256, to name it in logs and reports without revealing it. */
function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
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

/** Seconds until GitHub accepts requests again, from `retry-after` or `x-ratelimit-reset`. */
function retryAfterOf(headers: Record<string, string | undefined>): number | undefined {
  const retryAfter = Number(headers['retry-after']);
  if (headers['retry-after'] !== undefined && Number.isFinite(retryAfter)) return Math.max(1, retryAfter);
  const reset = Number(headers['x-ratelimit-reset']);
  if (headers['x-ratelimit-reset'] !== undefined && Number.isFinite(reset))
    return Math.max(1, Math.ceil(reset - Date.now() / 1000));
  return undefined;
}

function describeMintError(error: unknown, installationId: number): GitHubAuthError {
  const e = error as { status?: number; message?: string; response?: { headers?: Record<string, string | undefined> } };
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
      { cause: error, status: e.status, retryAfterSeconds: retryAfterOf(e.response?.headers ?? {}) },
    );
  }
  return new GitHubAuthError(
    'token_request_failed',
    `minting a token for installation ${installationId} failed: ${message}`,
    { cause: error, status: e.status },
  );
}
