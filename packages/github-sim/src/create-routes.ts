import { type Context, Hono } from 'hono';
import type { SimContext } from './context.js';
import { restDocs } from './endpoint-docs.js';
import { recordExchange } from './exchange-log.js';
import { notFound, SimHttpError } from './errors.js';
import { page } from './html.js';
import { RepoMovedError } from './repo-access.js';
import { requestIdOf } from './request-id.js';
import { registerAdminRoutes } from './routes/admin-routes.js';
import { registerAppRoutes } from './routes/app-routes.js';
import { registerBranchesRoutes } from './routes/branches-routes.js';
import { registerGhesRoutes } from './routes/ghes-routes.js';
import { registerContentsRoutes } from './routes/contents-routes.js';
import { registerGitRefsRoutes } from './routes/git-refs-routes.js';
import { registerPullsRoutes } from './routes/pulls-routes.js';
import { registerMembershipRoutes } from './routes/membership-routes.js';
import { registerOAuthAppRoutes } from './routes/oauth-app-routes.js';
import { registerManifestRoutes } from './routes/manifest-routes.js';
import { registerWebInstallationSettings } from './routes/web-installation-settings.js';
import { registerWebAccountSettings } from './routes/web-account-settings.js';
import { registerWebRepository, registerWebRepositoryHome } from './routes/web-repository.js';
import { registerWebManifest } from './routes/web-manifest.js';
import { registerInstallationRoutes } from './routes/installation-routes.js';
import { registerRepoRoutes } from './routes/repo-routes.js';
import { registerUserRoutes } from './routes/user-routes.js';
import { registerWebInstall } from './routes/web-install.js';
import { registerWebOAuth } from './routes/web-oauth.js';
import { registerWebSession } from './routes/web-session.js';

/** GHES-shaped: REST under `/api/v3`, web pages and OAuth at the root. */
export function createRoutes(ctx: SimContext): Hono {
  const api = new Hono();
  const onError = (error: Error, c: Parameters<Parameters<Hono['onError']>[0]>[1]) => {
    if (error instanceof RepoMovedError) return movedAnswer(c, ctx, error.repoId);
    if (error instanceof SimHttpError) return c.json(error.body(), error.status as 400, error.headers);
    console.error('github-sim internal error', error);
    return c.json({ message: 'Server Error', status: '500' }, 500);
  };
  api.onError(onError);
  api.notFound((c) =>
    c.json({ message: 'Not Found', documentation_url: restDocs, status: '404' }, 404),
  );
  registerAppRoutes(api, ctx);
  registerInstallationRoutes(api, ctx);
  registerRepoRoutes(api, ctx);
  registerContentsRoutes(api, ctx);
  registerGitRefsRoutes(api, ctx);
  registerBranchesRoutes(api, ctx);
  registerPullsRoutes(api, ctx);
  registerUserRoutes(api, ctx);
  registerMembershipRoutes(api, ctx);
  registerOAuthAppRoutes(api, ctx);
  registerManifestRoutes(api, ctx);

  const root = new Hono();
  root.use('*', async (c, next) => {
    await next();
    // GitHub's clock, which clients use to correct their JWT times.
    c.res.headers.set('date', new Date(ctx.clock.now()).toUTCString());
    const path = new URL(c.req.url).pathname;
    if (!path.startsWith('/api/v3/') && path !== '/api/v3' && path !== '/api/graphql') return;
    if (ctx.enterpriseVersion) c.res.headers.set('x-github-enterprise-version', ctx.enterpriseVersion);
    c.res.headers.set('x-github-api-version-selected', '2022-11-28');
    // An answer made by an inner fetch (the `/repositories/{id}` routes) keeps the id its messages quote.
    if (!c.res.headers.has('x-github-request-id')) c.res.headers.set('x-github-request-id', requestIdOf(c));
    c.res.headers.set('x-github-media-type', mediaType(c.req.header('accept')));
    if (c.res.headers.get('content-type') === 'application/json')
      c.res.headers.set('content-type', 'application/json; charset=utf-8');
    await recordExchange(ctx, c);
  });
  root.onError(onError);
  // `/repositories/{id}/...` is where GitHub's redirects for moved repositories point: the same routes by id.
  const byId = async (c: Context) => {
    const repo = ctx.store.repos.get(Number(c.req.param('id')));
    if (!repo) throw notFound();
    const url = new URL(c.req.url);
    const rest = url.pathname.replace(/^\/api\/v3\/repositories\/\d+/, '');
    url.pathname = `/api/v3/repos/${ctx.store.account(repo.ownerId)!.login}/${repo.name}${rest}`;
    const method = c.req.method;
    const body = method === 'GET' || method === 'HEAD' ? undefined : await c.req.arrayBuffer();
    return root.fetch(new Request(url, { method, headers: c.req.raw.headers, body }));
  };
  root.all('/api/v3/repositories/:id{[0-9]+}', byId);
  root.all('/api/v3/repositories/:id{[0-9]+}/*', byId);
  registerGhesRoutes(api, root, ctx);
  // The API root answers with and without its trailing slash (`gh` asks for `/api/v3/`).
  root.get('/api/v3/', (c) => {
    const url = new URL(c.req.url);
    url.pathname = '/api/v3';
    return root.fetch(new Request(url, c.req.raw));
  });
  root.route('/api/v3', api);
  registerWebSession(root, ctx);
  registerWebInstall(root, ctx);
  registerWebInstallationSettings(root, ctx);
  registerWebOAuth(root, ctx);
  registerWebManifest(root, ctx);
  registerAdminRoutes(root, ctx);
  registerWebRepository(root, ctx);
  // Last: its `/{owner}/{repo}/settings` pattern would shadow the fixed paths above.
  registerWebAccountSettings(root, ctx);
  registerWebRepositoryHome(root, ctx);
  // Unknown REST routes answer GitHub's JSON 404, pages a plain one.
  root.notFound((c) =>
    new URL(c.req.url).pathname.startsWith('/api/v3/')
      ? c.json(notFound().body(), 404)
      : c.html(page('Not found', '<h1>404</h1>'), 404),
  );
  root.get('/', (c) =>
    c.html(
      page(
        'GitHub simulator',
        `<h1>GitHub simulator</h1><p>REST: <code>${ctx.urls().api}</code></p><p><a href="/login">Sign in</a></p>`,
      ),
    ),
  );
  return root;
}

/** GitHub's answer for a repository asked for by an old name: 301 for GET/HEAD, 307 otherwise. */
function movedAnswer(c: Context, ctx: SimContext, repoId: number) {
  const url = new URL(c.req.url);
  const rest = /^\/api\/v3\/repos\/[^/]+\/[^/]+(.*)$/.exec(url.pathname)?.[1] ?? '';
  const location = `${ctx.urls().api}/repositories/${repoId}${rest}${url.search}`;
  const permanent = c.req.method === 'GET' || c.req.method === 'HEAD';
  return c.json(
    {
      message: permanent ? 'Moved Permanently' : 'Temporary Redirect',
      url: location,
      documentation_url: 'https://docs.github.com/v3/#http-redirects',
    },
    permanent ? 301 : 307,
    { location },
  );
}

/**
 * `x-github-media-type`: the version and format the answer was given in, from the `Accept` header
 * (`application/vnd.github.raw+json` -> `github.v3; param=raw; format=json`).
 * https://docs.github.com/en/rest/using-the-rest-api/getting-started-with-the-rest-api#media-types
 */
function mediaType(accept: string | undefined): string {
  const match = /application\/vnd\.github(?:\.([\w-]+))?(?:\.([\w-]+))?(?:\+(\w+))?/.exec(accept ?? '');
  const parts = [match?.[1], match?.[2]].filter((p): p is string => Boolean(p) && p !== 'v3');
  const param = parts[0];
  return `github.v3; ${param ? `param=${param}; ` : ''}format=${match?.[3] ?? 'json'}`;
}
