import type { GitHubApp, GitHubInstallationInfo } from '../apps/github-app.js';
import type { UserTokens } from '../apps/github-user-client.js';
import { AppError } from '../errors/app-error.js';
import type { KnownInstallationStore } from '../stores/known-installation-store.js';

export interface ProvenInstallation {
  info: GitHubInstallationInfo;
  user: { id: number; login: string };
  tokens: UserTokens;
}

/** How long after `installation.created` its sender may stand in for a role GitHub does not let us read. */
export const senderStandInMs = 10 * 60_000;

/**
 * What the proof is for: binding an installation to a tenant (a connect or a claim), or uninstalling it through
 * hubgate (an act on the customer's GitHub account, with the app's JWT: GitHub checks nobody, so we must).
 */
export type ProofPurpose = 'bind' | 'uninstall';

/**
 * The two proofs GitHub's docs and practice require before an installation id from a redirect is trusted:
 * the admin's own user token reaches it (`GET /user/installations`), and the admin administers its account
 * now: an organization owner by `GET /user/memberships/orgs/{org}`, or the personal account itself.
 * `GET /user/installations` alone lists installations a plain member can read. The `installation.created` sender
 * stands in only where GitHub does not let us read the live role, only to bind within ten minutes of the event,
 * and never to uninstall: an installer demoted since is a member like any other.
 */
export async function proveInstallation(
  app: GitHubApp,
  known: KnownInstallationStore,
  installationId: number,
  tokens: UserTokens,
  purpose: ProofPurpose = 'bind',
  now: Date = new Date(),
): Promise<ProvenInstallation> {
  const reachable = await app.user.installations(tokens.accessToken);
  if (!reachable.has(installationId))
    throw new AppError('forbidden', `Installation ${installationId} is not one your GitHub account can reach, so it cannot be connected.`);
  const user = await app.user.currentUser(tokens.accessToken);
  const info = await app.installation(installationId);
  if (!(await administers(app, known, info, user, tokens.accessToken, purpose, now))) {
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
  purpose: ProofPurpose,
  now: Date,
): Promise<boolean> {
  if (info.account.type === 'User') return info.account.id === user.id;
  const role = await app.user.orgRole(userToken, info.account.login);
  if (role !== 'unreadable') return role === 'admin';
  if (purpose === 'uninstall') return false;
  const sighting = await known.get({ appKey: app.key, installationId: info.id });
  return sighting?.senderId === user.id && now.getTime() - sighting.createdAt.getTime() <= senderStandInMs;
}
