export type PermissionLevel = 'read' | 'write' | 'admin';

export interface InstallationTokenRequest {
  installationId: number;
  repositoryIds?: number[];
  repositoryNames?: string[];
  permissions?: Record<string, PermissionLevel>;
  /** never return a token with less validity than this left (default: the provider's) */
  minValidityMs?: number;
  /**
   * tokens are cached apart per partition (not sent to GitHub): a broker keeps each holder's tokens its own, so that
   * revoking one holder's token never ends another's (default: one shared partition)
   */
  partition?: string;
}

export interface InstallationToken {
  token: string;
  /** epoch milliseconds, on the local clock */
  expiresAt: number;
  /** epoch milliseconds, on the local clock: when the mint answered (GitHub's replication lag is measured from it) */
  createdAt: number;
  permissions: Record<string, string>;
  repositorySelection: 'all' | 'selected';
  /** the repositories a scoped token reaches; null for a token of the whole installation */
  repositoryIds: number[] | null;
  /** their names, lower-cased; null for a token of the whole installation */
  repositoryNames: string[] | null;
  installationId: number;
}

/**
 * The cache key: app identity + API URL + installation + sorted repository ids and names + sorted permissions.
 * (@octokit/auth-app leaves the app id and base URL out, a TODO in its source.)
 */
export function tokenCacheKey(appKey: string, apiUrl: string, request: InstallationTokenRequest): string {
  const ids = request.repositoryIds?.length ? [...request.repositoryIds].sort((a, b) => a - b).join(',') : '';
  const names = request.repositoryNames?.length
    ? request.repositoryNames
        .map(normalizeRepositoryName)
        .sort()
        .join(',')
    : '';
  const perms = request.permissions
    ? Object.keys(request.permissions)
        .sort()
        .map((k) => `${k}:${request.permissions![k]}`)
        .join(',')
    : '';
  const key = `${installationScope(appKey, apiUrl, request.installationId)}|${ids}|${names}|${perms}`;
  return request.partition ? `${key}|${request.partition}` : key;
}

/** What identifies one installation of one app on one GitHub: the prefix of its tokens' cache keys. */
export function installationScope(appKey: string, apiUrl: string, installationId: number): string {
  return `${appKey}|${apiUrl}|${installationId}`;
}

export function normalizeRepositoryName(name: string): string {
  return name.toLowerCase().replace(/\.git$/, '');
}

/**
 * Whether a token read from a shared tier is what the request asks for: the same installation, the same
 * repositories and no permission beyond those asked. A sealed entry copied over another key fails this even
 * where the cipher's associated data would not catch it (an entry written under the right key by mistake).
 */
export function tokenMatchesRequest(token: InstallationToken, request: InstallationTokenRequest): boolean {
  if (token.installationId !== request.installationId) return false;
  const askedIds = new Set(request.repositoryIds ?? []);
  const askedNames = new Set((request.repositoryNames ?? []).map(normalizeRepositoryName));
  if (askedIds.size + askedNames.size === 0) {
    if (token.repositoryIds !== null) return false;
  } else {
    const ids = token.repositoryIds ?? [];
    const names = new Set(token.repositoryNames ?? []);
    if (token.repositoryIds === null || ids.length > askedIds.size + askedNames.size) return false;
    for (const id of askedIds) if (!ids.includes(id)) return false;
    for (const name of askedNames) if (!names.has(name)) return false;
  }
  if (request.permissions) {
    for (const [name, level] of Object.entries(token.permissions)) {
      const asked = request.permissions[name];
      // GitHub may add metadata:read, which every token has anyway.
      if (asked !== level && !(name === 'metadata' && level === 'read')) return false;
    }
    for (const [name, level] of Object.entries(request.permissions))
      if (token.permissions[name] !== level) return false;
  }
  return true;
}
