import type { GitHubApp } from '../apps/github-app.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import type { SecretSealer } from '../sealing/secret-sealer.js';
import { type OpenGrant, UserGrantStore } from '../stores/user-grant-store.js';

/** A user token with less than this left is refreshed before use (a creation takes a few seconds). */
const refreshMarginMs = 60_000;

export function reconnectError(login: string | null, cause?: unknown): AppError {
  return new AppError(
    'forbidden',
    `The GitHub authorization${login ? ` of ${login}` : ''} no longer works: reconnect GitHub to authorize again.`,
    { cause },
  );
}

/**
 * The access token of the grant the personal account's owner gave when connecting, refreshed first when it has
 * expired. GitHub rotates the pair on refresh and the old refresh token dies at once, so the refresh runs with the
 * grant's row locked and the new pair is stored in that same transaction: a second replica waits on the lock, then
 * reads the new pair and does not refresh again.
 */
export async function userTokenForAccount(
  deps: { db: Database; sealer: SecretSealer; now: () => Date },
  app: GitHubApp,
  organizationId: string,
  githubUserId: number,
): Promise<{ token: string; login: string; userId: string }> {
  const grants = new UserGrantStore(deps.db, deps.sealer);
  const owner = (await grants.forTenant(organizationId)).find((g) => g.row.githubUserId === githubUserId && g.row.appKey === app.key);
  if (!owner) throw reconnectError(null);
  const usable = (grant: OpenGrant) =>
    grant.accessToken !== null && (grant.row.accessExpiresAt === null || grant.row.accessExpiresAt.getTime() - deps.now().getTime() > refreshMarginMs);
  if (usable(owner)) return { token: owner.accessToken!, login: owner.row.githubLogin, userId: owner.row.userId };

  return grants.withLockedGrant(organizationId, owner.row.userId, async (grant, store) => {
    if (!grant) throw reconnectError(owner.row.githubLogin);
    // Another replica refreshed while we waited for the lock: its pair is the one to use.
    if (usable(grant)) return { token: grant.accessToken!, login: grant.row.githubLogin, userId: grant.row.userId };
    const refreshable = grant.refreshToken && (grant.row.refreshExpiresAt === null || grant.row.refreshExpiresAt > deps.now());
    if (!refreshable) throw reconnectError(grant.row.githubLogin);
    let tokens;
    try {
      tokens = await app.user.refresh(grant.refreshToken!);
    } catch (error) {
      // GitHub's outage is not a dead grant: only a refusal asks the admin to reconnect.
      if (error instanceof AppError && error.code === 'unauthenticated') throw reconnectError(grant.row.githubLogin, error);
      throw error;
    }
    await store.save(organizationId, grant.row.userId, { id: grant.row.githubUserId, login: grant.row.githubLogin, appKey: grant.row.appKey }, tokens);
    return { token: tokens.accessToken, login: grant.row.githubLogin, userId: grant.row.userId };
  });
}
