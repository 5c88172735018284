import type { Context, Hono } from 'hono';
import type { SimContext } from '../context.js';
import { SimHttpError } from '../errors.js';
import { escapeHtml, page } from '../html.js';
import type { SimRepo } from '../model.js';
import { assertNotSuspended, credentialOf, resolvePrincipal } from '../principal.js';
import { assertRepoAccess } from '../repo-access.js';
import { signedInUser } from './web-session.js';

/**
 * Where the contents API's links lead: the raw file of `download_url` (`/raw/{owner}/{repo}/{ref}/{path}`,
 * GHES's form; a private repository needs the link's `?token=` or a token in `Authorization`), and the
 * `html_url` pages of a file (`/blob/`) and a directory (`/tree/`) for a signed-in user who can see them.
 */
export function registerWebRepository(web: Hono, ctx: SimContext) {
  const { store, world } = ctx;
  const notFoundText = (c: Context) => c.text('404: Not Found', 404);

  /** The file path of `/raw/{owner}/{repo}/{ref}/...` and `/{owner}/{repo}/blob|tree/{ref}/...`. */
  const filePath = (c: Context) =>
    decodeURIComponent(new URL(c.req.url).pathname).split('/').filter(Boolean).slice(4).join('/');

  const mayReadRaw = (c: Context, repo: SimRepo): boolean => {
    if (!repo.private) return true;
    const token = c.req.query('token');
    const grant = token ? ctx.rawTokens.get(token) : undefined;
    if (grant && grant.repoId === repo.id && grant.expiresAt > ctx.clock.now()) return true;
    const credential = credentialOf(c.req.header('authorization'));
    if (!credential) return false;
    try {
      const principal = resolvePrincipal(ctx, credential);
      assertNotSuspended(principal);
      assertRepoAccess(ctx, principal, repo, 'contents', 'read');
      return true;
    } catch (error) {
      if (error instanceof SimHttpError) return false;
      throw error;
    }
  };

  web.get('/raw/:owner/:repo/:ref/*', async (c) => {
    const repo = store.findRepo(c.req.param('owner'), c.req.param('repo'));
    // GitHub answers 404 for a private file without a valid token, as for a missing one.
    if (!repo || !mayReadRaw(c, repo)) return notFoundText(c);
    const found = await world.git.readPath(repo.gitDir, c.req.param('ref'), filePath(c));
    if (!found || found.kind !== 'file') return notFoundText(c);
    return c.body(new Uint8Array(found.content), 200, { 'content-type': 'text/plain; charset=utf-8' });
  });

  const pageOf = (kind: 'blob' | 'tree') => async (c: Context) => {
    const repo = store.findRepo(c.req.param('owner')!, c.req.param('repo')!);
    const user = signedInUser(ctx, c);
    const owner = repo ? store.account(repo.ownerId) : undefined;
    const visible = repo && owner && (!repo.private || (user && store.roleOn(user.id, owner)));
    if (!repo || !owner || !visible) return c.html(page('Not found', '<h1>404</h1>'), 404);
    const ref = c.req.param('ref')!;
    const path = filePath(c);
    const found = await world.git.readPath(repo.gitDir, ref, path);
    const fullName = `${owner.login}/${repo.name}`;
    if (!found || (kind === 'blob') !== (found.kind === 'file'))
      return c.html(page('Not found', '<h1>404</h1>'), 404);
    const body =
      found.kind === 'file'
        ? `<pre id="content">${escapeHtml(found.content.toString('utf8'))}</pre>`
        : `<ul>${found.entries
            .map(
              (e) =>
                `<li><a href="/${escapeHtml(fullName)}/${e.type === 'dir' ? 'tree' : 'blob'}/${escapeHtml(ref)}/${escapeHtml(e.path)}">${escapeHtml(e.name)}</a></li>`,
            )
            .join('')}</ul>`;
    return c.html(page(`${fullName}/${path}`, `<h1>${escapeHtml(fullName)}/${escapeHtml(path)}</h1>${body}`));
  };
  web.get('/:owner/:repo/blob/:ref/*', pageOf('blob'));
  web.get('/:owner/:repo/tree/:ref', pageOf('tree'));
  web.get('/:owner/:repo/tree/:ref/*', pageOf('tree'));
}

/**
 * A repository's home page (`html_url`): its name, visibility, default branch and top-level files, and the README.
 * As on GitHub, a private one is shown only to a signed-in user of its owner; a signed-out visitor is sent to sign
 * in first. Registered last: `/{owner}/{repo}` would shadow every fixed two-segment page.
 */
export function registerWebRepositoryHome(web: Hono, ctx: SimContext) {
  const { store, world } = ctx;
  web.get('/:owner/:repo', async (c) => {
    const repo = store.findRepo(c.req.param('owner'), c.req.param('repo'));
    const owner = repo ? store.account(repo.ownerId) : undefined;
    if (!repo || !owner) return c.html(page('Not found', '<h1>404</h1>'), 404);
    const user = signedInUser(ctx, c);
    if (repo.private && !user) return c.redirect(`/login?return_to=${encodeURIComponent(new URL(c.req.url).pathname)}`);
    if (repo.private && !store.roleOn(user!.id, owner)) return c.html(page('Not found', '<h1>404</h1>'), 404);
    const fullName = `${owner.login}/${repo.name}`;
    const root = await world.git.readPath(repo.gitDir, repo.defaultBranch, '');
    const entries = root?.kind === 'dir' ? root.entries : [];
    const readme = entries.some((e) => e.name === 'README.md') ? await world.git.readPath(repo.gitDir, repo.defaultBranch, 'README.md') : null;
    const list = entries.length
      ? `<ul id="files">${entries
          .map(
            (e) =>
              `<li><a href="/${escapeHtml(fullName)}/${e.type === 'dir' ? 'tree' : 'blob'}/${escapeHtml(repo.defaultBranch)}/${escapeHtml(e.path)}">${escapeHtml(e.name)}</a></li>`,
          )
          .join('')}</ul>`
      : '<p>This repository is empty.</p>';
    const readmeHtml = readme?.kind === 'file' ? `<h2>README.md</h2><pre id="readme">${escapeHtml(readme.content.toString('utf8'))}</pre>` : '';
    return c.html(
      page(
        fullName,
        `<h1>${escapeHtml(fullName)}</h1><p><span id="visibility">${repo.private ? 'Private' : 'Public'}</span> · default branch <code>${escapeHtml(repo.defaultBranch)}</code></p>${list}${readmeHtml}`,
      ),
    );
  });
}
