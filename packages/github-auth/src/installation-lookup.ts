import type { AppClient } from './app-client.js';
import { type Clock, systemClock } from './clock.js';
import { GitHubAuthError } from './errors.js';

export interface InstallationLookupOptions {
  clock?: Clock;
  /** how long a found installation id is trusted (default 10 min; dropped at once on 404/410) */
  ttlMs?: number;
  /** how long a "not installed" answer is remembered (default 10 s: never long, unlike Concord's 50 min) */
  negativeTtlMs?: number;
}

type Target =
  | { kind: 'repo'; owner: string; repo: string }
  | { kind: 'org'; org: string }
  | { kind: 'user'; user: string };

/** Finds an app's installation for a repository, an org or a user, with a short cache and collapsed lookups. */
export class InstallationLookup {
  private readonly cache = new Map<string, { id: number | null; until: number }>();
  private readonly pending = new Map<string, Promise<number>>();
  private readonly clock: Clock;

  constructor(
    private readonly client: AppClient,
    private readonly options: InstallationLookupOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
  }

  forRepository(owner: string, repo: string): Promise<number> {
    return this.find({ kind: 'repo', owner, repo: repo.replace(/\.git$/, '') });
  }

  /** The cached installation id of a repository, without waiting (the resolver's fast path). */
  cachedForRepository(owner: string, repo: string): number | undefined {
    const hit = this.cache.get(`repo:${owner.toLowerCase()}/${repo.toLowerCase()}`);
    return hit && hit.id !== null && hit.until > this.clock.now() ? hit.id : undefined;
  }

  forOrg(org: string): Promise<number> {
    return this.find({ kind: 'org', org });
  }

  forUser(user: string): Promise<number> {
    return this.find({ kind: 'user', user });
  }

  /** Forget what is known about a target (after a mint answered 404 for its installation). */
  drop(owner: string, repo?: string) {
    const prefix = `${owner.toLowerCase()}/`;
    for (const key of this.cache.keys())
      if (
        key === `org:${owner.toLowerCase()}` ||
        key === `user:${owner.toLowerCase()}` ||
        (repo ? key === `repo:${prefix}${repo.toLowerCase()}` : key.startsWith(`repo:${prefix}`))
      )
        this.cache.delete(key);
  }

  private keyOf(target: Target): string {
    if (target.kind === 'repo') return `repo:${target.owner.toLowerCase()}/${target.repo.toLowerCase()}`;
    if (target.kind === 'org') return `org:${target.org.toLowerCase()}`;
    return `user:${target.user.toLowerCase()}`;
  }

  private find(target: Target): Promise<number> {
    const key = this.keyOf(target);
    const hit = this.cache.get(key);
    if (hit && hit.until > this.clock.now()) {
      if (hit.id === null) return Promise.reject(notInstalled(target));
      return Promise.resolve(hit.id);
    }
    const running = this.pending.get(key);
    if (running) return running;
    const promise = this.fetch(target, key).finally(() => this.pending.delete(key));
    this.pending.set(key, promise);
    return promise;
  }

  private async fetch(target: Target, key: string): Promise<number> {
    const [route, params] =
      target.kind === 'repo'
        ? ['GET /repos/{owner}/{repo}/installation', { owner: target.owner, repo: target.repo }]
        : target.kind === 'org'
          ? ['GET /orgs/{org}/installation', { org: target.org }]
          : ['GET /users/{username}/installation', { username: target.user }];
    try {
      const { data } = await this.client.request<{ id: number; suspended_at: string | null }>(route, params);
      this.cache.set(key, { id: data.id, until: this.clock.now() + (this.options.ttlMs ?? 600_000) });
      return data.id;
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 404 || status === 410) {
        this.cache.set(key, { id: null, until: this.clock.now() + (this.options.negativeTtlMs ?? 10_000) });
        throw notInstalled(target);
      }
      throw new GitHubAuthError(
        'token_request_failed',
        `looking up the installation for ${describe(target)} failed: ${(error as Error).message}`,
        { cause: error, status },
      );
    }
  }
}

function describe(target: Target): string {
  return target.kind === 'repo'
    ? `${target.owner}/${target.repo}`
    : target.kind === 'org'
      ? `org ${target.org}`
      : `user ${target.user}`;
}

function notInstalled(target: Target): GitHubAuthError {
  // GitHub's 404 does not say whether the repository is missing or the app is not installed on it.
  return new GitHubAuthError(
    'not_installed',
    `the app is not installed for ${describe(target)}, or it does not exist`,
    { status: 404 },
  );
}
