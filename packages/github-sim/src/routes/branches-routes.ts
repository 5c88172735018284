import type { Hono } from 'hono';
import type { SimContext } from '../context.js';
import { defineRoute } from '../define-route.js';
import { endpointDocs } from '../endpoint-docs.js';
import { notFound } from '../errors.js';
import type { CommitInfo } from '../git-repos.js';
import type { SimRepo } from '../model.js';
import { paginate } from '../paginate.js';
import { isoSeconds } from '../payloads.js';
import { assertRepoAccess, requireRepo } from '../repo-access.js';

/** A commit as the commits API lists it; the simulator's committer is no GitHub account, so `author` is null. */
export function commitPayload(ctx: SimContext, repo: SimRepo, commit: CommitInfo) {
  const urls = ctx.urls();
  const fullName = `${ctx.store.account(repo.ownerId)!.login}/${repo.name}`;
  const api = `${urls.api}/repos/${fullName}`;
  return {
    url: `${api}/commits/${commit.sha}`,
    sha: commit.sha,
    node_id: Buffer.from(`C:${commit.sha}`).toString('base64url'),
    html_url: `${urls.web}/${fullName}/commit/${commit.sha}`,
    comments_url: `${api}/commits/${commit.sha}/comments`,
    commit: {
      url: `${api}/git/commits/${commit.sha}`,
      author: { name: commit.authorName, email: commit.authorEmail, date: isoSeconds(commit.authoredAt) },
      committer: { name: commit.committerName, email: commit.committerEmail, date: isoSeconds(commit.committedAt) },
      message: commit.message,
      comment_count: 0,
      tree: { sha: commit.treeSha, url: `${api}/git/trees/${commit.treeSha}` },
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    },
    author: null,
    committer: null,
    parents: commit.parents.map((sha) => ({
      sha,
      url: `${api}/commits/${sha}`,
      html_url: `${urls.web}/${fullName}/commit/${sha}`,
    })),
  };
}

/** `GET .../branches` and `GET .../commits`, read from the real bare repository. */
export function registerBranchesRoutes(api: Hono, ctx: SimContext) {
  const { world } = ctx;

  defineRoute(
    api,
    ctx,
    'GET /repos/{owner}/{repo}/branches',
    ['installation', 'user', 'pat', 'anonymous'],
    async (c, p) => {
      const repo = requireRepo(ctx, c.req.param('owner')!, c.req.param('repo')!, p);
      assertRepoAccess(ctx, p, repo, 'metadata', 'read');
      const fullName = `${ctx.store.account(repo.ownerId)!.login}/${repo.name}`;
      const heads = await world.git.listRefs(repo.gitDir, 'refs/heads/');
      // No branch protection in the simulator: `protected=true` lists none.
      const wanted = c.req.query('protected') === 'true' ? [] : heads;
      return c.json(
        paginate(c, wanted).map(({ ref, sha }) => ({
          name: ref.slice('refs/heads/'.length),
          commit: { sha, url: `${ctx.urls().api}/repos/${fullName}/commits/${sha}` },
          protected: false,
        })),
      );
    },
  );

  defineRoute(
    api,
    ctx,
    'GET /repos/{owner}/{repo}/commits',
    ['installation', 'user', 'pat', 'anonymous'],
    async (c, p) => {
      const repo = requireRepo(ctx, c.req.param('owner')!, c.req.param('repo')!, p);
      assertRepoAccess(ctx, p, repo, 'contents', 'read');
      const ref = c.req.query('sha') ?? repo.defaultBranch;
      if (!/^[\w./-]+$/.test(ref) || ref.startsWith('-')) throw notFound();
      // The simulator's repositories are small: read the history (up to 10,000 commits) and page it.
      const commits = await world.git.listCommits(repo.gitDir, ref, 10_000, c.req.query('path') || undefined);
      // GitHub: 409 "Git Repository is empty." for a repository without commits, 404 for an unknown ref.
      if (commits === null) {
        if ((await world.git.listRefs(repo.gitDir, 'refs/heads/')).length === 0)
          return c.json({ message: 'Git Repository is empty.', documentation_url: endpointDocs['GET /repos/{owner}/{repo}/commits'], status: '409' }, 409);
        throw notFound();
      }
      return c.json(paginate(c, commits).map((commit) => commitPayload(ctx, repo, commit)));
    },
  );
}
