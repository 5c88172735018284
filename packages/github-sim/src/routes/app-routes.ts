import type { Hono } from 'hono';
import type { SimContext } from '../context.js';
import { defineRoute } from '../define-route.js';
import { notFound, SimHttpError, validationFailed } from '../errors.js';
import type { SimApp, SimInstallation } from '../model.js';
import { paginate } from '../paginate.js';
import { installation, integration, isoSeconds, repository } from '../payloads.js';
import type { Principal } from '../principal.js';
import { RepoMovedError } from '../repo-access.js';
import { widenedPermission } from '../tokens.js';
import { readJsonBody } from './read-json-body.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Routes authenticated with the app's JWT. */
export function registerAppRoutes(api: Hono, ctx: SimContext) {
  const { store, world } = ctx;
  const appOf = (p: Principal) => (p as { app: SimApp }).app;
  const render = (app: SimApp, inst: SimInstallation) => {
    const suspendedBy = inst.suspendedById ? (store.account(inst.suspendedById) ?? null) : null;
    return installation(ctx.urls(), app, inst, store.account(inst.accountId)!, suspendedBy);
  };
  const ownInstallation = (app: SimApp, id: string): SimInstallation => {
    const inst = store.installations.get(Number(id));
    if (!inst || inst.appId !== app.id) throw notFound();
    return inst;
  };

  defineRoute(api, ctx, 'GET /app', ['app'], (c, p) => {
    const app = appOf(p);
    return c.json(
      integration(ctx.urls(), app, store.account(app.ownerId)!, store.installationsOfApp(app.id).length),
    );
  });

  defineRoute(api, ctx, 'GET /app/installations', ['app'], (c, p) => {
    const app = appOf(p);
    return c.json(paginate(c, store.installationsOfApp(app.id)).map((inst) => render(app, inst)));
  });

  defineRoute(api, ctx, 'GET /app/installations/{installation_id}', ['app'], (c, p) => {
    const app = appOf(p);
    return c.json(render(app, ownInstallation(app, c.req.param('installation_id')!)));
  });

  defineRoute(api, ctx, 'DELETE /app/installations/{installation_id}', ['app'], (c, p) => {
    const app = appOf(p);
    world.uninstall(ownInstallation(app, c.req.param('installation_id')!), store.account(app.ownerId)!);
    return c.body(null, 204);
  });

  defineRoute(api, ctx, 'PUT /app/installations/{installation_id}/suspended', ['app'], (c, p) => {
    const app = appOf(p);
    const inst = ownInstallation(app, c.req.param('installation_id')!);
    if (!inst.suspendedAt) world.suspend(inst, store.account(app.ownerId)!);
    return c.body(null, 204);
  });

  defineRoute(api, ctx, 'DELETE /app/installations/{installation_id}/suspended', ['app'], (c, p) => {
    const app = appOf(p);
    const inst = ownInstallation(app, c.req.param('installation_id')!);
    if (inst.suspendedAt) world.unsuspend(inst, store.account(app.ownerId)!);
    return c.body(null, 204);
  });

  defineRoute(api, ctx, 'POST /app/installations/{installation_id}/access_tokens', ['app'], async (c, p) => {
    const app = appOf(p);
    const inst = ownInstallation(app, c.req.param('installation_id')!);
    if (inst.suspendedAt) throw new SimHttpError(403, 'This installation has been suspended');
    const body = await readJsonBody(c, true);
    const reachable = store.installationRepos(inst);
    let repositoryIds: number[] | null = null;

    const names = body.repositories;
    const ids = body.repository_ids;
    if (names !== undefined && (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))) {
      throw validationFailed(
        "Invalid request.\n\nFor 'properties/repositories', value is not an array of strings.",
      );
    }
    if (ids !== undefined && (!Array.isArray(ids) || ids.some((n) => !Number.isInteger(n)))) {
      throw validationFailed(
        "Invalid request.\n\nFor 'properties/repository_ids', value is not an array of integers.",
      );
    }
    if (names || ids) {
      const wanted = new Set<number>();
      for (const name of (names as string[] | undefined) ?? []) {
        const repo = reachable.find((r) => r.name.toLowerCase() === name.toLowerCase());
        if (!repo)
          throw validationFailed(
            'There is at least one repository that does not exist or is not accessible to the parent installation.',
          );
        wanted.add(repo.id);
      }
      for (const id of (ids as number[] | undefined) ?? []) {
        if (!reachable.some((r) => r.id === id))
          throw validationFailed(
            'There is at least one repository that does not exist or is not accessible to the parent installation.',
          );
        wanted.add(id);
      }
      if (wanted.size > 500)
        throw validationFailed(
          'Too many repositories were provided. A maximum of 500 repositories are allowed.',
        );
      repositoryIds = [...wanted].sort((a, b) => a - b);
    }
    let permissions = inst.permissions;
    if (body.permissions !== undefined) {
      if (!body.permissions || typeof body.permissions !== 'object' || Array.isArray(body.permissions)) {
        throw validationFailed("Invalid request.\n\nFor 'properties/permissions', value is not an object.");
      }
      const asked = body.permissions as Record<string, string>;
      if (widenedPermission(inst.permissions, asked)) {
        throw validationFailed('The permissions requested are not granted to this installation.');
      }
      permissions = asked as typeof permissions;
    }
    if (ctx.behaviour.mintLatencyMs > 0) await sleep(ctx.behaviour.mintLatencyMs);
    const statelessHeader = c.req.header('x-github-stateless-s2s-token');
    const stateless = statelessHeader ? statelessHeader === 'enabled' : ctx.behaviour.statelessTokens;
    const token = world.mintInstallationToken(app, inst, { repositoryIds, permissions, stateless });
    const response: Record<string, unknown> = {
      token: token.value,
      expires_at: isoSeconds(token.expiresAt!),
      permissions: token.permissions,
      repository_selection: repositoryIds ? 'selected' : inst.selection,
    };
    if (repositoryIds) {
      response.repositories = repositoryIds.map((id) => {
        const repo = store.repos.get(id)!;
        return repository(ctx.urls(), repo, store.account(repo.ownerId)!);
      });
    }
    return c.json(response, 201);
  });

  const lookup = (app: SimApp, accountLogin: string, repoName?: string) => {
    if (repoName !== undefined) {
      const repo = store.findRepo(accountLogin, repoName);
      const moved = repo ? undefined : store.movedRepo(accountLogin, repoName);
      const target = repo ?? moved;
      const inst = target ? store.installationFor(app.id, target.ownerId) : undefined;
      // GitHub does not say whether the repository is missing or the app is not installed on it.
      if (!target || !inst || !store.installationReaches(inst, target)) throw notFound();
      if (moved) throw new RepoMovedError(moved.id);
      return render(app, inst);
    }
    const account = store.accountByLogin(accountLogin);
    const inst = account ? store.installationFor(app.id, account.id) : undefined;
    if (!account || !inst) throw notFound();
    return render(app, inst);
  };
  defineRoute(api, ctx, 'GET /repos/{owner}/{repo}/installation', ['app'], (c, p) =>
    c.json(lookup(appOf(p), c.req.param('owner')!, c.req.param('repo')!)),
  );
  defineRoute(api, ctx, 'GET /orgs/{org}/installation', ['app'], (c, p) => {
    if (store.accountByLogin(c.req.param('org')!)?.type !== 'Organization') throw notFound();
    return c.json(lookup(appOf(p), c.req.param('org')!));
  });
  defineRoute(api, ctx, 'GET /users/{username}/installation', ['app'], (c, p) =>
    c.json(lookup(appOf(p), c.req.param('username')!)),
  );

  // ---- webhook deliveries ----
  const deliveryItem = (d: ReturnType<typeof world.webhooks.forApp>[number]) => ({
    id: d.id,
    guid: d.guid,
    delivered_at: isoSeconds(d.deliveredAt),
    redelivery: d.redelivery,
    duration: d.durationMs / 1000,
    status: d.status,
    status_code: d.statusCode,
    event: d.event,
    action: d.action,
    installation_id: d.installationId,
    repository_id: d.repositoryId,
  });

  /**
   * Newest first, cursor-paginated with `Link: <...?cursor=v1_ID>; rel="next"`, and filtered by `status`:
   * "`success` returns deliveries with a `status_code` in the 200-399 range, `failure` in the 400-599 range"
   * (https://docs.github.com/en/rest/apps/webhooks#list-deliveries-for-an-app-webhook). As written there, a
   * delivery that never got an answer (status_code 0: timed out, could not connect) is in neither.
   */
  defineRoute(api, ctx, 'GET /app/hook/deliveries', ['app'], (c, p) => {
    const status = c.req.query('status');
    if (status !== undefined && status !== 'success' && status !== 'failure')
      throw validationFailed(`Invalid request.\n\n${status} is not a member of ["success", "failure"].`);
    const inRange = (code: number) =>
      status === undefined ||
      (status === 'success' ? code >= 200 && code <= 399 : code >= 400 && code <= 599);
    const all = world.webhooks
      .forApp(appOf(p).id)
      .filter((d) => inRange(d.statusCode))
      .reverse();
    const perPage = Math.min(Number(c.req.query('per_page') ?? 30), 100);
    if (!Number.isInteger(perPage) || perPage < 1) throw validationFailed('Invalid per_page');
    const cursor = c.req.query('cursor');
    const cursorId = cursor === undefined ? null : /^v1_(\d+)$/.exec(cursor)?.[1];
    if (cursorId === undefined) throw new SimHttpError(400, 'Invalid cursor');
    const start = cursorId === null ? 0 : all.findIndex((d) => d.id <= Number(cursorId));
    const pageItems = start < 0 ? [] : all.slice(start, start + perPage);
    const next = start < 0 ? undefined : all[start + perPage];
    if (next) {
      const url = new URL(c.req.url);
      url.searchParams.set('cursor', `v1_${next.id}`);
      c.header('link', `<${url.toString()}>; rel="next"`);
    }
    return c.json(pageItems.map(deliveryItem));
  });

  defineRoute(api, ctx, 'GET /app/hook/deliveries/{delivery_id}', ['app'], (c, p) => {
    const d = world.webhooks.forApp(appOf(p).id).find((x) => String(x.id) === c.req.param('delivery_id'));
    if (!d) throw notFound();
    return c.json({
      ...deliveryItem(d),
      url: appOf(p).webhookUrl,
      request: { headers: d.requestHeaders, payload: JSON.parse(d.body) },
      response: { headers: {}, payload: d.responseBody },
    });
  });

  defineRoute(api, ctx, 'POST /app/hook/deliveries/{delivery_id}/attempts', ['app'], (c, p) => {
    const again = world.webhooks.redeliver(appOf(p), Number(c.req.param('delivery_id')));
    if (!again) throw notFound();
    return c.json({}, 202);
  });
}
