import type { Hono } from 'hono';
import type { SimContext } from '../context.js';
import { defineRoute } from '../define-route.js';
import { SimHttpError } from '../errors.js';
import { runGraphql } from '../graphql-api.js';
import { credentialOf, resolvePrincipal } from '../principal.js';
import { readJsonBody } from './read-json-body.js';

const everyone = ['app', 'installation', 'user', 'pat', 'anonymous'] as const;

/**
 * The surface of a GHES instance that clients look at before anything else: the API root (`gh auth status` reads
 * its `x-oauth-scopes`), `/meta` (with `installed_version`) and the GraphQL endpoint at `/api/graphql`.
 */
export function registerGhesRoutes(api: Hono, root: Hono, ctx: SimContext) {
  defineRoute(api, ctx, 'GET /', [...everyone], (c) => {
    const a = ctx.urls().api;
    return c.json({
      current_user_url: `${a}/user`,
      current_user_authorizations_html_url: `${ctx.urls().web}/settings/connections/applications{/client_id}`,
      authorizations_url: `${a}/authorizations`,
      code_search_url: `${a}/search/code?q={query}{&page,per_page,sort,order}`,
      commit_search_url: `${a}/search/commits?q={query}{&page,per_page,sort,order}`,
      emails_url: `${a}/user/emails`,
      emojis_url: `${a}/emojis`,
      events_url: `${a}/events`,
      feeds_url: `${a}/feeds`,
      followers_url: `${a}/user/followers`,
      following_url: `${a}/user/following{/target}`,
      gists_url: `${a}/gists{/gist_id}`,
      hub_url: `${a}/hub`,
      issue_search_url: `${a}/search/issues?q={query}{&page,per_page,sort,order}`,
      issues_url: `${a}/issues`,
      keys_url: `${a}/user/keys`,
      label_search_url: `${a}/search/labels?q={query}&repository_id={repository_id}{&page,per_page}`,
      notifications_url: `${a}/notifications`,
      organization_url: `${a}/orgs/{org}`,
      organization_repositories_url: `${a}/orgs/{org}/repos{?type,page,per_page,sort}`,
      organization_teams_url: `${a}/orgs/{org}/teams`,
      public_gists_url: `${a}/gists/public`,
      rate_limit_url: `${a}/rate_limit`,
      repository_url: `${a}/repos/{owner}/{repo}`,
      repository_search_url: `${a}/search/repositories?q={query}{&page,per_page,sort,order}`,
      current_user_repositories_url: `${a}/user/repos{?type,page,per_page,sort}`,
      starred_url: `${a}/user/starred{/owner}{/repo}`,
      starred_gists_url: `${a}/gists/starred`,
      user_url: `${a}/users/{user}`,
      user_organizations_url: `${a}/user/orgs`,
      user_repositories_url: `${a}/users/{user}/repos{?type,page,per_page,sort}`,
      user_search_url: `${a}/search/users?q={query}{&page,per_page,sort,order}`,
    });
  });

  defineRoute(api, ctx, 'GET /meta', [...everyone], (c) =>
    c.json({
      verifiable_password_authentication: false,
      ...(ctx.enterpriseVersion ? { installed_version: ctx.enterpriseVersion } : {}),
      domains: { website: [new URL(ctx.urls().web).hostname] },
    }),
  );

  // GraphQL needs a credential, like GitHub's (401 with its message otherwise); POST only, a JSON body.
  root.post('/api/graphql', async (c) => {
    const credential = credentialOf(c.req.header('authorization'));
    if (!credential)
      throw new SimHttpError(401, 'This endpoint requires you to be authenticated.', {}, {
        documentation_url: 'https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql',
      });
    const principal = resolvePrincipal(ctx, credential);
    const body = await readJsonBody(c);
    if (typeof body.query !== 'string') return c.json({ errors: [{ message: 'A query attribute must be specified and must be a string.' }] }, 200);
    const variables = body.variables && typeof body.variables === 'object' ? (body.variables as Record<string, unknown>) : undefined;
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
    ctx.requestCounts.set('POST /graphql', (ctx.requestCounts.get('POST /graphql') ?? 0) + 1);
    return c.json(await runGraphql(ctx, principal, body.query, variables, operationName));
  });
}
