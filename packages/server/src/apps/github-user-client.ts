import { Octokit } from '@octokit/core';
import { deleteAuthorization, exchangeWebFlowCode, refreshToken } from '@octokit/oauth-methods';
import { retry } from '@octokit/plugin-retry';
import { request as octokitRequest } from '@octokit/request';
import { isPermanent } from '@hubgate/github-auth';
import { AppError } from '../errors/app-error.js';
import type { GitHubAppSettings } from './github-app-settings.js';

export interface UserTokens {
  accessToken: string;
  refreshToken: string | null;
  accessExpiresAt: Date | null;
  refreshExpiresAt: Date | null;
}

export interface UserInstallation {
  id: number;
  account: { login: string; id: number; type: 'Organization' | 'User' };
}

const UserOctokit = Octokit.plugin(retry);

/** How long an admin may be kept waiting on GitHub in one step of a flow (8.9: about 15 s, then a clear answer). */
const perAttemptTimeoutMs = 5_000;

/**
 * GitHub as the signed-in admin (user-to-server): the OAuth web flow, the admin's identity, the installations
 * they reach, their role in an organization, and revoking their grant. 5xx and timeouts are retried a little
 * (the admin is waiting), a refusal is told apart from an outage.
 */
export class GitHubUserClient {
  constructor(
    private readonly settings: GitHubAppSettings,
    private readonly options: { fetch: typeof fetch; now: () => number; retryBaseMs?: number },
  ) {}

  /**
   * The app's fetch with a per-attempt timeout. A refusal of the outbound guard (tenant hosts) is thrown as an
   * AbortError-named error: Octokit passes those through unwrapped, so its retry plugin does not retry what cannot
   * succeed, and `userFacing` answers the guard's own message.
   */
  private fetchWithTimeout: typeof fetch = async (input, init) => {
    try {
      return await this.options.fetch(input, { ...init, signal: AbortSignal.timeout(perAttemptTimeoutMs) });
    } catch (error) {
      if (!isPermanent(error)) throw error;
      throw Object.assign(new Error((error as Error).message, { cause: error }), { name: 'AbortError' });
    }
  };

  private request() {
    return octokitRequest.defaults({ baseUrl: this.settings.apiUrl, request: { fetch: this.fetchWithTimeout } });
  }

  private octokit(userToken: string) {
    const fetchWithTimeout = this.fetchWithTimeout;
    return new UserOctokit({
      auth: userToken,
      baseUrl: this.settings.apiUrl,
      request: { fetch: fetchWithTimeout },
      retry: { retries: 2, retryAfterBaseValue: this.options.retryBaseMs ?? 500 },
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
  }

  private tokensFrom(auth: { token: string; refreshToken?: string; expiresAt?: string; refreshTokenExpiresAt?: string }): UserTokens {
    return {
      accessToken: auth.token,
      refreshToken: auth.refreshToken ?? null,
      accessExpiresAt: auth.expiresAt ? new Date(auth.expiresAt) : null,
      refreshExpiresAt: auth.refreshTokenExpiresAt ? new Date(auth.refreshTokenExpiresAt) : null,
    };
  }

  async exchangeCode(code: string, redirectUrl: string): Promise<UserTokens> {
    try {
      const { authentication } = await withOneRetry(() =>
        exchangeWebFlowCode({
          clientType: 'github-app',
          clientId: this.settings.clientId!,
          clientSecret: this.settings.clientSecret!,
          code,
          redirectUrl,
          request: this.request(),
        }),
      );
      return this.tokensFrom(authentication as Parameters<GitHubUserClient['tokensFrom']>[0]);
    } catch (error) {
      throw userFacing(error, 'finish the authorization');
    }
  }

  /** GitHub rotates the pair on refresh: the old refresh token dies at once, so the caller stores the new pair first. */
  async refresh(refreshTokenValue: string): Promise<UserTokens> {
    try {
      const { authentication } = await refreshToken({
        clientType: 'github-app',
        clientId: this.settings.clientId!,
        clientSecret: this.settings.clientSecret!,
        refreshToken: refreshTokenValue,
        request: this.request(),
      });
      return this.tokensFrom(authentication as Parameters<GitHubUserClient['tokensFrom']>[0]);
    } catch (error) {
      throw userFacing(error, 'refresh the GitHub authorization');
    }
  }

  /** Revokes the whole grant (access and refresh tokens) at GitHub; an already dead grant is fine. */
  async revokeGrant(accessToken: string): Promise<void> {
    try {
      await deleteAuthorization({
        clientType: 'github-app',
        clientId: this.settings.clientId!,
        clientSecret: this.settings.clientSecret!,
        token: accessToken,
        request: this.request(),
      });
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 404 || status === 422) return;
      throw userFacing(error, 'revoke the GitHub authorization');
    }
  }

  /**
   * One request with the user's token answered as a plain Response (status and `retry-after` readable), for calls
   * whose refusals are results rather than errors (reconnect's `PUT /user/installations/{id}/repositories/{repo}`).
   */
  raw(userToken: string, method: string, path: string): Promise<Response> {
    return this.options.fetch(`${this.settings.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${userToken}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'hubgate',
      },
      signal: AbortSignal.timeout(perAttemptTimeoutMs),
    });
  }

  async currentUser(userToken: string): Promise<{ id: number; login: string }> {
    try {
      const { data } = await this.octokit(userToken).request('GET /user');
      return { id: Number(data.id), login: data.login };
    } catch (error) {
      throw userFacing(error, 'read your GitHub account');
    }
  }

  /** Installations of this app the user can reach: GitHub's own check before trusting an installation id. */
  async installations(userToken: string): Promise<Map<number, UserInstallation>> {
    const found = new Map<number, UserInstallation>();
    const octokit = this.octokit(userToken);
    try {
      for (let page = 1; page <= 20; page++) {
        const { data } = await octokit.request('GET /user/installations', { per_page: 100, page });
        for (const inst of data.installations as unknown as UserInstallation[]) found.set(inst.id, inst);
        if (data.installations.length < 100) break;
      }
    } catch (error) {
      throw userFacing(error, 'list your GitHub installations');
    }
    return found;
  }

  /** The user's role in an organization (`admin` for owners), or null when not a member or not visible to the app. */
  /**
   * The user's live role in the organization: `none` when GitHub says they are no (active) member (404), `unreadable`
   * when GitHub does not let this app read it (403: the app lacks Members: Read, or the organization restricts it).
   */
  async orgRole(userToken: string, org: string): Promise<'admin' | 'member' | 'none' | 'unreadable'> {
    try {
      const { data } = await this.octokit(userToken).request('GET /user/memberships/orgs/{org}', { org });
      if (data.state !== 'active') return 'none';
      return data.role === 'admin' ? 'admin' : 'member';
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 404) return 'none';
      if (status === 403) return 'unreadable';
      throw userFacing(error, 'read your role in the organization');
    }
  }
}

async function withOneRetry<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const status = (error as { status?: number }).status;
    if ((status !== undefined && status < 500) || isPermanent(error)) throw error;
    return run();
  }
}

/** An outage (no answer, 5xx) is not a refusal: the admin is told to try again, not that GitHub said no. */
function userFacing(error: unknown, what: string): AppError {
  const guard = (error as { cause?: unknown }).cause;
  if (isPermanent(error) && guard instanceof AppError) return guard;
  const status = (error as { status?: number }).status;
  if (status === undefined || status === 0)
    return new AppError('github_unreachable', `GitHub is not answering, try again (we could not ${what}).`, { cause: error });
  if (status >= 500)
    return new AppError('github_unavailable', `GitHub is not answering, try again (we could not ${what}).`, { cause: error });
  const description = (error as { response?: { data?: { error_description?: string } } }).response?.data?.error_description;
  return new AppError('unauthenticated', `GitHub refused to let us ${what}${description ? `: ${description}` : ''} (HTTP ${status}).`, {
    cause: error,
  });
}
