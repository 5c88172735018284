import type { Hono } from 'hono';
import type { SimContext } from '../context.js';
import { defineRoute } from '../define-route.js';
import { notFound, SimHttpError, validationFailed } from '../errors.js';
import { paginate } from '../paginate.js';
import { installation, privateUser, repository } from '../payloads.js';
import type { Principal } from '../principal.js';

/** Routes of the signed-in user: who they are, the app's installations they reach, and repository selection. */
export function registerUserRoutes(api: Hono, ctx: SimContext) {
  const { store, world } = ctx;

  defineRoute(api, ctx, 'GET /user', ['user', 'pat'], (c, p) => {
    if (p.kind !== 'user' && p.kind !== 'pat') throw new Error('unreachable');
    return c.json(privateUser(ctx.urls(), p.user, { ownedRepos: store.reposOf(p.user.id).length }));
  });

  /** Installations of the token's app on accounts the user belongs to. */
  const visibleInstallations = (p: Principal) => {
    if (p.kind !== 'user') {
      throw new SimHttpError(
        403,
        'You must authenticate with an access token authorized to a GitHub App in order to list installations',
      );
    }
    const accounts = new Set(store.accountsVisibleTo(p.user.id).map((a) => a.id));
    return store.installationsOfApp(p.app.id).filter((inst) => accounts.has(inst.accountId));
  };

  defineRoute(api, ctx, 'GET /user/installations', ['user', 'pat'], (c, p) => {
    const list = visibleInstallations(p);
    const app = (p as { app: Parameters<typeof installation>[1] }).app;
    return c.json({
      total_count: list.length,
      installations: paginate(c, list).map((inst) =>
        installation(
          ctx.urls(),
          app,
          inst,
          store.account(inst.accountId)!,
          inst.suspendedById ? (store.account(inst.suspendedById) ?? null) : null,
        ),
      ),
    });
  });

  defineRoute(api, ctx, 'GET /user/installations/{installation_id}/repositories', ['user', 'pat'], (c, p) => {
    const inst = visibleInstallations(p).find((i) => String(i.id) === c.req.param('installation_id'));
    if (!inst) throw notFound();
    const repos = store.installationRepos(inst);
    return c.json({
      total_count: repos.length,
      repository_selection: inst.selection,
      repositories: paginate(c, repos).map((repo) =>
        repository(ctx.urls(), repo, store.account(repo.ownerId)!),
      ),
    });
  });

  /**
   * Adding or removing a repository of an installation. GitHub's docs allow only a classic PAT with the `repo`
   * scope (the user being an admin of the repository); a switch allows app user tokens, as GitHub's newer
   * announcement describes.
   */
  const selectionChange = (c: Parameters<Parameters<typeof defineRoute>[4]>[0], p: Principal) => {
    if (p.kind === 'user' && !ctx.behaviour.allowUserTokensForInstallationRepos) {
      throw new SimHttpError(403, 'Resource not accessible by integration');
    }
    if (p.kind !== 'user' && p.kind !== 'pat')
      throw new SimHttpError(403, 'Resource not accessible by integration');
    if (p.kind === 'pat' && !p.token.scopes.includes('repo'))
      throw new SimHttpError(403, 'Resource not accessible by personal access token');
    const inst = store.installations.get(Number(c.req.param('installation_id')));
    const account = inst ? store.account(inst.accountId) : undefined;
    if (!inst || !account || !store.roleOn(p.user.id, account)) throw notFound();
    if (p.kind === 'user' && inst.appId !== p.app.id) throw notFound();
    const repo = store.repos.get(Number(c.req.param('repository_id')));
    if (!repo || repo.ownerId !== account.id) throw notFound();
    if (store.roleOn(p.user.id, account) !== 'admin')
      throw new SimHttpError(403, 'Must have admin rights to Repository.');
    return { inst, repo, user: p.user };
  };

  defineRoute(
    api,
    ctx,
    'PUT /user/installations/{installation_id}/repositories/{repository_id}',
    ['user', 'pat'],
    (c, p) => {
      const { inst, repo, user } = selectionChange(c, p);
      world.addRepository(inst, repo, user);
      return c.body(null, 204);
    },
  );

  defineRoute(
    api,
    ctx,
    'DELETE /user/installations/{installation_id}/repositories/{repository_id}',
    ['user', 'pat'],
    (c, p) => {
      const { inst, repo, user } = selectionChange(c, p);
      if (inst.selection === 'all') {
        throw validationFailed(
          "Cannot remove a repository from an installation with 'all' repository selection.",
        );
      }
      if (inst.repositoryIds.size === 1 && inst.repositoryIds.has(repo.id)) {
        throw validationFailed('Cannot remove the last repository from an installation.');
      }
      world.removeRepository(inst, repo, user);
      return c.body(null, 204);
    },
  );
}
