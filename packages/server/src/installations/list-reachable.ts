import type { GitHubApp } from '../apps/github-app.js';

/**
 * What an installation reaches now (`GET /installation/repositories` with a token scoped to `metadata: read`): each
 * repository's id, full name and owner id. The one answer GitHub gives about an app's access to a repository.
 */
export async function listReachable(app: GitHubApp, installationId: number): Promise<Map<number, { fullName: string; ownerId: number }>> {
  const octokit = app.asInstallation({ installationId, permissions: { metadata: 'read' } });
  const reachable = new Map<number, { fullName: string; ownerId: number }>();
  for (let page = 1; page <= 100; page++) {
    const { data } = await octokit.request('GET /installation/repositories', { per_page: 100, page });
    for (const repo of data.repositories) reachable.set(Number(repo.id), { fullName: repo.full_name, ownerId: Number(repo.owner.id) });
    if (data.repositories.length < 100) break;
  }
  return reachable;
}
