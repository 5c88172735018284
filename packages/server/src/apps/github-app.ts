import { Octokit } from '@octokit/core';
import {
  type AppCredentials,
  installationRequestHook,
  type InstallationTokenRequest,
  type Clock,
  createAppCredentials,
  type InstallationTokenProvider,
  InstallationTokenProvider as Provider,
  type Logger as AuthLogger,
  type RedisTokenStore,
  rateLimitOf,
} from '@hubgate/github-auth';
import { AppError } from '../errors/app-error.js';
import type { GitHubAppSettings } from './github-app-settings.js';
import { GitHubUrls } from './github-urls.js';
import type { OutboundPolicy } from './outbound-guard.js';
import { GitHubUserClient } from './github-user-client.js';

export interface GitHubInstallationInfo {
  id: number;
  account: { login: string; id: number; type: 'Organization' | 'User' };
  repository_selection: 'all' | 'selected';
  permissions: Record<string, string>;
  suspended_at: string | null;
  created_at?: string;
}

export interface GitHubAppDeps {
  redis: RedisTokenStore | null;
  logger: AuthLogger;
  clock: Clock;
  fetch: typeof fetch;
  /** tests shorten GitHub retry backoff */
  retryBaseMs?: number;
  /** tenant apps: the rule for reaching their host, which git must follow too (the system app: none) */
  outbound?: OutboundPolicy;
  /** a token GitHub did not confirm revoked at a disconnect: kept (sealed) for a later retry */
  onRevocationFailure?: (appKey: string, failure: { installationId: number; token: string; expiresAt: number; reason: string }) => Promise<void>;
}

/**
 * One GitHub App as the service uses it: its settings, credentials and token provider, its web URLs, and the
 * calls made as the app (JWT) or as a user of it. The registry hands these out; nothing else builds one.
 */
export class GitHubApp {
  readonly credentials: AppCredentials;
  readonly tokens: InstallationTokenProvider;
  readonly urls: GitHubUrls;
  readonly user: GitHubUserClient;
  /** how git must reach this app's host (tenant apps), or null for the system app */
  readonly outbound: OutboundPolicy | null;
  private readonly fetch: typeof fetch;

  constructor(
    readonly settings: GitHubAppSettings,
    deps: GitHubAppDeps,
  ) {
    this.fetch = deps.fetch;
    this.outbound = deps.outbound ?? null;
    this.credentials = createAppCredentials({
      appId: settings.appId,
      clientId: settings.issuerIsAppId ? undefined : settings.clientId,
      privateKey: settings.privateKey,
      privateKeyPath: settings.privateKeyPath,
      apiUrl: settings.apiUrl,
    });
    this.tokens = new Provider({
      app: this.credentials,
      redis: deps.redis,
      logger: deps.logger,
      fetch: deps.fetch,
      clock: deps.clock,
      ...(deps.onRevocationFailure ? { onRevocationFailure: (failure) => deps.onRevocationFailure!(settings.key, failure) } : {}),
      ...(deps.retryBaseMs !== undefined ? { http: { retryBaseMs: deps.retryBaseMs } } : {}),
    });
    this.urls = new GitHubUrls(settings.webUrl, settings.slug ?? '');
    this.user = new GitHubUserClient(settings, {
      fetch: deps.fetch,
      now: () => deps.clock.now(),
      retryBaseMs: deps.retryBaseMs,
    });
  }

  /** An Octokit that acts as the installation with a token scoped as asked (fresh-token lag and 401s handled). */
  asInstallation(request: InstallationTokenRequest): Octokit {
    const octokit = new Octokit({ baseUrl: this.settings.apiUrl, request: { fetch: this.fetch } });
    const hook = installationRequestHook(this.tokens, request);
    // The library's hook is typed loosely (it serves any Octokit); the request options are Octokit's own.
    octokit.hook.wrap('request', hook as never);
    return octokit;
  }

  /** An Octokit acting as a user of the app (a user access token), through the app's fetch (tenant apps: guarded). */
  asUser(userToken: string): Octokit {
    return new Octokit({ baseUrl: this.settings.apiUrl, auth: userToken, request: { fetch: this.fetch } });
  }

  get key(): string {
    return this.settings.key;
  }

  get webhookSecrets(): readonly string[] {
    return this.settings.webhookSecrets;
  }

  /** The app's (JWT) rate-limit budget as GitHub last reported it, success or error: jobs stop before it runs out. */
  rateLimit: { remaining: number; resetAt: number } | null = null;

  private noteRateLimit(headers: Record<string, string | undefined> | undefined) {
    this.rateLimit = rateLimitOf(headers) ?? this.rateLimit;
  }

  /** A request as the app (JWT); GitHub's retry and rate-limit rules apply. */
  async asApp<T = unknown>(route: string, params: Record<string, unknown> = {}) {
    try {
      const response = await this.tokens.client.request<T>(route, params);
      this.noteRateLimit(response.headers);
      return response;
    } catch (error) {
      this.noteRateLimit((error as { response?: { headers?: Record<string, string | undefined> } }).response?.headers);
      throw error;
    }
  }

  async installation(installationId: number): Promise<GitHubInstallationInfo> {
    try {
      const { data } = await this.asApp<GitHubInstallationInfo>('GET /app/installations/{installation_id}', {
        installation_id: installationId,
      });
      return data;
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 404) throw new AppError('not_found', `Installation ${installationId} of this app does not exist.`, { cause: error });
      throw new AppError('github_unavailable', 'GitHub is not answering, try again (reading the installation).', { cause: error });
    }
  }

  /** null when GitHub says the installation no longer exists; GitHub's trouble is thrown. */
  async installationOrNull(installationId: number): Promise<GitHubInstallationInfo | null> {
    try {
      return await this.installation(installationId);
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found') return null;
      throw error;
    }
  }

  async uninstall(installationId: number): Promise<void> {
    await this.asApp('DELETE /app/installations/{installation_id}', { installation_id: installationId }).catch((error) => {
      if ((error as { status?: number }).status !== 404) throw error;
    });
  }
}
