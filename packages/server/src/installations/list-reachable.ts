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

type Reachable = Map<number, { fullName: string; ownerId: number }>;
interface Listings {
  inFlight: Promise<Reachable> | null;
  /** the listing that starts when the one in flight ends, shared by everyone who asked meanwhile */
  next: Promise<Reachable> | null;
}
const listingsByApp = new WeakMap<GitHubApp, Map<number, Listings>>();

/**
 * `listReachable`, answered by a listing that began after the call did, and shared by every caller waiting for
 * one. Selecting 1,000 repositories sends 1,000 `installation_repositories` deliveries; listing all pages for each
 * one is quadratic, while a listing that started after a delivery arrived is as fresh as that delivery needs:
 * whoever asks while a listing is under way waits for the next one, which all of them share.
 */
export function listReachableFresh(app: GitHubApp, installationId: number): Promise<Reachable> {
  let byInstallation = listingsByApp.get(app);
  if (!byInstallation) listingsByApp.set(app, (byInstallation = new Map()));
  let listings = byInstallation.get(installationId);
  if (!listings) byInstallation.set(installationId, (listings = { inFlight: null, next: null }));
  const state = listings;
  const begin = (): Promise<Reachable> => {
    const listing = listReachable(app, installationId).finally(() => {
      if (state.inFlight === listing) state.inFlight = null;
      if (!state.inFlight && !state.next) byInstallation.delete(installationId);
    });
    state.inFlight = listing;
    return listing;
  };
  if (!state.inFlight) return begin();
  state.next ??= state.inFlight
    .catch(() => undefined)
    .then(() => {
      state.next = null;
      return begin();
    });
  return state.next;
}
