import type { Context, Hono } from 'hono';
import type { SimContext } from '../context.js';
import { defineRoute } from '../define-route.js';
import { notFound, SimHttpError, validationFailed } from '../errors.js';
import type { SimAccount, SimApp } from '../model.js';
import { repository } from '../payloads.js';
import type { Principal } from '../principal.js';
import { assertRepoAccess, requireRepo } from '../repo-access.js';
import { permits } from '../tokens.js';
import { readJsonBody } from './read-json-body.js';

const repoName = /^[A-Za-z0-9._-]{1,100}$/;

/** Creating, reading, renaming, transferring and deleting repositories. */
export function registerRepoRoutes(api: Hono, ctx: SimContext) {
  const { store, world } = ctx;
  const full = (repo: Parameters<typeof repository>[1]) =>
    repository(ctx.urls(), repo, store.account(repo.ownerId)!, { full: true });

  async function create(c: Context, owner: SimAccount, creatorApp: SimApp | null, sender: SimAccount) {
    const body = await readJsonBody(c);
    const name = body.name;
    if (typeof name !== 'string' || !repoName.test(name) || name === '.' || name === '..') {
      throw validationFailed('Repository creation failed.', [
        { resource: 'Repository', code: 'custom', field: 'name', message: 'name is invalid' },
      ]);
    }
    if (store.findRepo(owner.login, name)) {
      throw validationFailed('Repository creation failed.', [
        {
          resource: 'Repository',
          code: 'custom',
          field: 'name',
          message: 'name already exists on this account',
        },
      ]);
    }
    if (body.description !== undefined && body.description !== null && typeof body.description !== 'string') {
      throw validationFailed("Invalid request.\n\nFor 'properties/description', value is not a string.");
    }
    const isPrivate = body.private === undefined ? body.visibility !== 'public' : Boolean(body.private);
    const repo = await world.createRepository(owner, name, {
      description: (body.description as string | undefined) ?? null,
      private: isPrivate,
      autoInit: Boolean(body.auto_init),
      creatorAppId: creatorApp?.id ?? null,
      sender,
    });
    return c.json(full(repo), 201);
  }

  defineRoute(api, ctx, 'POST /orgs/{org}/repos', ['installation', 'user', 'pat'], async (c, p) => {
    const org = store.accountByLogin(c.req.param('org')!);
    if (!org || org.type !== 'Organization') throw notFound();
    assertMayCreateIn(ctx, p, org);
    return create(c, org, p.kind === 'pat' ? null : p.app, senderOf(ctx, p));
  });

  defineRoute(api, ctx, 'POST /user/repos', ['user', 'pat'], async (c, p) => {
    // An installation token is refused before this (403 "Resource not accessible by integration").
    if (p.kind === 'user') {
      const inst = store.installationFor(p.app.id, p.user.id);
      if (!permits(p.app.permissions, 'administration', 'write') || !inst) {
        throw new SimHttpError(403, 'Resource not accessible by integration');
      }
    }
    return create(c, p.user, p.kind === 'user' ? p.app : null, senderOf(ctx, p));
  });

  defineRoute(api, ctx, 'GET /repos/{owner}/{repo}', ['installation', 'user', 'pat', 'anonymous'], (c, p) => {
    const repo = requireRepo(ctx, c.req.param('owner')!, c.req.param('repo')!, p);
    assertRepoAccess(ctx, p, repo, 'metadata', 'read');
    return c.json(full(repo));
  });

  defineRoute(api, ctx, 'PATCH /repos/{owner}/{repo}', ['installation', 'user', 'pat'], async (c, p) => {
    const repo = requireRepo(ctx, c.req.param('owner')!, c.req.param('repo')!, p);
    assertRepoAccess(ctx, p, repo, 'administration', 'write');
    const body = await readJsonBody(c);
    if (body.description !== undefined && body.description !== null && typeof body.description !== 'string')
      throw validationFailed("Invalid request.\n\nFor 'properties/description', value is not a string or null.");
    for (const flag of ['private', 'archived'] as const) {
      if (body[flag] !== undefined && typeof body[flag] !== 'boolean')
        throw validationFailed(`Invalid request.\n\nFor 'properties/${flag}', value is not a boolean.`);
    }
    if (body.name !== undefined) {
      if (typeof body.name !== 'string' || !repoName.test(body.name)) {
        throw validationFailed('Validation Failed', [
          { resource: 'Repository', code: 'custom', field: 'name', message: 'name is invalid' },
        ]);
      }
      const clash = store.findRepo(store.account(repo.ownerId)!.login, body.name);
      if (clash && clash.id !== repo.id) {
        throw validationFailed('Validation Failed', [
          {
            resource: 'Repository',
            code: 'custom',
            field: 'name',
            message: 'name already exists on this account',
          },
        ]);
      }
      if (body.name !== repo.name) world.renameRepository(repo, body.name, senderOf(ctx, p));
    }
    world.editRepository(
      repo,
      {
        description: body.description as string | null | undefined,
        private: (body.private as boolean | undefined) ?? visibilityAsPrivate(body.visibility),
        archived: body.archived as boolean | undefined,
      },
      senderOf(ctx, p),
    );
    repo.updatedAt = ctx.clock.now();
    return c.json(full(repo));
  });

  defineRoute(api, ctx, 'DELETE /repos/{owner}/{repo}', ['installation', 'user', 'pat'], async (c, p) => {
    const repo = requireRepo(ctx, c.req.param('owner')!, c.req.param('repo')!, p);
    assertRepoAccess(ctx, p, repo, 'administration', 'write');
    if (p.kind === 'pat' && !p.token.scopes.includes('delete_repo'))
      throw new SimHttpError(403, 'Must have admin rights to Repository.');
    await world.deleteRepository(repo);
    return c.body(null, 204);
  });

  defineRoute(
    api,
    ctx,
    'POST /repos/{owner}/{repo}/transfer',
    // GitHub's permission data lists no GitHub App access for transfers: an installation token gets 403.
    ['user', 'pat'],
    async (c, p) => {
      const repo = requireRepo(ctx, c.req.param('owner')!, c.req.param('repo')!, p);
      assertRepoAccess(ctx, p, repo, 'administration', 'write');
      const body = await readJsonBody(c);
      const target = typeof body.new_owner === 'string' ? store.accountByLogin(body.new_owner) : undefined;
      if (!target)
        throw validationFailed('Validation Failed', [
          { resource: 'Repository', code: 'invalid', field: 'new_owner' },
        ]);
      world.transferRepository(repo, target, senderOf(ctx, p));
      return c.json(repository(ctx.urls(), repo, target), 202);
    },
  );
}

const visibilityAsPrivate = (visibility: unknown) =>
  visibility === 'public' ? false : visibility === 'private' ? true : undefined;

function assertMayCreateIn(ctx: SimContext, p: Principal, org: SimAccount) {
  const { store } = ctx;
  if (p.kind === 'installation') {
    if (p.installation.accountId !== org.id)
      throw new SimHttpError(403, 'Resource not accessible by integration');
    if (!permits(p.token.permissions, 'administration', 'write'))
      throw new SimHttpError(403, 'Resource not accessible by integration');
    return;
  }
  if (p.kind === 'user') {
    const inst = store.installationFor(p.app.id, org.id);
    if (!store.roleOn(p.user.id, org)) throw notFound();
    if (!inst || !permits(inst.permissions, 'administration', 'write'))
      throw new SimHttpError(403, 'Resource not accessible by integration');
    return;
  }
  if (p.kind === 'pat') {
    if (!store.roleOn(p.user.id, org)) throw notFound();
    if (!p.token.scopes.includes('repo'))
      throw new SimHttpError(403, 'Resource not accessible by personal access token');
    return;
  }
  throw new SimHttpError(403, 'Resource not accessible by integration');
}

/** The `pusher.name` of a change: the app's bot for an installation or the app, else the user's login. */
export function pusherOf(p: Principal): string {
  return p.kind === 'user' || p.kind === 'pat' ? p.user.login : `${(p as { app: SimApp }).app.slug}[bot]`;
}

/** The `sender` of webhooks caused by a request: the user, or the app's bot account for installations. */
export function senderOf(ctx: SimContext, p: Principal): SimAccount {
  if (p.kind === 'user' || p.kind === 'pat') return p.user;
  const app = (p as { app: SimApp }).app;
  return ctx.store.account(app.ownerId)!;
}
