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
    case 'installation': {
      if (!store.installationReaches(p.installation, repo)) throw notFound();
      if (p.token.repositoryIds && !p.token.repositoryIds.includes(repo.id)) throw notFound();
      if (
        !permits(p.token.permissions, permission, level) ||
        !permits(p.installation.permissions, permission, level)
      ) {
        throw new SimHttpError(403, 'Resource not accessible by integration');
      }
      return;
    }
    case 'user': {
      const owner = store.account(repo.ownerId)!;
      const role = store.roleOn(p.user.id, owner);
      // A user token reaches only what both the user and the app's installation reach.
      const inst = store.installationFor(p.app.id, owner.id);
      if (!role || !inst || inst.suspendedAt || !store.installationReaches(inst, repo)) throw notFound();
      if (!permits(inst.permissions, permission, level))
        throw new SimHttpError(403, 'Resource not accessible by integration');
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

/** The repository at `owner/repo` or GitHub's 404. */
export function requireRepo(ctx: SimContext, owner: string, name: string): SimRepo {
  const repo = ctx.store.findRepo(owner, name.replace(/\.git$/, ''));
  if (!repo) throw notFound();
  return repo;
}
