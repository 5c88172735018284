import type { Hono } from 'hono';
import type { SimContext } from '../context.js';
import { defineRoute } from '../define-route.js';
import { notFound, SimHttpError, validationFailed } from '../errors.js';
import type { SimRepo } from '../model.js';
import { assertRepoAccess, requireRepo } from '../repo-access.js';
import { zeroSha } from '../push-events.js';
import { readJsonBody } from './read-json-body.js';
import { pusherOf, senderOf } from './repo-routes.js';

/** Branches as git references (`GET .../git/ref/heads/NAME`, `POST .../git/refs`), on the real bare repository. */
export function registerGitRefsRoutes(api: Hono, ctx: SimContext) {
  const { store, world } = ctx;
  const refPayload = (repo: SimRepo, ref: string, sha: string, type = 'commit') => {
    const fullName = `${store.account(repo.ownerId)!.login}/${repo.name}`;
    const api = ctx.urls().api;
    return {
      ref,
      node_id: Buffer.from(`REF:${repo.id}:${ref}`).toString('base64url'),
      url: `${api}/repos/${fullName}/git/${ref}`,
      object: { type, sha, url: `${api}/repos/${fullName}/git/${type === 'tag' ? 'tags' : 'commits'}/${sha}` },
    };
  };

  // `heads/main` comes as two path segments from clients that do not encode the slash (curl, fetch), as one from Octokit.
  defineRoute(api, ctx, 'GET /repos/{owner}/{repo}/git/ref/{ref}', ['installation', 'user', 'pat'], async (c, p) => {
    const repo = requireRepo(ctx, c.req.param('owner')!, c.req.param('repo')!, p);
    assertRepoAccess(ctx, p, repo, 'contents', 'read');
    const ref = c.req.param('ref') ?? '';
    const branch = /^heads\/(.+)$/.exec(ref)?.[1];
    const sha = branch ? await world.git.headSha(repo.gitDir, branch) : null;
    if (!sha) throw notFound();
    return c.json(refPayload(repo, `refs/${ref}`, sha));
  }, ['/repos/:owner/:repo/git/ref/:ref{.+}']);

  // Every ref whose name starts with `refs/{ref}` (`heads/`, `tags/`, `heads/feat`); an empty list, not a 404.
  defineRoute(
    api,
    ctx,
    'GET /repos/{owner}/{repo}/git/matching-refs/{ref}',
    ['installation', 'user', 'pat', 'anonymous'],
    async (c, p) => {
      const repo = requireRepo(ctx, c.req.param('owner')!, c.req.param('repo')!, p);
      assertRepoAccess(ctx, p, repo, 'contents', 'read');
      const refs = await world.git.listRefs(repo.gitDir, `refs/${c.req.param('ref') ?? ''}`);
      return c.json(refs.map(({ ref, sha, type }) => refPayload(repo, ref, sha, type)));
    },
    ['/repos/:owner/:repo/git/matching-refs/:ref{.+}'],
  );

  defineRoute(api, ctx, 'POST /repos/{owner}/{repo}/git/refs', ['installation', 'user', 'pat'], async (c, p) => {
    const repo = requireRepo(ctx, c.req.param('owner')!, c.req.param('repo')!, p);
    assertRepoAccess(ctx, p, repo, 'contents', 'write');
    if (repo.archived) throw new SimHttpError(403, 'Repository was archived so is read-only.');
    const body = await readJsonBody(c);
    const ref = typeof body.ref === 'string' ? body.ref : '';
    const sha = typeof body.sha === 'string' ? body.sha : '';
    // GitHub wants the full name of the reference, with at least two slashes.
    if (!/^refs\/heads\/[^\s~^:?*[\\]+$/.test(ref) || ref.endsWith('/') || ref.includes('..'))
      throw validationFailed(`${ref} is not a valid ref name.`);
    if (!/^[0-9a-f]{40}$/.test(sha) || !(await world.git.commitExists(repo.gitDir, sha))) throw validationFailed('Object does not exist');
    const branch = ref.slice('refs/heads/'.length);
    if (await world.git.headSha(repo.gitDir, branch)) throw validationFailed('Reference already exists');
    await world.git.setBranch(repo.gitDir, branch, sha);
    world.refMovedByApi(repo, { ref, before: zeroSha, after: sha }, senderOf(ctx, p), pusherOf(p));
    return c.json(refPayload(repo, ref, sha), 201);
  });
}
