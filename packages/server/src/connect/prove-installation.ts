import type { GitHubApp, GitHubInstallationInfo } from '../apps/github-app.js';
import type { UserTokens } from '../apps/github-user-client.js';
import { AppError } from '../errors/app-error.js';
import type { KnownInstallationStore } from '../stores/known-installation-store.js';

export interface ProvenInstallation {
  info: GitHubInstallationInfo;
  user: { id: number; login: string };
  tokens: UserTokens;
}

/**
 * The two proofs GitHub's docs and practice require before an installation id from a redirect is trusted:
 * the admin's own user token reaches it (`GET /user/installations`), and the admin administers its account
 * (an organization owner by `GET /user/memberships/orgs/{org}`, the `installation.created` sender, or the personal
 * account itself). `GET /user/installations` alone lists installations a plain member can read.
 */
export async function proveInstallation(
  app: GitHubApp,
  known: KnownInstallationStore,
  installationId: number,
  tokens: UserTokens,
): Promise<ProvenInstallation> {
  const reachable = await app.user.installations(tokens.accessToken);
  if (!reachable.has(installationId))
    throw new AppError('forbidden', `Installation ${installationId} is not one your GitHub account can reach, so it cannot be connected.`);
  const user = await app.user.currentUser(tokens.accessToken);
  const info = await app.installation(installationId);
  if (!(await administers(app, known, info, user, tokens.accessToken))) {
    const account = info.account.login;
    throw new AppError(
      'forbidden',
      info.account.type === 'Organization'
        ? `Only an owner of ${account} can connect it to hubgate.`
        : `Only ${account} can connect their personal account to hubgate.`,
    );
  }
  return { info, user, tokens };
}

async function administers(
  app: GitHubApp,
  known: KnownInstallationStore,
  info: GitHubInstallationInfo,
  user: { id: number; login: string },
  userToken: string,
): Promise<boolean> {
  if (info.account.type === 'User') return info.account.id === user.id;
  const sighting = await known.get({ appKey: app.key, installationId: info.id });
  if (sighting?.senderId === user.id) return true;
  return (await app.user.orgRole(userToken, info.account.login)) === 'admin';
}
