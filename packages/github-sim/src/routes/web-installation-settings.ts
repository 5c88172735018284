import type { Context, Hono } from 'hono';
import type { SimContext } from '../context.js';
import { escapeHtml, page } from '../html.js';
import type { RepositorySelection, SimAccount, SimInstallation, SimUser } from '../model.js';
import { redirectAfterInstall, selectionForm } from './web-install.js';
import { signedInUser, toSignIn } from './web-session.js';

type Found =
  | { response: Response }
  | { response?: undefined; user: SimUser; inst: SimInstallation; account: SimAccount; admin: boolean };

/**
 * An installation's settings page (`/organizations/{org}/settings/installations/{id}`, and
 * `/settings/installations/{id}` for a personal account), where its owner changes the repository selection,
 * suspends, unsuspends or uninstalls it: each through `world`, so the app gets GitHub's webhooks
 * (`installation_repositories`, `installation.suspend|unsuspend|deleted`). An organization member who is not
 * an owner sees the installation read-only, as on GitHub, rather than a 404.
 */
export function registerWebInstallationSettings(web: Hono, ctx: SimContext) {
  const { store, world } = ctx;

  const installationOnUrl = (c: Context, mustAdmin: boolean): Found => {
    const user = signedInUser(ctx, c);
    if (!user) return { response: toSignIn(c) };
    const inst = store.installations.get(Number(c.req.param('id')));
    const account = inst ? store.account(inst.accountId) : undefined;
    const role = account ? store.roleOn(user.id, account) : null;
    if (!inst || !account || !role || (mustAdmin && role !== 'admin'))
      return { response: c.html(page('Not found', '<h1>404</h1>'), 404) };
    return { user, inst, account, admin: role === 'admin' };
  };
  const basePath = (c: Context) => new URL(c.req.url).pathname.replace(/\/(suspend|unsuspend|uninstall)$/, '');

  const settingsPage = (c: Context) => {
    const found = installationOnUrl(c, false);
    if (found.response) return found.response;
    const { inst, account, admin } = found;
    const app = store.requireApp(inst.appId);
    const title = `<h1>${escapeHtml(app.name)} on ${escapeHtml(account.login)}</h1>`;
    const suspended = inst.suspendedAt
      ? '<p id="suspended"><strong>This installation is suspended.</strong></p>'
      : '';
    if (!admin) {
      const repos = store.installationRepos(inst).map((r) => `<li>${escapeHtml(r.name)}</li>`);
      return c.html(
        page(
          `${app.name}`,
          `${title}${suspended}<p id="member-notice">Only owners of ${escapeHtml(account.login)} can change this installation's settings.</p>
<div class="box"><strong>Repository access</strong>: ${inst.selection === 'all' ? 'All repositories' : `<ul>${repos.join('')}</ul>`}</div>`,
        ),
      );
    }
    const base = basePath(c);
    const suspendForm = inst.suspendedAt
      ? `<form method="post" action="${escapeHtml(base)}/unsuspend"><button id="unsuspend">Unsuspend</button></form>`
      : `<form method="post" action="${escapeHtml(base)}/suspend"><button id="suspend">Suspend</button></form>`;
    return c.html(
      page(
        `${app.name} settings`,
        `${title}${suspended}${selectionForm(store, base, [account], null, inst)}
<div class="box"><strong>Danger zone</strong>${suspendForm}
<form method="post" action="${escapeHtml(base)}/uninstall"><button id="uninstall">Uninstall</button></form></div>`,
      ),
    );
  };

  const saveSettings = async (c: Context) => {
    const found = installationOnUrl(c, true);
    if (found.response) return found.response;
    const { user, inst, account } = found;
    const form = await c.req.parseBody({ all: true });
    const selection: RepositorySelection = form.repository_selection === 'all' ? 'all' : 'selected';
    const ids = ([] as unknown[])
      .concat(form.repository_ids ?? [])
      .map(Number)
      .filter((id) => store.repos.get(id)?.ownerId === account.id);
    world.updateSelection(inst, selection, ids, user);
    const app = store.requireApp(inst.appId);
    if (app.setupOnUpdate && app.setupUrl)
      return redirectAfterInstall(c, ctx, app, user, inst.id, 'update', null);
    return c.html(page('Saved', '<h1>Saved</h1>'));
  };

  const action = (run: (found: Exclude<Found, { response: Response }>) => string) => (c: Context) => {
    const found = installationOnUrl(c, true);
    if (found.response) return found.response;
    const done = run(found);
    if (done === 'uninstalled') return c.html(page('Uninstalled', '<h1>Uninstalled</h1>'));
    return c.redirect(basePath(c), 303);
  };
  const suspend = action(({ inst, user }) => {
    if (!inst.suspendedAt) world.suspend(inst, user);
    return 'suspended';
  });
  const unsuspend = action(({ inst, user }) => {
    if (inst.suspendedAt) world.unsuspend(inst, user);
    return 'unsuspended';
  });
  const uninstall = action(({ inst, user }) => {
    world.uninstall(inst, user);
    return 'uninstalled';
  });

  for (const prefix of ['/organizations/:org/settings/installations/:id', '/settings/installations/:id']) {
    web.get(prefix, settingsPage);
    web.post(prefix, saveSettings);
    web.post(`${prefix}/suspend`, suspend);
    web.post(`${prefix}/unsuspend`, unsuspend);
    web.post(`${prefix}/uninstall`, uninstall);
  }
}
