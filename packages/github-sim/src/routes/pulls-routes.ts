import type { Hono } from 'hono';
import type { SimContext } from '../context.js';
import { defineRoute } from '../define-route.js';
import { SimHttpError, validationFailed } from '../errors.js';
import type { SimAccount, SimRepo } from '../model.js';
import { isoSeconds, repository, simpleUser } from '../payloads.js';
import type { Principal } from '../principal.js';
import { assertRepoAccess, requireRepo } from '../repo-access.js';
import { readJsonBody } from './read-json-body.js';
import { senderOf } from './repo-routes.js';

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
}

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

/** `POST /repos/{owner}/{repo}/pulls`: opens a pull request between two existing branches of the repository. */
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
    };
    pullsOf.get(ctx)!.set(repo.id, [...pulls, pull]);
    const payload = pullPayload(ctx, repo, owner, pull);
    world.pullRequestEvent(repo, 'opened', pull.number, payload, senderOf(ctx, p));
    return c.json(payload, 201);
  });
}

function pullPayload(ctx: SimContext, repo: SimRepo, owner: SimAccount, pull: SimPull) {
  const urls = ctx.urls();
  const fullName = `${owner.login}/${repo.name}`;
  const api = `${urls.api}/repos/${fullName}`;
  const self = `${api}/pulls/${pull.number}`;
  const html = `${urls.web}/${fullName}/pull/${pull.number}`;
  // A bot's login has brackets, percent-encoded in its URLs as GitHub's are (`/users/app%5Bbot%5D`).
  const user = pull.author.bot
    ? { ...simpleUser(urls, { ...pull.author, login: encodeURIComponent(pull.author.login) }), login: pull.author.login, type: 'Bot' }
    : simpleUser(urls, pull.author);
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
    state: 'open',
    locked: false,
    title: pull.title,
    user,
    body: pull.body,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: at,
    updated_at: at,
    closed_at: null,
    merged_at: null,
    merge_commit_sha: null,
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
    merged: false,
    mergeable: null,
    rebaseable: null,
    mergeable_state: 'unknown',
    merged_by: null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: 1,
    additions: 0,
    deletions: 0,
    changed_files: 0,
  };
}
