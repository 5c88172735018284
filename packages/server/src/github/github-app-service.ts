import {
  type AppCredentials,
  type Logger as AuthLogger,
  createAppCredentials,
  InstallationTokenProvider,
  type RedisTokenStore,
} from '@hubgate/github-auth';
import type { GitHubAppConfig } from '../config.js';
import { AppError } from '../errors.js';

export interface GitHubInstallationInfo {
  id: number;
  account: { login: string; id: number; type: 'Organization' | 'User' };
  repository_selection: 'all' | 'selected';
  permissions: Record<string, string>;
  suspended_at: string | null;
}

export interface UserTokens {
  accessToken: string;
  refreshToken: string | null;
  accessExpiresAt: Date | null;
  refreshExpiresAt: Date | null;
}

/** Everything the service asks GitHub, as the app (JWT), as an installation (token), or as a user (OAuth). */
export class GitHubAppService {
  readonly app: AppCredentials;
  readonly tokens: InstallationTokenProvider;

  constructor(
    readonly config: GitHubAppConfig,
    options: { redis: RedisTokenStore | null; logger: AuthLogger; fetch?: typeof fetch },
  ) {
    this.app = createAppCredentials({
      appId: config.appId,
      clientId: config.clientId,
      privateKey: config.privateKey,
      privateKeyPath: config.privateKeyPath,
      apiUrl: config.apiUrl,
    });
    this.tokens = new InstallationTokenProvider({
      app: this.app,
      redis: options.redis,
      logger: options.logger,
      fetch: options.fetch,
    });
  }

  /** github.com uses `/apps/<slug>`, GHES `/github-apps/<slug>`. */
  installUrl(state: string): string {
    const path = new URL(this.config.webUrl).hostname === 'github.com' ? 'apps' : 'github-apps';
    return `${this.config.webUrl}/${path}/${this.config.slug}/installations/new?state=${encodeURIComponent(state)}`;
  }

  authorizeUrl(state: string, redirectUri: string): string {
    const url = new URL(`${this.config.webUrl}/login/oauth/authorize`);
    url.searchParams.set('client_id', this.config.clientId);
    url.searchParams.set('redirect_uri', redirectUri);
    url.searchParams.set('state', state);
    return url.toString();
  }

  manageUrl(account: { login: string; type: string }, installationId: number): string {
    return account.type === 'Organization'
      ? `${this.config.webUrl}/organizations/${account.login}/settings/installations/${installationId}`
      : `${this.config.webUrl}/settings/installations/${installationId}`;
  }

  /** GitHub answers OAuth errors with status 200 and an `error` field: both are checked. */
  async exchangeCode(code: string, redirectUri: string): Promise<UserTokens> {
    const response = await fetch(`${this.config.webUrl}/login/oauth/access_token`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: this.config.clientId,
        client_secret: this.config.clientSecret,
        code,
        redirect_uri: redirectUri,
      }),
      signal: AbortSignal.timeout(15_000),
    }).catch((cause) => {
      throw new AppError(
        'github_unreachable',
        'GitHub could not be reached to finish the authorization; try again.',
        { cause },
      );
    });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok || typeof body.access_token !== 'string') {
      const reason =
        typeof body.error_description === 'string' ? body.error_description : `HTTP ${response.status}`;
      throw new AppError('unauthenticated', `GitHub refused the authorization: ${reason}`);
    }
    const now = Date.now();
    return {
      accessToken: body.access_token,
      refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : null,
      accessExpiresAt: typeof body.expires_in === 'number' ? new Date(now + body.expires_in * 1000) : null,
      refreshExpiresAt:
        typeof body.refresh_token_expires_in === 'number'
          ? new Date(now + body.refresh_token_expires_in * 1000)
          : null,
    };
  }

  private async asUser<T>(userToken: string, path: string): Promise<T> {
    const response = await fetch(`${this.config.apiUrl}${path}`, {
      headers: {
        authorization: `Bearer ${userToken}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
      },
      signal: AbortSignal.timeout(15_000),
    }).catch((cause) => {
      throw new AppError('github_unreachable', 'GitHub could not be reached; try again.', { cause });
    });
    if (!response.ok)
      throw new AppError('unauthenticated', `GitHub refused the user's token (HTTP ${response.status}).`);
    return (await response.json()) as T;
  }

  async currentUser(userToken: string): Promise<{ id: number; login: string }> {
    return this.asUser(userToken, '/user');
  }

  /** Installations of this app the user can reach: the proof GitHub's docs ask for before trusting an installation id. */
  async userInstallationIds(userToken: string): Promise<Set<number>> {
    const ids = new Set<number>();
    for (let page = 1; page <= 20; page++) {
      const body = await this.asUser<{ installations: { id: number }[] }>(
        userToken,
        `/user/installations?per_page=100&page=${page}`,
      );
      for (const inst of body.installations) ids.add(inst.id);
      if (body.installations.length < 100) break;
    }
    return ids;
  }

  async installation(installationId: number): Promise<GitHubInstallationInfo> {
    try {
      const { data } = await this.tokens.client.request<GitHubInstallationInfo>(
        'GET /app/installations/{installation_id}',
        { installation_id: installationId },
      );
      return data;
    } catch (error) {
      if ((error as { status?: number }).status === 404)
        throw new AppError('not_found', `Installation ${installationId} of this app does not exist.`);
      throw new AppError(
        'github_unreachable',
        'GitHub could not be reached to read the installation; try again.',
        { cause: error },
      );
    }
  }

  async uninstall(installationId: number): Promise<void> {
    await this.tokens.client
      .request('DELETE /app/installations/{installation_id}', { installation_id: installationId })
      .catch((error) => {
        if ((error as { status?: number }).status !== 404) throw error;
      });
  }
}
