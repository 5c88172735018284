import {
  type AppCredentials,
  type Clock,
  createAppCredentials,
  type InstallationTokenProvider,
  InstallationTokenProvider as Provider,
  type Logger as AuthLogger,
  type RedisTokenStore,
} from '@hubgate/github-auth';
import { AppError } from '../errors/app-error.js';
import type { GitHubAppSettings } from './github-app-settings.js';
import { GitHubUrls } from './github-urls.js';
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

  constructor(
    readonly settings: GitHubAppSettings,
    deps: GitHubAppDeps,
  ) {
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
      ...(deps.retryBaseMs !== undefined ? { http: { retryBaseMs: deps.retryBaseMs } } : {}),
    });
    this.urls = new GitHubUrls(settings.webUrl, settings.slug ?? '');
    this.user = new GitHubUserClient(settings, {
      fetch: deps.fetch,
      now: () => deps.clock.now(),
      retryBaseMs: deps.retryBaseMs,
    });
  }

  get key(): string {
    return this.settings.key;
  }

  get webhookSecrets(): readonly string[] {
    return this.settings.webhookSecrets;
  }

  /** A request as the app (JWT); GitHub's retry and rate-limit rules apply. */
  asApp<T = unknown>(route: string, params: Record<string, unknown> = {}) {
    return this.tokens.client.request<T>(route, params);
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
