import type { Context, Hono } from 'hono';
import type { SimContext } from '../context.js';
import { escapeHtml, page } from '../html.js';
import { randomAlphanumeric } from '../ids.js';
import type { RepositorySelection, SimAccount, SimApp, SimInstallation, SimUser } from '../model.js';
import type { SimStore } from '../store.js';
import { signedInUser, toSignIn } from './web-session.js';

/**
 * The install page (`/github-apps/<slug>/installations/new`, and github.com's `/apps/<slug>/...`) and the
 * installation settings pages, with GitHub's redirects: to the Setup URL with `installation_id`,
 * `setup_action` and the echoed `state`, or to the callback with a `code` when the app asks for user
 * authorization during installation.
 */
export function registerWebInstall(web: Hono, ctx: SimContext) {
  const { store, world } = ctx;

  const installNew = (c: Context) => {
    const app = store.appBySlug(c.req.param('slug')!);
    if (!app) return c.html(page('Not found', '<h1>404</h1>'), 404);
    const user = signedInUser(ctx, c);
    if (!user) return toSignIn(c);
    const accounts = store.accountsVisibleTo(user.id);
    const action = `/github-apps/${app.slug}/installations`;
    return c.html(
      page(
        `Install ${app.name}`,
        `<h1>Install ${escapeHtml(app.name)}</h1>${selectionForm(store, action, accounts, c.req.query('state') ?? '')}`,
      ),
    );
  };
  web.get('/github-apps/:slug/installations/new', installNew);
  web.get('/apps/:slug/installations/new', installNew);
  web.get('/github-apps/:slug', (c) => c.redirect(`/github-apps/${c.req.param('slug')}/installations/new`));

  web.post('/github-apps/:slug/installations', async (c) => {
    const app = store.appBySlug(c.req.param('slug'));
    if (!app) return c.html(page('Not found', '<h1>404</h1>'), 404);
    const user = signedInUser(ctx, c);
    if (!user) return toSignIn(c);
    const form = await c.req.parseBody({ all: true });
    const account = store.account(Number(form.account_id));
    const role = account ? store.roleOn(user.id, account) : null;
    if (!account || !role)
      return c.html(page('Install', '<h1>You cannot install on that account.</h1>'), 422);
    const selection: RepositorySelection = form.repository_selection === 'all' ? 'all' : 'selected';
    const repositoryIds = ([] as unknown[]).concat(form.repository_ids ?? []).map(Number);
    const state = typeof form.state === 'string' && form.state !== '' ? form.state : null;
    if (role !== 'admin') {
      // A member can only request; an owner approves later and the state is lost on the way.
      store.createInstallRequest(app.id, account.id, user.id, selection, repositoryIds);
      return c.html(
        page(
          'Request sent',
          `<h1>Request sent</h1><p>Your request to install ${escapeHtml(app.name)} on ${escapeHtml(account.login)} was sent to its owners.</p>`,
        ),
      );
    }
    const { installation, setupAction } = world.install(app, account, user, selection, repositoryIds);
    return redirectAfterInstall(c, ctx, app, user, installation.id, setupAction, state);
  });
}

export function redirectAfterInstall(
  c: Context,
  ctx: SimContext,
  app: SimApp,
  user: SimUser,
  installationId: number,
  setupAction: 'install' | 'update',
  state: string | null,
) {
  const params = new URLSearchParams();
  let target: string | null = null;
  if (app.requestOAuthOnInstall && app.callbackUrls[0]) {
    const code = randomAlphanumeric(20).toLowerCase();
    ctx.oauthCodes.set(code, {
      appId: app.id,
      userId: user.id,
      redirectUri: null,
      expiresAt: ctx.clock.now() + 600_000,
    });
    target = app.callbackUrls[0];
    params.set('code', code);
  } else if (app.setupUrl) {
    target = app.setupUrl;
  }
  if (!target) return c.html(page('Installed', `<h1>Installed ${escapeHtml(app.name)}</h1>`));
  params.set('installation_id', String(installationId));
  params.set('setup_action', setupAction);
  if (state !== null) params.set('state', state);
  const url = new URL(target);
  for (const [k, v] of params) url.searchParams.set(k, v);
  return c.redirect(url.toString());
}

/** The account and repository-access form of the install page and of the installation settings page. */
export function selectionForm(
  store: SimStore,
  action: string,
  accounts: SimAccount[],
  state: string | null,
  current?: SimInstallation,
): string {
  const accountOptions = accounts
    .map(
      (a, i) =>
        `<label><input type="radio" name="account_id" value="${a.id}" ${i === 0 ? 'checked' : ''}> ${escapeHtml(a.login)} <span class="muted">(${a.type})</span></label>`,
    )
    .join('');
  const repos = accounts.flatMap((a) => store.reposOf(a.id).map((r) => ({ r, a })));
  const repoOptions = repos
    .map(({ r, a }) => {
      const checked = current?.repositoryIds.has(r.id) ? 'checked' : '';
      return `<label><input type="checkbox" name="repository_ids" value="${r.id}" ${checked}> ${escapeHtml(a.login)}/${escapeHtml(r.name)}</label>`;
    })
    .join('');
  const selected = current?.selection ?? 'selected';
  return `<form method="post" action="${escapeHtml(action)}">
${state !== null ? `<input type="hidden" name="state" value="${escapeHtml(state)}">` : ''}
<div class="box"><strong>Install on</strong>${accountOptions}</div>
<div class="box"><strong>Repository access</strong>
<label><input type="radio" name="repository_selection" value="all" ${selected === 'all' ? 'checked' : ''}> All repositories</label>
<label><input type="radio" name="repository_selection" value="selected" ${selected === 'selected' ? 'checked' : ''}> Only select repositories</label>
<div class="box">${repoOptions || '<span class="muted">No repositories yet</span>'}</div></div>
<button type="submit" id="install">${current ? 'Save' : 'Install'}</button></form>`;
}
