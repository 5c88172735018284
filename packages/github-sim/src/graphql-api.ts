import {
  buildClientSchema,
  type GraphQLSchema,
  graphql,
  type IntrospectionQuery,
} from 'graphql';
import type { SimContext } from './context.js';
import type { SimAccount, SimRepo } from './model.js';
import type { CredentialPrincipal } from './principal.js';
import { assertRepoAccess } from './repo-access.js';

let schema: Promise<GraphQLSchema> | null = null;

/**
 * GitHub's own GraphQL schema (`@octokit/graphql-schema`), built once per process (about half a second): every
 * query is validated and typed by it, so a client asking for a field GitHub lacks gets GitHub's kind of error.
 */
function githubSchema(): Promise<GraphQLSchema> {
  // Imported on first use: the package parses its 7 MB introspection when loaded.
  schema ??= import('@octokit/graphql-schema').then(({ schema: published }) => {
    const introspection = published.json as unknown as { data?: IntrospectionQuery } & IntrospectionQuery;
    return buildClientSchema(introspection.data ?? introspection);
  });
  return schema;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * What real clients ask (`gh auth status`: the viewer's login; `gh repo view` and `gh api graphql`: a repository
 * by owner and name). Only these root fields resolve; the rest of GitHub's schema validates but answers null (or
 * GitHub's error for a non-null field). A repository out of the caller's reach is GitHub's NOT_FOUND error.
 */
export async function runGraphql(
  ctx: SimContext,
  principal: CredentialPrincipal,
  query: string,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined,
) {
  const { store } = ctx;
  const urls = ctx.urls();
  const account = (owner: SimAccount) => ({
    __typename: owner.type === 'Organization' ? 'Organization' : 'User',
    id: owner.nodeId,
    databaseId: owner.id,
    login: owner.login,
    name: owner.name,
    url: `${urls.web}/${owner.login}`,
    avatarUrl: () => `${urls.web}/avatars/u/${owner.id}`,
  });
  const repository = (repo: SimRepo) => {
    const owner = store.account(repo.ownerId)!;
    const role = principal.kind === 'user' || principal.kind === 'pat' ? store.roleOn(principal.user.id, owner) : null;
    return {
      __typename: 'Repository',
      id: repo.nodeId,
      databaseId: repo.id,
      name: repo.name,
      nameWithOwner: `${owner.login}/${repo.name}`,
      owner: account(owner),
      description: repo.description,
      url: `${urls.web}/${owner.login}/${repo.name}`,
      homepageUrl: null,
      sshUrl: `git@${new URL(urls.web).hostname}:${owner.login}/${repo.name}.git`,
      isPrivate: repo.private,
      visibility: repo.private ? 'PRIVATE' : 'PUBLIC',
      isArchived: repo.archived,
      isFork: false,
      isMirror: false,
      isTemplate: false,
      isEmpty: false,
      isInOrganization: owner.type === 'Organization',
      hasIssuesEnabled: true,
      hasWikiEnabled: false,
      hasProjectsEnabled: false,
      stargazerCount: 0,
      forkCount: 0,
      watchers: () => ({ totalCount: 0 }),
      createdAt: iso(repo.createdAt),
      updatedAt: iso(repo.updatedAt),
      pushedAt: iso(repo.pushedAt),
      parent: null,
      mirrorUrl: null,
      viewerPermission: role === 'admin' ? 'ADMIN' : role ? 'WRITE' : 'READ',
      defaultBranchRef: { name: repo.defaultBranch, prefix: 'refs/heads/' },
    };
  };
  const viewerUser = principal.kind === 'user' || principal.kind === 'pat' ? principal.user : null;
  const rootValue = {
    viewer: () => {
      if (viewerUser) return { ...account(viewerUser), __typename: 'User', email: '' };
      // An installation's viewer is its bot.
      const app = (principal as { app: { id: number; slug: string } }).app;
      return { __typename: 'User', id: `BOT_${app.id}`, databaseId: 41_000_000 + app.id, login: `${app.slug}[bot]`, name: null, url: `${urls.web}/apps/${app.slug}`, avatarUrl: () => `${urls.web}/avatars/b/${app.id}`, email: '' };
    },
    repository: ({ owner, name }: { owner: string; name: string }) => {
      const repo = store.findRepo(owner, name);
      try {
        if (!repo) throw new Error('not found');
        assertRepoAccess(ctx, principal, repo, 'metadata', 'read');
      } catch {
        throw Object.assign(new Error(`Could not resolve to a Repository with the name '${owner}/${name}'.`), {
          extensions: { type: 'NOT_FOUND' },
        });
      }
      return repository(repo);
    },
  };
  const result = await graphql({
    schema: await githubSchema(),
    source: query,
    rootValue,
    variableValues: variables ?? null,
    operationName: operationName ?? null,
  });
  // GitHub's errors carry `type` (NOT_FOUND...) at the top of each error, beside message, path and locations.
  return {
    ...(result.data !== undefined ? { data: result.data } : {}),
    ...(result.errors
      ? {
          errors: result.errors.map((error) => ({
            ...(error.path ? { type: (error.originalError as { extensions?: { type?: string } })?.extensions?.type ?? 'INTERNAL', path: error.path } : {}),
            locations: error.locations,
            message: error.message,
          })),
        }
      : {}),
  };
}
