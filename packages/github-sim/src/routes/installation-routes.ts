import type { Hono } from 'hono';
import type { SimContext } from '../context.js';
import { defineRoute } from '../define-route.js';
import { paginate } from '../paginate.js';
import { repository } from '../payloads.js';
import { SimHttpError } from '../errors.js';
import { anonymousCaller, assertNotSuspended, credentialOf, rateBucket, resolvePrincipal } from '../principal.js';

/** Routes called with an installation token. */
export function registerInstallationRoutes(api: Hono, ctx: SimContext) {
  const { store } = ctx;

  defineRoute(api, ctx, 'GET /installation/repositories', ['installation'], (c, p) => {
    if (p.kind !== 'installation') throw new Error('unreachable');
    const scope = p.token.repositoryIds;
    const repos = store
      .installationRepos(p.installation)
      .filter((repo) => !scope || scope.includes(repo.id))
      .sort((a, b) => a.id - b.id);
    return c.json({
      total_count: repos.length,
      repository_selection: scope ? 'selected' : p.installation.selection,
      repositories: paginate(c, repos).map((repo) =>
        repository(ctx.urls(), repo, store.account(repo.ownerId)!),
      ),
    });
  });

  defineRoute(api, ctx, 'DELETE /installation/token', ['installation'], (c, p) => {
    if (p.kind === 'installation') p.token.revoked = true;
    return c.body(null, 204);
  });

  /**
   * `GET /rate_limit` (not counted against the limit, as on GitHub). `resources.search` is the search API's
   * own 30 a minute. A GHES instance with rate limiting turned off answers 404.
   */
  defineRoute(api, ctx, 'GET /rate_limit', 'none', (c) => {
    // Anyone may ask, as on GitHub: without a credential it answers the caller's address's unauthenticated budget;
    // with one, that credential's (a bad one is 401). Asking costs nothing either way.
    const credential = credentialOf(c.req.header('authorization'));
    let bucket: { key: string; limit: number };
    if (c.req.header('authorization') !== undefined) {
      if (!credential) throw new SimHttpError(401, 'Bad credentials');
      const principal = resolvePrincipal(ctx, credential);
      assertNotSuspended(principal);
      bucket = rateBucket(ctx, principal);
    } else {
      bucket = rateBucket(ctx, anonymousCaller(c));
    }
    if (!ctx.limits.settings.enabled) throw new SimHttpError(404, 'Rate limiting is not enabled.');
    const core = ctx.limits.peek(bucket.key, bucket.limit);
    c.header('x-ratelimit-limit', String(core.limit));
    c.header('x-ratelimit-remaining', String(core.remaining));
    c.header('x-ratelimit-reset', String(core.reset));
    c.header('x-ratelimit-used', String(core.used));
    c.header('x-ratelimit-resource', 'core');
    const search = ctx.limits.peek(`search:${bucket.key}`, 30);
    if (search.used === 0) search.reset = Math.ceil(ctx.clock.now() / 1000) + 60;
    return c.json({ resources: { core, search }, rate: core });
  });
}
