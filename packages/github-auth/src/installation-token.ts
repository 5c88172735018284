export type PermissionLevel = 'read' | 'write' | 'admin';

export interface InstallationTokenRequest {
  installationId: number;
  repositoryIds?: number[];
  repositoryNames?: string[];
  permissions?: Record<string, PermissionLevel>;
  /** never return a token with less validity than this left (default: the provider's) */
  minValidityMs?: number;
}

export interface InstallationToken {
  token: string;
  /** epoch milliseconds */
  expiresAt: number;
  permissions: Record<string, string>;
  repositorySelection: 'all' | 'selected';
  repositoryIds: number[] | null;
  installationId: number;
}

/**
 * The cache key: app identity + API URL + installation + sorted repository ids and names + sorted permissions.
 * (@octokit/auth-app leaves the app id and base URL out, a TODO in its source.)
 */
export function tokenCacheKey(appKey: string, apiUrl: string, request: InstallationTokenRequest): string {
  const ids = request.repositoryIds?.length ? [...request.repositoryIds].sort((a, b) => a - b).join(',') : '';
  const names = request.repositoryNames?.length
    ? [...request.repositoryNames]
        .map((n) => n.toLowerCase().replace(/\.git$/, ''))
        .sort()
        .join(',')
    : '';
  const perms = request.permissions
    ? Object.keys(request.permissions)
        .sort()
        .map((k) => `${k}:${request.permissions![k]}`)
        .join(',')
    : '';
  return `${appKey}|${apiUrl}|${request.installationId}|${ids}|${names}|${perms}`;
}
