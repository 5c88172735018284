import type { Context, Hono } from 'hono';
import type { SimContext } from '../context.js';
import { defineRoute } from '../define-route.js';
import { notFound, SimHttpError, validationFailed } from '../errors.js';
import type { SimRepo } from '../model.js';
import { randomAlphanumeric } from '../ids.js';
import { isoSeconds } from '../payloads.js';
import { assertRepoAccess, requireRepo } from '../repo-access.js';
import { zeroSha } from '../push-events.js';
import { readJsonBody } from './read-json-body.js';
import { pusherOf, senderOf } from './repo-routes.js';

/** GitHub's raw-file tokens are short-lived; the simulator gives them ten minutes. */
const rawTokenLifetimeMs = 10 * 60 * 1000;

const base64 = /^[A-Za-z0-9+/\r\n]*={0,2}\s*$/;

/**
 * The contents API's custom media types (https://docs.github.com/rest/repos/contents#get-repository-content):
 * `raw` answers a file's bytes, `object` answers a directory as one object with `entries` (a file as usual);
 * anything else (`application/json`, `vnd.github+json`, `html`, which the simulator does not render) the default.
 * Accepted as `vnd.github.raw`, `vnd.github.raw+json`, `vnd.github.v3.raw` and `vnd.github.v3.raw+json`.
 */
export function contentsFormat(accept: string | undefined): 'raw' | 'object' | 'json' {
  const match = /application\/vnd\.github(?:\.v3)?\.(raw|object)(?:\+json)?\b/.exec(accept ?? '');
  return (match?.[1] as 'raw' | 'object' | undefined) ?? 'json';
}

/** The contents API, enough to create, update and read files (backed by the real bare repository). */
export function registerContentsRoutes(api: Hono, ctx: SimContext) {
  const { store, world } = ctx;

  /**
   * The links of a content entry. `download_url` is the raw file (`/raw/{owner}/{repo}/{ref}/{path}`, GHES's
   * form) and, for a private repository, carries a short-lived `?token=` as GitHub's does; directories have
   * none. `html_url` is the file's page (`/blob/`) or the directory's (`/tree/`).
   */
  const entryUrls = (repo: SimRepo, path: string, sha: string, ref: string, type: string) => {
    const fullName = `${store.account(repo.ownerId)!.login}/${repo.name}`;
    const urls = ctx.urls();
    const self = `${urls.api}/repos/${fullName}/contents/${path}?ref=${ref}`;
    const git = `${urls.api}/repos/${fullName}/git/${type === 'dir' ? 'trees' : 'blobs'}/${sha}`;
    const html = `${urls.web}/${fullName}/${type === 'dir' ? 'tree' : 'blob'}/${ref}/${path}`;
    let download: string | null = null;
    if (type === 'file') {
      download = `${urls.web}/raw/${fullName}/${ref}/${path}`;
      if (repo.private) download += `?token=${rawTokenFor(repo)}`;
    }
    return { url: self, git_url: git, html_url: html, download_url: download, _links: { self, git, html } };
  };
  const fileUrls = (repo: SimRepo, path: string, sha: string, ref: string) =>
    entryUrls(repo, path, sha, ref, 'file');

  /** A file as the contents API answers it: its bytes to the raw media type, else the entry with base64 content. */
  const fileAnswer = (c: Context, repo: SimRepo, path: string, file: { sha: string; content: Buffer }, ref: string) => {
    // GitHub answers the bytes themselves; Octokit's `mediaType: { format: 'raw' }` reads them as text.
    if (contentsFormat(c.req.header('accept')) === 'raw')
      return c.body(new Uint8Array(file.content), 200, { 'content-type': 'application/vnd.github.raw; charset=utf-8' });
    return c.json({
      type: 'file',
      encoding: 'base64',
      size: file.content.length,
      name: path.split('/').pop(),
      path,
      content: file.content.toString('base64'),
      sha: file.sha,
      ...fileUrls(repo, path, file.sha, ref),
    });
  };

  /** The commit a contents write made, as GitHub answers it (the simulator is its author and committer). */
  const fileCommitPayload = (
    repo: SimRepo,
    commit: { commitSha: string; treeSha: string; parentSha: string | null },
    message: string,
    now: number,
  ) => {
    const fullName = `${store.account(repo.ownerId)!.login}/${repo.name}`;
    const urls = ctx.urls();
    const person = { name: 'github-sim', email: 'sim@github.invalid', date: isoSeconds(now) };
    return {
      sha: commit.commitSha,
      node_id: Buffer.from(`C:${commit.commitSha}`).toString('base64url'),
      url: `${urls.api}/repos/${fullName}/git/commits/${commit.commitSha}`,
      html_url: `${urls.web}/${fullName}/commit/${commit.commitSha}`,
      author: person,
      committer: person,
      message,
      tree: { url: `${urls.api}/repos/${fullName}/git/trees/${commit.treeSha}`, sha: commit.treeSha },
      parents: commit.parentSha
        ? [
            {
              url: `${urls.api}/repos/${fullName}/git/commits/${commit.parentSha}`,
              html_url: `${urls.web}/${fullName}/commit/${commit.parentSha}`,
              sha: commit.parentSha,
            },
          ]
        : [],
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    };
  };

  const rawTokenFor = (repo: SimRepo) => {
    const now = ctx.clock.now();
    for (const [value, grant] of ctx.rawTokens) if (grant.expiresAt <= now) ctx.rawTokens.delete(value);
    const token = randomAlphanumeric(29).toUpperCase();
    ctx.rawTokens.set(token, { repoId: repo.id, expiresAt: now + rawTokenLifetimeMs });
    return token;
  };

  /** A file (base64 content) or, for a directory or the root, the list of its entries. */
  defineRoute(
    api,
    ctx,
    'GET /repos/{owner}/{repo}/contents/{path}',
    ['installation', 'user', 'pat', 'anonymous'],
    async (c, p) => {
      const repo = requireRepo(ctx, c.req.param('owner')!, c.req.param('repo')!, p);
      assertRepoAccess(ctx, p, repo, 'contents', 'read');
      const path = (c.req.param('path') ?? '').replace(/^\/+|\/+$/g, '');
      const ref = c.req.query('ref') ?? repo.defaultBranch;
      const found = await world.git.readPath(repo.gitDir, ref, path);
      if (!found) throw notFound();
      const format = contentsFormat(c.req.header('accept'));
      if (found.kind === 'dir') {
        const entries = found.entries.map((e) => ({
          type: e.type,
          size: e.size,
          name: e.name,
          path: e.path,
          sha: e.sha,
          ...entryUrls(repo, e.path, e.sha, ref, e.type),
        }));
        if (format !== 'object') return c.json(entries);
        return c.json({
          type: 'dir',
          size: 0,
          name: path.split('/').pop() ?? '',
          path,
          sha: found.sha,
          ...entryUrls(repo, path, found.sha, ref, 'dir'),
          entries,
        });
      }
      return fileAnswer(c, repo, path, found, ref);
    },
    ['/repos/:owner/:repo/contents', '/repos/:owner/:repo/contents/'],
  );

  /** The README of the root (`README.md`, `README`, any case) on a branch, as a file entry; 404 when there is none. */
  defineRoute(
    api,
    ctx,
    'GET /repos/{owner}/{repo}/readme',
    ['installation', 'user', 'pat', 'anonymous'],
    async (c, p) => {
      const repo = requireRepo(ctx, c.req.param('owner')!, c.req.param('repo')!, p);
      assertRepoAccess(ctx, p, repo, 'contents', 'read');
      const ref = c.req.query('ref') ?? repo.defaultBranch;
      const root = await world.git.readPath(repo.gitDir, ref, '');
      const entry = root?.kind === 'dir' ? root.entries.find((e) => e.type === 'file' && /^readme(\.\w+)?$/i.test(e.name)) : undefined;
      const found = entry ? await world.git.readPath(repo.gitDir, ref, entry.path) : null;
      if (!entry || found?.kind !== 'file') throw notFound();
      return fileAnswer(c, repo, entry.path, found, ref);
    },
  );

  /** Deletes a file in a new commit: `message` and the file's `sha` are required, as on GitHub. */
  defineRoute(
    api,
    ctx,
    'DELETE /repos/{owner}/{repo}/contents/{path}',
    ['installation', 'user', 'pat'],
    async (c, p) => {
      const repo = requireRepo(ctx, c.req.param('owner')!, c.req.param('repo')!, p);
      assertRepoAccess(ctx, p, repo, 'contents', 'write');
      if (repo.archived) throw new SimHttpError(403, 'Repository was archived so is read-only.');
      const path = c.req.param('path')!;
      const body = await readJsonBody(c);
      if (typeof body.message !== 'string' || body.message === '')
        throw validationFailed('Invalid request.\n\n"message" wasn\'t supplied.');
      if (typeof body.sha !== 'string') throw validationFailed('Invalid request.\n\n"sha" wasn\'t supplied.');
      const branch = typeof body.branch === 'string' ? body.branch : repo.defaultBranch;
      const existing = await world.git.readFile(repo.gitDir, branch, path);
      if (!existing) throw notFound();
      if (body.sha !== existing.sha) throw new SimHttpError(409, `${path} does not match ${body.sha}`);
      const now = ctx.clock.now();
      const commit = await world.git.deleteFile(repo.gitDir, branch, path, body.message, now);
      if (!commit) throw notFound();
      repo.pushedAt = now;
      world.refMovedByApi(
        repo,
        { ref: `refs/heads/${branch}`, before: commit.parentSha, after: commit.commitSha },
        senderOf(ctx, p),
        pusherOf(p),
      );
      return c.json({ content: null, commit: fileCommitPayload(repo, commit, body.message, now) });
    },
  );

  defineRoute(
    api,
    ctx,
    'PUT /repos/{owner}/{repo}/contents/{path}',
    ['installation', 'user', 'pat'],
    async (c, p) => {
      const repo = requireRepo(ctx, c.req.param('owner')!, c.req.param('repo')!, p);
      assertRepoAccess(ctx, p, repo, 'contents', 'write');
      // An archived repository is read-only until unarchived.
      if (repo.archived) throw new SimHttpError(403, 'Repository was archived so is read-only.');
      const path = c.req.param('path')!;
      const body = await readJsonBody(c);
      if (typeof body.message !== 'string' || body.message === '')
        throw validationFailed('Invalid request.\n\n"message" wasn\'t supplied.');
      if (typeof body.content !== 'string' || !base64.test(body.content))
        throw validationFailed('Invalid request.\n\n"content" is not valid Base64.');
      const branch = typeof body.branch === 'string' ? body.branch : repo.defaultBranch;
      const existing = await world.git.readFile(repo.gitDir, branch, path);
      if (existing && body.sha === undefined)
        throw validationFailed('Invalid request.\n\n"sha" wasn\'t supplied.');
      if (existing && body.sha !== existing.sha)
        throw new SimHttpError(409, `${path} does not match ${String(body.sha)}`);
      const now = ctx.clock.now();
      const before = (await world.git.headSha(repo.gitDir, branch)) ?? zeroSha;
      const commit = await world.git.writeFile(
        repo.gitDir,
        branch,
        path,
        Buffer.from(body.content, 'base64'),
        body.message,
        now,
      );
      repo.pushedAt = now;
      // GitHub sends a push for a commit made through the contents API too.
      world.refMovedByApi(repo, { ref: `refs/heads/${branch}`, before, after: commit.commitSha }, senderOf(ctx, p), pusherOf(p));
      return c.json(
        {
          content: {
            name: path.split('/').pop(),
            path,
            sha: commit.blobSha,
            size: commit.size,
            type: 'file',
            ...fileUrls(repo, path, commit.blobSha, branch),
          },
          commit: fileCommitPayload(repo, commit, body.message, now),
        },
        existing ? 200 : 201,
      );
    },
  );
}
