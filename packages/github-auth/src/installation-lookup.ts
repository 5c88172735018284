import type { LRUCache } from 'lru-cache';
import type { AppClient } from './app-client.js';
import { type Clock, systemClock } from './clock.js';
import { GitHubAuthError } from './errors.js';
import { lazyLru } from './lazy-lru.js';
import type { RedisTokenStore } from './redis-token-store.js';

export interface InstallationLookupOptions {
  clock?: Clock;
  /** how long a found installation id is trusted (default 10 min; dropped at once on 404/410) */
  ttlMs?: number;
  /** how long a "not installed" answer is remembered (default 10 s: never long, unlike Concord's 50 min) */
  negativeTtlMs?: number;
  /** bound of the process cache (default 10,000 repositories) */
  maxEntries?: number;
  /** shares found installation ids with the fleet, next to the tokens */
  redis?: RedisTokenStore | null;
}

/**
 * Finds an app's installation for a repository: a bounded process cache, then the fleet's (Redis), then one
 * app-JWT request for concurrent callers (`GET /repos/{owner}/{repo}/installation`).
 */
export class InstallationLookup {
  private readonly cache: LRUCache<string, { id: number | null; until: number }>;
  private readonly pending = new Map<string, Promise<number>>();
  private readonly clock: Clock;
  private readonly redis: RedisTokenStore | null;

  constructor(
    private readonly client: AppClient,
    private readonly options: InstallationLookupOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.redis = options.redis ?? null;
    this.cache = lazyLru(options.maxEntries ?? 10_000);
  }

  forRepository(owner: string, repo: string): Promise<number> {
    const target = `${owner}/${repo.replace(/\.git$/, '')}`;
    const key = target.toLowerCase();
    const hit = this.cache.get(key);
    if (hit && hit.until > this.clock.now()) {
      if (hit.id === null) return Promise.reject(notInstalled(target));
      return Promise.resolve(hit.id);
    }
    const running = this.pending.get(key);
    if (running) return running;
    const promise = this.find(target, key).finally(() => this.pending.delete(key));
    this.pending.set(key, promise);
    return promise;
  }

  /** The cached installation id of a repository, without waiting (the resolver's fast path). */
  cachedForRepository(owner: string, repo: string): number | undefined {
    const hit = this.cache.get(`${owner}/${repo}`.toLowerCase());
    return hit && hit.id !== null && hit.until > this.clock.now() ? hit.id : undefined;
  }

  /** Forget what is known about a repository (after a mint answered 404 for its installation). */
  async drop(owner: string, repo: string): Promise<void> {
    const key = `${owner}/${repo}`.toLowerCase();
    this.cache.delete(key);
    await this.redis?.dropLookup(this.sharedScope(key));
  }

  private sharedScope(key: string) {
    return `${this.client.app.appKey}|${this.client.app.apiUrl}|repo:${key}`;
  }

  private async find(target: string, key: string): Promise<number> {
    const ttlMs = this.options.ttlMs ?? 600_000;
    const shared = await this.redis?.getLookup(this.sharedScope(key));
    if (shared) {
      this.cache.set(key, { id: shared, until: this.clock.now() + ttlMs });
      return shared;
    }
    const [owner, repo] = target.split('/') as [string, string];
    try {
      const { data } = await this.client.request<{ id: number }>('GET /repos/{owner}/{repo}/installation', {
        owner,
        repo,
      });
      this.cache.set(key, { id: data.id, until: this.clock.now() + ttlMs });
      await this.redis?.setLookup(this.sharedScope(key), data.id, ttlMs);
      return data.id;
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 404 || status === 410) {
        this.cache.set(key, { id: null, until: this.clock.now() + (this.options.negativeTtlMs ?? 10_000) });
        throw notInstalled(target);
      }
      throw new GitHubAuthError(
        'token_request_failed',
        `looking up the installation for ${target} failed: ${(error as Error).message}`,
        { cause: error, status },
      );
    }
  }
}

function notInstalled(target: string): GitHubAuthError {
  // GitHub's 404 does not say whether the repository is missing or the app is not installed on it.
  return new GitHubAuthError('not_installed', `the app is not installed for ${target}, or it does not exist`, {
    status: 404,
  });
}
