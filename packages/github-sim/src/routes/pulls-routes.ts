import type { Hono } from 'hono';
import type { SimContext } from '../context.js';
import { defineRoute } from '../define-route.js';
import { notFound, SimHttpError, validationFailed } from '../errors.js';
import type { SimAccount, SimRepo } from '../model.js';
import { isoSeconds, repository, simpleUser } from '../payloads.js';
import type { Principal } from '../principal.js';
import { assertRepoAccess, requireRepo } from '../repo-access.js';
import { readJsonBody } from './read-json-body.js';
import { pusherOf, senderOf } from './repo-routes.js';
import { paginate } from '../paginate.js';

interface SimPull {
  number: number;
  id: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  headSha: string;
  baseSha: string;
  author: SimAccount & { bot: boolean };
  createdAt: number;
  updatedAt: number;
  /** null while open: the state is derived from it (`stateOf`) */
  closedAt: number | null;
  mergedAt: number | null;
  mergeCommitSha: string | null;
  mergedBy: (SimAccount & { bot: boolean }) | null;
}

const stateOf = (pull: SimPull): 'open' | 'closed' => (pull.closedAt === null ? 'open' : 'closed');

/** The pull requests of each simulator (per repository), numbered from 1 as GitHub's are. */
const pullsOf = new WeakMap<SimContext, Map<number, SimPull[]>>();
let nextPullId = 1_900_000;

/** Who opens it: an installation token opens as the app's bot (`slug[bot]`, type Bot), a user token as the user. */
function authorOf(p: Principal): SimAccount & { bot: boolean } {
  if (p.kind === 'installation') {
    const login = `${p.app.slug}[bot]`;
    return { id: 41_000_000 + p.app.id, nodeId: Buffer.from(`BOT:${p.app.id}`).toString('base64url'), login, type: 'Bot' as never, name: null, createdAt: 0, bot: true };
  }
  if (p.kind === 'user' || p.kind === 'pat') return { ...p.user, bot: false };
  throw new SimHttpError(403, 'Resource not accessible by integration');
}

/**
 * Pull requests between two branches of one repository: open (`POST`), list and read (`GET`), edit, close and
 * reopen (`PATCH`), merge with a merge commit (`PUT .../merge`), each with the `pull_request` webhook GitHub sends.
 */
export function registerPullsRoutes(api: Hono, ctx: SimContext) {
  const { store, world } = ctx;
  if (!pullsOf.has(ctx)) pullsOf.set(ctx, new Map());

  defineRoute(api, ctx, 'POST /repos/{owner}/{repo}/pulls', ['installation', 'user', 'pat'], async (c, p) => {
    const repo = requireRepo(ctx, c.req.param('owner')!, c.req.param('repo')!, p);
    assertRepoAccess(ctx, p, repo, 'pull_requests', 'write');
    const body = await readJsonBody(c);
    const owner = store.account(repo.ownerId)!;
    const title = typeof body.title === 'string' ? body.title.trim() : '';
    const head = typeof body.head === 'string' ? body.head.replace(new RegExp(`^${owner.login}:`), '') : '';
    const base = typeof body.base === 'string' ? body.base : '';
    if (!title) throw validationFailed('Validation Failed', [{ resource: 'PullRequest', field: 'title', code: 'missing_field' }]);
    const [headSha, baseSha] = await Promise.all([world.git.headSha(repo.gitDir, head), world.git.headSha(repo.gitDir, base)]);
    if (!headSha) throw validationFailed('Validation Failed', [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
    if (!baseSha) throw validationFailed('Validation Failed', [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
    if (headSha === baseSha)
      throw validationFailed('Validation Failed', [{ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` }]);
    const pulls = pullsOf.get(ctx)!.get(repo.id) ?? [];
    if (pulls.some((pull) => pull.head === head && pull.base === base))
      throw validationFailed('Validation Failed', [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${owner.login}:${head}.` }]);
    const pull: SimPull = {
      number: pulls.length + 1,
      id: nextPullId++,
      title,
      body: typeof body.body === 'string' ? body.body : null,
      head,
      base,
      headSha,
      baseSha,
      author: authorOf(p),
      createdAt: ctx.clock.now(),
      updatedAt: ctx.clock.now(),
      closedAt: null,
      mergedAt: null,
      mergeCommitSha: null,
      mergedBy: null,
    };
    pullsOf.get(ctx)!.set(repo.id, [...pulls, pull]);
    const payload = pullPayload(ctx, repo, owner, pull);
    world.pullRequestEvent(repo, 'opened', pull.number, payload, senderOf(ctx, p));
    return c.json(payload, 201);
  });

  const pullOf = (repo: SimRepo, number: string | undefined) => {
    const pull = (pullsOf.get(ctx)!.get(repo.id) ?? []).find((candidate) => String(candidate.number) === number);
    if (!pull) throw notFound();
    return pull;
  };
  /** An open pull request follows its head branch (a push to it moves `head.sha`). */
  const current = async (repo: SimRepo, pull: SimPull) => {
    if (stateOf(pull) === 'open') pull.headSha = (await world.git.headSha(repo.gitDir, pull.head)) ?? pull.headSha;
    return pull;
  };

  defineRoute(
    api,
    ctx,
    'GET /repos/{owner}/{repo}/pulls',
    ['installation', 'user', 'pat', 'anonymous'],
    async (c, p) => {
      const repo = requireRepo(ctx, c.req.param('owner')!, c.req.param('repo')!, p);
      assertRepoAccess(ctx, p, repo, 'pull_requests', 'read');
      const owner = store.account(repo.ownerId)!;
      const state = c.req.query('state') ?? 'open';
      if (!['open', 'closed', 'all'].includes(state))
        throw validationFailed("Invalid request.\n\nFor 'state', the value must be one of: open, closed, all.");
      const head = c.req.query('head')?.replace(new RegExp(`^${owner.login}:`), '');
      const base = c.req.query('base');
      const newestFirst = (c.req.query('direction') ?? 'desc') === 'desc';
      const pulls = (pullsOf.get(ctx)!.get(repo.id) ?? [])
        .filter((pull) => state === 'all' || stateOf(pull) === state)
        .filter((pull) => (head === undefined || pull.head === head) && (base === undefined || pull.base === base))
        .sort((a, b) => (newestFirst ? b.number - a.number : a.number - b.number));
      const page = paginate(c, pulls);
      for (const pull of page) await current(repo, pull);
      return c.json(page.map((pull) => pullPayload(ctx, repo, owner, pull)));
    },
  );

  defineRoute(
    api,
    ctx,
    'GET /repos/{owner}/{repo}/pulls/{pull_number}',
    ['installation', 'user', 'pat', 'anonymous'],
    async (c, p) => {
      const repo = requireRepo(ctx, c.req.param('owner')!, c.req.param('repo')!, p);
      assertRepoAccess(ctx, p, repo, 'pull_requests', 'read');
      const pull = await current(repo, pullOf(repo, c.req.param('pull_number')));
      return c.json(pullPayload(ctx, repo, store.account(repo.ownerId)!, pull));
    },
  );

  defineRoute(api, ctx, 'PATCH /repos/{owner}/{repo}/pulls/{pull_number}', ['installation', 'user', 'pat'], async (c, p) => {
    const repo = requireRepo(ctx, c.req.param('owner')!, c.req.param('repo')!, p);
    assertRepoAccess(ctx, p, repo, 'pull_requests', 'write');
    const pull = await current(repo, pullOf(repo, c.req.param('pull_number')));
    const body = await readJsonBody(c);
    if (body.title !== undefined && (typeof body.title !== 'string' || body.title.trim() === ''))
      throw validationFailed('Validation Failed', [{ resource: 'PullRequest', field: 'title', code: 'missing_field' }]);
    if (body.body !== undefined && body.body !== null && typeof body.body !== 'string')
      throw validationFailed("Invalid request.\n\nFor 'properties/body', value is not a string or null.");
    if (body.state !== undefined && body.state !== 'open' && body.state !== 'closed')
      throw validationFailed("Invalid request.\n\nFor 'properties/state', value must be one of: open, closed.");
    if (body.state === 'open' && pull.mergedAt !== null)
      throw validationFailed('Validation Failed', [{ resource: 'PullRequest', code: 'custom', field: 'state', message: 'state cannot be changed. The pull request cannot be reopened.' }]);
    const changes: Record<string, { from: unknown }> = {};
    if (typeof body.title === 'string' && body.title.trim() !== pull.title) {
      changes.title = { from: pull.title };
      pull.title = body.title.trim();
    }
    if (body.body !== undefined && body.body !== pull.body) {
      changes.body = { from: pull.body };
      pull.body = body.body as string | null;
    }
    const now = ctx.clock.now();
    const owner = store.account(repo.ownerId)!;
    const sender = senderOf(ctx, p);
    const actions: string[] = Object.keys(changes).length > 0 ? ['edited'] : [];
    if (body.state !== undefined && body.state !== stateOf(pull)) {
      pull.closedAt = body.state === 'closed' ? now : null;
      actions.push(body.state === 'closed' ? 'closed' : 'reopened');
    }
    if (actions.length > 0) pull.updatedAt = now;
    const payload = pullPayload(ctx, repo, owner, pull);
    for (const action of actions)
      world.pullRequestEvent(repo, action, pull.number, payload, sender, action === 'edited' ? changes : undefined);
    return c.json(payload);
  });

  defineRoute(api, ctx, 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge', ['installation', 'user', 'pat'], async (c, p) => {
    const repo = requireRepo(ctx, c.req.param('owner')!, c.req.param('repo')!, p);
    assertRepoAccess(ctx, p, repo, 'contents', 'write');
    if (repo.archived) throw new SimHttpError(403, 'Repository was archived so is read-only.');
    const pull = await current(repo, pullOf(repo, c.req.param('pull_number')));
    const body = await readJsonBody(c, true);
    if (body.merge_method !== undefined && body.merge_method !== 'merge')
      throw validationFailed('Merge method is not supported by the simulator; only "merge" is.');
    if (stateOf(pull) !== 'open') throw new SimHttpError(405, 'Pull Request is not mergeable');
    if (body.sha !== undefined && body.sha !== pull.headSha)
      throw new SimHttpError(409, 'Head branch was modified. Review and try the merge again.');
    const now = ctx.clock.now();
    const title = typeof body.commit_title === 'string' ? body.commit_title : `Merge pull request #${pull.number} from ${store.account(repo.ownerId)!.login}/${pull.head}`;
    const message = typeof body.commit_message === 'string' ? `${title}\n\n${body.commit_message}` : `${title}\n\n${pull.title}`;
    const merged = await world.git.mergeBranches(repo.gitDir, pull.base, pull.head, message, now);
    if (!merged) throw new SimHttpError(405, 'Pull Request is not mergeable');
    const sender = senderOf(ctx, p);
    Object.assign(pull, { closedAt: now, mergedAt: now, updatedAt: now, mergeCommitSha: merged.commitSha, mergedBy: authorOf(p) });
    repo.pushedAt = now;
    // GitHub sends the base branch's push, then the pull request's `closed` with `merged: true`.
    world.refMovedByApi(repo, { ref: `refs/heads/${pull.base}`, before: merged.before, after: merged.commitSha }, sender, pusherOf(p));
    world.pullRequestEvent(repo, 'closed', pull.number, pullPayload(ctx, repo, store.account(repo.ownerId)!, pull), sender);
    return c.json({ sha: merged.commitSha, merged: true, message: 'Pull Request successfully merged' });
  });
}

/** A bot's login has brackets, percent-encoded in its URLs as GitHub's are (`/users/app%5Bbot%5D`). */
function userOf(urls: ReturnType<SimContext['urls']>, account: SimAccount & { bot: boolean }) {
  return account.bot
    ? { ...simpleUser(urls, { ...account, login: encodeURIComponent(account.login) }), login: account.login, type: 'Bot' }
    : simpleUser(urls, account);
}

function pullPayload(ctx: SimContext, repo: SimRepo, owner: SimAccount, pull: SimPull) {
  const urls = ctx.urls();
  const fullName = `${owner.login}/${repo.name}`;
  const api = `${urls.api}/repos/${fullName}`;
  const self = `${api}/pulls/${pull.number}`;
  const html = `${urls.web}/${fullName}/pull/${pull.number}`;
  const user = userOf(urls, pull.author);
  const side = (ref: string, sha: string) => ({ label: `${owner.login}:${ref}`, ref, sha, user: simpleUser(urls, owner), repo: repository(urls, repo, owner) });
  const at = isoSeconds(pull.createdAt);
  return {
    url: self,
    id: pull.id,
    node_id: Buffer.from(`PR:${pull.id}`).toString('base64url'),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${api}/issues/${pull.number}`,
    commits_url: `${self}/commits`,
    review_comments_url: `${self}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${pull.number}/comments`,
    statuses_url: `${api}/statuses/${pull.headSha}`,
    number: pull.number,
    state: stateOf(pull),
    locked: false,
    title: pull.title,
    user,
    body: pull.body,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: at,
    updated_at: isoSeconds(pull.updatedAt),
    closed_at: pull.closedAt === null ? null : isoSeconds(pull.closedAt),
    merged_at: pull.mergedAt === null ? null : isoSeconds(pull.mergedAt),
    merge_commit_sha: pull.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: side(pull.head, pull.headSha),
    base: side(pull.base, pull.baseSha),
    _links: {
      self: { href: self },
      html: { href: html },
      issue: { href: `${api}/issues/${pull.number}` },
      comments: { href: `${api}/issues/${pull.number}/comments` },
      review_comments: { href: `${self}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${self}/commits` },
      statuses: { href: `${api}/statuses/${pull.headSha}` },
    },
    author_association: pull.author.bot ? 'NONE' : 'MEMBER',
    auto_merge: null,
    draft: false,
    merged: pull.mergedAt !== null,
    mergeable: null,
    rebaseable: null,
    mergeable_state: 'unknown',
    merged_by: pull.mergedBy ? userOf(urls, pull.mergedBy) : null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: 1,
    additions: 0,
    deletions: 0,
    changed_files: 0,
  };
}
