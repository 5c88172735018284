import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimContext } from './context.js';
import { SimHttpError } from './errors.js';
import { parseGitRequest, serveWithHttpBackend } from './git-http.js';
import { assertNotSuspended, credentialOf, resolvePrincipal } from './principal.js';
import { commitsOf, isFastForward, readRefs, refUpdates } from './push-events.js';
import { assertRepoAccess } from './repo-access.js';
import { senderOf } from './routes/repo-routes.js';

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(`${text}\n`);
}

/**
 * Git smart HTTP at `/{owner}/{repo}.git`, authenticated like GitHub: Basic auth with the token as password
 * (`x-access-token:<token>` for installation tokens), fetch needs contents:read, push contents:write, and the
 * token's repository scope is enforced. Returns false when the request is not a git request.
 */
export function handleGitRequest(ctx: SimContext, req: IncomingMessage, res: ServerResponse): boolean {
  const target = parseGitRequest(req.method ?? 'GET', req.url ?? '/');
  if (!target) return false;
  ctx.requestCounts.set(`GIT ${target.service}`, (ctx.requestCounts.get(`GIT ${target.service}`) ?? 0) + 1);
  const credential = credentialOf(req.headers.authorization);
  if (!credential) {
    plain(res, 401, 'Authentication required', { 'www-authenticate': 'Basic realm="GitHub"' });
    return true;
  }
  const repo = ctx.store.findRepo(target.owner, target.repo);
  try {
    const principal = resolvePrincipal(ctx, credential);
    assertNotSuspended(principal);
    const moved = repo ? undefined : ctx.store.movedRepo(target.owner, target.repo);
    if (moved) {
      // Git follows redirects of its first request (http.followRedirects=initial) and keeps the new base URL.
      assertRepoAccess(ctx, principal, moved, 'contents', 'read');
      const url = new URL(req.url ?? '/', 'http://sim');
      const owner = ctx.store.account(moved.ownerId)!.login;
      const location = `/${owner}/${moved.name}.git/${target.tail}${url.search}`;
      plain(res, req.method === 'GET' ? 301 : 307, 'Moved', { location });
      return true;
    }
    if (!repo) throw new SimHttpError(404, 'Repository not found.');
    const level = target.service === 'git-receive-pack' ? 'write' : 'read';
    assertRepoAccess(ctx, principal, repo, 'contents', level);
    if (level === 'write' && repo.archived) {
      plain(res, 403, 'This repository was archived so it is read-only.');
      return true;
    }
    const who =
      principal.kind === 'installation' || principal.kind === 'app'
        ? `${principal.app.slug}[bot]`
        : principal.user.login;
    if (target.service === 'git-receive-pack' && target.tail !== 'info/refs') {
      const before = readRefs(repo.gitDir);
      res.on('finish', () => {
        const updates = refUpdates(before, readRefs(repo.gitDir));
        if (updates.length === 0) return;
        repo.pushedAt = ctx.clock.now();
        ctx.world.pushed(
          repo,
          updates,
          senderOf(ctx, principal),
          who,
          (update) => !isFastForward(repo.gitDir, update.before, update.after),
          (update) => commitsOf(repo.gitDir, update),
        );
      });
    }
    serveWithHttpBackend(req, res, repo.gitDir, target, who);
  } catch (error) {
    const status = error instanceof SimHttpError ? error.status : 500;
    if (status === 401) {
      plain(
        res,
        401,
        'Invalid username or token. Password authentication is not supported for Git operations.',
        {
          'www-authenticate': 'Basic realm="GitHub"',
        },
      );
    } else if (status === 404) {
      plain(res, 404, 'Repository not found.');
    } else if (status === 403) {
      plain(res, 403, `Permission to ${target.owner}/${target.repo}.git denied.`);
    } else {
      plain(res, 500, 'Internal error');
    }
  }
  return true;
}
