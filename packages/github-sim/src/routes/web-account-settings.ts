import type { Context, Hono } from 'hono';
import type { SimContext } from '../context.js';
import { escapeHtml, page } from '../html.js';
import type { SimAccount } from '../model.js';
import { signedInUser, toSignIn } from './web-session.js';

const repoName = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * An owner's other pages: the organization's installed apps with its members' pending install requests
 * (approve or deny), renaming the account (`installation_target.renamed` follows), and renaming a repository
 * (`repository.renamed`). The paths are GitHub's where GitHub has a page (`/organizations/{org}/settings/...`,
 * `/settings/admin`, `/{owner}/{repo}/settings`); the form targets are the simulator's own.
 */
export function registerWebAccountSettings(web: Hono, ctx: SimContext) {
  const { store, world } = ctx;
  const notFoundPage = (c: Context) => c.html(page('Not found', '<h1>404</h1>'), 404);

  /** The organization on the URL, when the signed-in user owns it. */
  const ownedOrg = (c: Context) => {
    const user = signedInUser(ctx, c);
    if (!user) return { response: toSignIn(c) };
    const org = store.accountByLogin(c.req.param('org')!);
    if (!org || org.type !== 'Organization' || store.roleOn(user.id, org) !== 'admin')
      return { response: notFoundPage(c) };
    return { user, org };
  };

  web.get('/organizations/:org/settings/installations', (c) => {
    const found = ownedOrg(c);
    if (found.response) return found.response;
    const { org } = found;
    const installed = [...store.installations.values()]
      .filter((i) => i.accountId === org.id)
      .map((i) => {
        const app = store.requireApp(i.appId);
        return `<li><a href="/organizations/${escapeHtml(org.login)}/settings/installations/${i.id}">${escapeHtml(app.name)}</a></li>`;
      });
    const requests = [...store.installRequests.values()]
      .filter((r) => r.accountId === org.id)
      .map((r) => {
        const app = store.requireApp(r.appId);
        const requester = store.account(r.requesterId);
        const base = `/organizations/${escapeHtml(org.login)}/settings/installations/requests/${r.id}`;
        return `<li>${escapeHtml(app.name)}, requested by ${escapeHtml(requester?.login ?? 'ghost')}
<form method="post" action="${base}/approve"><button id="approve-${r.id}">Approve &amp; install</button></form>
<form method="post" action="${base}/deny"><button id="deny-${r.id}">Deny</button></form></li>`;
      });
    return c.html(
      page(
        'Installed GitHub Apps',
        `<h1>Installed GitHub Apps</h1><ul>${installed.join('') || '<li class="muted">None</li>'}</ul>
<h2>Pending GitHub App installation requests</h2><ul>${requests.join('') || '<li class="muted">None</li>'}</ul>`,
      ),
    );
  });

  const request = (c: Context, org: SimAccount) => {
    const found = store.installRequests.get(Number(c.req.param('rid')));
    return found && found.accountId === org.id ? found : undefined;
  };
  web.post('/organizations/:org/settings/installations/requests/:rid/approve', (c) => {
    const found = ownedOrg(c);
    if (found.response) return found.response;
    const pending = request(c, found.org);
    if (!pending) return notFoundPage(c);
    store.installRequests.delete(pending.id);
    const app = store.requireApp(pending.appId);
    const requester = store.account(pending.requesterId) ?? null;
    // The installation arrives by webhook, with the requester and no state (the member's state is lost).
    const { installation } = world.install(
      app,
      found.org,
      found.user,
      pending.selection,
      pending.repositoryIds,
      requester,
    );
    return c.redirect(`/organizations/${found.org.login}/settings/installations/${installation.id}`, 303);
  });
  web.post('/organizations/:org/settings/installations/requests/:rid/deny', (c) => {
    const found = ownedOrg(c);
    if (found.response) return found.response;
    const pending = request(c, found.org);
    if (!pending) return notFoundPage(c);
    store.installRequests.delete(pending.id);
    return c.redirect(`/organizations/${found.org.login}/settings/installations`, 303);
  });

  // ---- renaming the account ----
  const renameForm = (account: SimAccount, action: string) =>
    page(
      'Rename',
      `<h1>Rename ${escapeHtml(account.login)}</h1><form method="post" action="${escapeHtml(action)}">
<label>New name <input name="login" required></label><button id="rename">Rename</button></form>`,
    );
  const rename = async (c: Context, account: SimAccount, sender: SimAccount, after: (login: string) => string) => {
    const form = await c.req.parseBody();
    const login = typeof form.login === 'string' ? form.login.trim() : '';
    const problem = store.loginProblem(login);
    if (problem) return c.html(page('Rename', `<h1>${escapeHtml(problem)}</h1>`), 422);
    world.renameAccount(account, login, sender);
    return c.redirect(after(login), 303);
  };
  web.get('/organizations/:org/settings/profile', (c) => {
    const found = ownedOrg(c);
    if (found.response) return found.response;
    return c.html(renameForm(found.org, `/organizations/${found.org.login}/settings/rename`));
  });
  web.post('/organizations/:org/settings/rename', async (c) => {
    const found = ownedOrg(c);
    if (found.response) return found.response;
    return rename(c, found.org, found.user, (login) => `/organizations/${login}/settings/profile`);
  });
  web.get('/settings/admin', (c) => {
    const user = signedInUser(ctx, c);
    if (!user) return toSignIn(c);
    return c.html(renameForm(user, '/settings/rename'));
  });
  web.post('/settings/rename', async (c) => {
    const user = signedInUser(ctx, c);
    if (!user) return toSignIn(c);
    return rename(c, user, user, () => '/settings/admin');
  });

  // ---- renaming a repository ----
  const adminRepo = (c: Context) => {
    const user = signedInUser(ctx, c);
    if (!user) return { response: toSignIn(c) };
    const repo = store.findRepo(c.req.param('owner')!, c.req.param('repo')!);
    const owner = repo ? store.account(repo.ownerId) : undefined;
    if (!repo || !owner || store.roleOn(user.id, owner) !== 'admin') return { response: notFoundPage(c) };
    return { user, repo, owner };
  };
  web.get('/:owner/:repo/settings', (c) => {
    const found = adminRepo(c);
    if (found.response) return found.response;
    const { repo, owner } = found;
    return c.html(
      page(
        'Settings',
        `<h1>${escapeHtml(owner.login)}/${escapeHtml(repo.name)}</h1><form method="post" action="/${escapeHtml(owner.login)}/${escapeHtml(repo.name)}/settings/rename">
<label>Repository name <input name="new_name" value="${escapeHtml(repo.name)}" required></label><button id="rename">Rename</button></form>`,
      ),
    );
  });
  web.post('/:owner/:repo/settings/rename', async (c) => {
    const found = adminRepo(c);
    if (found.response) return found.response;
    const { user, repo, owner } = found;
    const form = await c.req.parseBody();
    const name = typeof form.new_name === 'string' ? form.new_name.trim() : '';
    const clash = store.findRepo(owner.login, name);
    if (!repoName.test(name) || name === '.' || name === '..' || (clash && clash.id !== repo.id))
      return c.html(page('Settings', '<h1>The repository name is invalid or already taken.</h1>'), 422);
    if (name !== repo.name) world.renameRepository(repo, name, user);
    return c.redirect(`/${owner.login}/${name}/settings`, 303);
  });
}
