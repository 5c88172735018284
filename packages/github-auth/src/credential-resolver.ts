import { createAppCredentials } from './app-credentials.js';
import { type Clock, systemClock } from './clock.js';
import { type CredentialSourceConfig, compileUrlPattern } from './credential-config.js';
import { GitHubAuthError } from './errors.js';
import { InstallationLookup } from './installation-lookup.js';
import { lazyLru } from './lazy-lru.js';
import type { InstallationTokenRequest, PermissionLevel } from './installation-token.js';
import {
  InstallationTokenProvider,
  type InstallationTokenProviderOptions,
} from './installation-token-provider.js';
import { type Logger, silentLogger } from './logger.js';
import { parseRepoUrl } from './repo-url.js';

export interface GitCredentials {
  username: string;
  password: string;
  /** epoch milliseconds */
  expiresAt: number;
  /** epoch milliseconds: when the token was minted (a raw hand-out waits until it is old enough) */
  createdAt?: number;
}

interface Target {
  source: Source;
  owner: string;
  repo: string;
  /** reused request objects, one per installation id and validity, so the provider's key is built once */
  requests: Map<string, { request: InstallationTokenRequest; key: string }>;
}

interface Source {
  config: CredentialSourceConfig;
  pattern: RegExp;
  provider: InstallationTokenProvider;
  lookup: InstallationLookup;
}

export interface CredentialResolverOptions extends Omit<InstallationTokenProviderOptions, 'app'> {
  sources: CredentialSourceConfig[];
  clock?: Clock;
  logger?: Logger;
}

/**
 * Repository URL -> git credentials, the Concord way done right: the first source whose `urlPattern` matches
 * picks the app; the token is scoped to that one repository and shared by every URL form of it; a failed
 * lookup is not remembered for long; the token always has the asked validity left.
 */
export class CredentialResolver {
  private readonly sources: Source[];
  /** repository URL as given -> parsed target; parsing and pattern matching happen once per URL */
  private readonly targets = lazyLru<string, Target>(10_000);

  constructor(options: CredentialResolverOptions) {
    const clock = options.clock ?? systemClock;
    const logger = options.logger ?? silentLogger;
    this.sources = options.sources.map((config, i) => {
      const app = createAppCredentials({
        appId: config.appId,
        clientId: config.clientId,
        privateKey: config.privateKey,
        privateKeyPath: config.privateKeyPath,
        apiUrl: config.apiUrl,
        issuerIsAppId: config.issuerIsAppId,
        clock,
      });
      const provider = new InstallationTokenProvider({ ...options, app, clock, logger });
      return {
        config,
        pattern: compileUrlPattern(config.urlPattern, `sources[${i}]`),
        provider,
        lookup: new InstallationLookup(provider.client, { clock, redis: options.redis }),
      };
    });
  }

  get providers(): InstallationTokenProvider[] {
    return this.sources.map((s) => s.provider);
  }

  private sourceFor(normalized: string): Source {
    const source = this.sources.find((s) => s.pattern.test(normalized));
    if (!source)
      throw new GitHubAuthError(
        'no_credential_source',
        `no credential source's urlPattern matches ${normalized}`,
      );
    return source;
  }

  async resolveCredentials(
    repoUrl: string,
    options: { minValidityMs?: number } = {},
  ): Promise<GitCredentials> {
    const target = this.targetOf(repoUrl);
    const installationId = target.source.lookup.cachedForRepository(target.owner, target.repo);
    if (installationId !== undefined) {
      try {
        const token = await this.tokenFor(target, installationId, options.minValidityMs);
        return { username: target.source.config.username, password: token.token, expiresAt: token.expiresAt, createdAt: token.createdAt };
      } catch (error) {
        if (!(error instanceof GitHubAuthError) || error.code !== 'installation_not_found') throw error;
        // The cached installation is gone (a reinstall): the slow path looks it up again.
        await target.source.lookup.drop(target.owner, target.repo);
        target.requests.clear();
      }
    }
    return this.resolveSlowly(target, options.minValidityMs);
  }

  private targetOf(repoUrl: string): Target {
    let target = this.targets.get(repoUrl);
    if (!target) {
      const parsed = parseRepoUrl(repoUrl);
      const source = this.sourceFor(parsed.normalized);
      refuseInsecure(parsed.protocol, source, parsed.normalized);
      // Every URL form of one repository maps to the same lower-cased name, hence the same cached token.
      target = {
        source,
        owner: parsed.owner,
        repo: parsed.repo.toLowerCase(),
        requests: new Map(),
      };
      this.targets.set(repoUrl, target);
    }
    return target;
  }

  /** The token request of a repository, with its cache key, built once per installation id and validity. */
  private tokenFor(target: Target, installationId: number, minValidityMs: number | undefined) {
    const id = `${installationId}|${minValidityMs ?? ''}`;
    let prepared = target.requests.get(id);
    if (!prepared) {
      const request: InstallationTokenRequest = {
        installationId,
        repositoryNames: [target.repo],
        permissions: target.source.config.permissions as Record<string, PermissionLevel> | undefined,
        minValidityMs,
      };
      prepared = { request, key: target.source.provider.cacheKey(request) };
      target.requests.set(id, prepared);
    }
    return target.source.provider.getTokenByKey(prepared.key, prepared.request);
  }

  private async resolveSlowly(target: Target, minValidityMs: number | undefined): Promise<GitCredentials> {
    const { source } = target;
    const ask = async () => {
      const installationId = await source.lookup.forRepository(target.owner, target.repo);
      return this.tokenFor(target, installationId, minValidityMs);
    };
    let token: Awaited<ReturnType<typeof ask>>;
    try {
      token = await ask();
    } catch (error) {
      // A reinstall gives a new installation id: the mint answers 404 for the old one. Look again, once.
      if (!(error instanceof GitHubAuthError) || error.code !== 'installation_not_found') throw error;
      await source.lookup.drop(target.owner, target.repo);
      target.requests.clear();
      token = await ask();
    }
    return { username: source.config.username, password: token.token, expiresAt: token.expiresAt, createdAt: token.createdAt };
  }

  /**
   * When git sends no path (no `credential.useHttpPath`), only the host is known: the source matching the host
   * must name its `installationId`, and the token covers that installation with the source's permissions.
   */
  async resolveForHost(
    host: string,
    options: { minValidityMs?: number; protocol?: string } = {},
  ): Promise<GitCredentials | null> {
    const probe = `${host.toLowerCase()}/owner/repo`;
    const source = this.sources.find((s) => s.pattern.test(probe) && s.config.installationId);
    if (!source) return null;
    refuseInsecure(options.protocol ?? 'https', source, host.toLowerCase());
    const token = await source.provider.getToken({
      installationId: source.config.installationId!,
      permissions: source.config.permissions as Record<string, PermissionLevel> | undefined,
      minValidityMs: options.minValidityMs,
    });
    return { username: source.config.username, password: token.token, expiresAt: token.expiresAt, createdAt: token.createdAt };
  }

  /** git's `erase` after a 401: drop that token from every tier. */
  async invalidate(password: string): Promise<void> {
    await Promise.all(this.sources.map((s) => s.provider.invalidate({ token: password })));
  }
}

/** A token sent over plain http crosses the network in clear: only a source that says so may (a local simulator). */
function refuseInsecure(protocol: string, source: Source, where: string) {
  if (protocol === 'http' && source.config.allowHttp !== true)
    throw new GitHubAuthError(
      'insecure_remote',
      `refusing to send a token over plain http to ${where}: use https, or set allowHttp: true on the matching source (GITHUB_APP_ALLOW_HTTP=1 for the system app) if it is a local test server`,
    );
}
