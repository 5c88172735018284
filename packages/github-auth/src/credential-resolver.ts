import { createAppCredentials } from './app-credentials.js';
import { type Clock, systemClock } from './clock.js';
import { type CredentialSourceConfig, compileUrlPattern } from './credential-config.js';
import { GitHubAuthError } from './errors.js';
import { InstallationLookup } from './installation-lookup.js';
import type { PermissionLevel } from './installation-token.js';
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
        lookup: new InstallationLookup(provider.client, { clock }),
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
    const parsed = parseRepoUrl(repoUrl);
    const source = this.sourceFor(parsed.normalized);
    const ask = async () => {
      const installationId = await source.lookup.forRepository(parsed.owner, parsed.repo);
      return source.provider.getToken({
        installationId,
        repositoryNames: [parsed.repo.toLowerCase()],
        permissions: source.config.permissions as Record<string, PermissionLevel> | undefined,
        minValidityMs: options.minValidityMs,
      });
    };
    let token: Awaited<ReturnType<typeof ask>>;
    try {
      token = await ask();
    } catch (error) {
      // A reinstall gives a new installation id: forget the old one and look again, once.
      if (
        !(error instanceof GitHubAuthError) ||
        error.code !== 'installation_not_found' ||
        error.message.includes('not installed for')
      )
        throw error;
      source.lookup.drop(parsed.owner, parsed.repo);
      token = await ask();
    }
    return { username: source.config.username, password: token.token, expiresAt: token.expiresAt };
  }

  /**
   * When git sends no path (no `credential.useHttpPath`), only the host is known: the source matching the host
   * must name its `installationId`, and the token covers that installation with the source's permissions.
   */
  async resolveForHost(
    host: string,
    options: { minValidityMs?: number } = {},
  ): Promise<GitCredentials | null> {
    const probe = `${host.toLowerCase()}/owner/repo`;
    const source = this.sources.find((s) => s.pattern.test(probe) && s.config.installationId);
    if (!source) return null;
    const token = await source.provider.getToken({
      installationId: source.config.installationId!,
      permissions: source.config.permissions as Record<string, PermissionLevel> | undefined,
      minValidityMs: options.minValidityMs,
    });
    return { username: source.config.username, password: token.token, expiresAt: token.expiresAt };
  }

  /** git's `erase` after a 401: drop that token from every tier. */
  async invalidate(password: string): Promise<void> {
    await Promise.all(this.sources.map((s) => s.provider.invalidate({ token: password })));
  }
}
