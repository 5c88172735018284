import type { SimContext } from './context.js';
import { notFound, SimHttpError } from './errors.js';
import type { PermissionLevel, SimRepo } from './model.js';
import type { Principal } from './principal.js';
import { permits } from './tokens.js';

/**
 * Can this principal use `permission` at `level` on the repository? GitHub answers 404 when the repository
 * is out of reach (it does not say whether it exists) and 403 when it is in reach but the permission is missing.
 */
export function assertRepoAccess(
  ctx: SimContext,
  p: Principal,
  repo: SimRepo,
  permission: string,
  level: PermissionLevel,
) {
  const { store } = ctx;
  switch (p.kind) {
    case 'app':
      throw notFound();
    case 'anonymous':
      // Without a credential GitHub shows public repositories read-only and private ones not at all.
      if (repo.private || level !== 'read') throw notFound();
      return;
    case 'installation': {
      if (!store.installationReaches(p.installation, repo)) throw notFound();
      if (p.token.repositoryIds && !p.token.repositoryIds.includes(repo.id)) throw notFound();
      if (
        !permits(p.token.permissions, permission, level) ||
        !permits(p.installation.permissions, permission, level)
      ) {
        throw notAccessible(permission, level);
      }
      return;
    }
    case 'user': {
      const owner = store.account(repo.ownerId)!;
      const role = store.roleOn(p.user.id, owner);
      // A user token reaches only what both the user and the app's installation reach.
      const inst = store.installationFor(p.app.id, owner.id);
      if (!role || !inst || inst.suspendedAt || !store.installationReaches(inst, repo)) throw notFound();
      if (!permits(inst.permissions, permission, level)) throw notAccessible(permission, level);
      if (level === 'admin' || (permission === 'administration' && level === 'write')) {
        if (role !== 'admin') throw new SimHttpError(403, 'Must have admin rights to Repository.');
      }
      return;
    }
    case 'pat': {
      const owner = store.account(repo.ownerId)!;
      const role = store.roleOn(p.user.id, owner);
      if (!role || (repo.private && !p.token.scopes.includes('repo'))) throw notFound();
      if ((permission === 'administration' && level !== 'read') || level === 'admin') {
        if (role !== 'admin') throw new SimHttpError(403, 'Must have admin rights to Repository.');
      }
      return;
    }
  }
}

/**
 * The 403 of a token without the permission, naming the permission the endpoint accepts in
 * `x-accepted-github-permissions` (https://docs.github.com/rest/authentication/permissions-required-for-github-apps).
 */
function notAccessible(permission: string, level: PermissionLevel): SimHttpError {
  return new SimHttpError(403, 'Resource not accessible by integration', {
    'x-accepted-github-permissions': `${permission}=${level}`,
  });
}

/**
 * A repository asked for under a name it no longer has (renamed, transferred, or its owner renamed). GitHub
 * answers 301 for GET/HEAD and 307 for other methods, pointing at `/repositories/{id}/...`:
 * https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#follow-redirects
 * ("If your repository is renamed or transferred, ... permanent redirection (301) ... temporary (302/307)").
 */
export class RepoMovedError extends SimHttpError {
  constructor(readonly repoId: number) {
    super(301, 'Moved Permanently');
  }
}

/**
 * The repository at `owner/repo`, a redirect when it moved away from that name (only for a caller that may
 * see it: others get the 404 they would get for any repository out of reach), or GitHub's 404.
 */
export function requireRepo(ctx: SimContext, owner: string, name: string, p?: Principal): SimRepo {
  const clean = name.replace(/\.git$/, '');
  const repo = ctx.store.findRepo(owner, clean);
  if (repo) return repo;
  const moved = ctx.store.movedRepo(owner, clean);
  if (!moved) throw notFound();
  if (p) assertRepoAccess(ctx, p, moved, 'metadata', 'read');
  throw new RepoMovedError(moved.id);
}
