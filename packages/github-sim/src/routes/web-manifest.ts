import type { Context, Hono } from 'hono';
import { parseManifest, slugFor } from '../app-manifest.js';
import type { SimContext } from '../context.js';
import { escapeHtml, page } from '../html.js';
import { randomAlphanumeric } from '../ids.js';
import type { SimAccount } from '../model.js';
import { signedInUser, toSignIn } from './web-session.js';

/** A manifest code is good for one conversion, within an hour (GitHub's docs). */
const codeLifetimeMs = 60 * 60 * 1000;

/**
 * Registering an app from a manifest, as on GitHub (and GHES, same paths):
 * https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
 * The browser POSTs a form with `manifest` and `state` to `/settings/apps/new` (personal account) or
 * `/organizations/{org}/settings/apps/new`; the signed-in user confirms on the next page; GitHub then
 * redirects to the manifest's `redirect_url` with `code` and the echoed `state`. The code is exchanged with
 * `POST /app-manifests/{code}/conversions` (manifest-routes.ts).
 */
export function registerWebManifest(web: Hono, ctx: SimContext) {
  const { store } = ctx;

  const base = (org: string | undefined) =>
    org ? `/organizations/${encodeURIComponent(org)}/settings/apps/new` : '/settings/apps/new';

  const receive = async (c: Context) => {
    const org = c.req.param('org');
    if (org !== undefined && store.accountByLogin(org)?.type !== 'Organization')
      return c.html(page('Not found', '<h1>404</h1>'), 404);
    const form = await c.req.parseBody();
    const parsed = parseManifest(form.manifest);
    if (!parsed.ok) {
      return c.html(
        page('Invalid manifest', `<h1>Invalid GitHub App manifest</h1><p>${escapeHtml(parsed.problem)}</p>`),
        422,
      );
    }
    const state =
      typeof form.state === 'string' ? form.state : (c.req.query('state') ?? null);
    const draftId = randomAlphanumeric(24);
    ctx.manifestDrafts.set(draftId, {
      manifest: parsed.manifest,
      state,
      orgLogin: org ?? null,
      expiresAt: ctx.clock.now() + codeLifetimeMs,
    });
    // The confirmation is a page of its own (GET), so that signing in on the way keeps the manifest.
    return c.redirect(`${base(org)}/confirm/${draftId}`, 303);
  };
  web.post('/settings/apps/new', receive);
  web.post('/organizations/:org/settings/apps/new', receive);

  /** The draft on the URL and the account the app would belong to, when the signed-in user may create it. */
  const draftFor = (c: Context) => {
    const user = signedInUser(ctx, c);
    if (!user) return { response: toSignIn(c) };
    const draft = ctx.manifestDrafts.get(c.req.param('draft')!);
    if (!draft || draft.expiresAt <= ctx.clock.now() || (draft.orgLogin ?? undefined) !== c.req.param('org'))
      return { response: c.html(page('Not found', '<h1>404</h1>'), 404) };
    let owner: SimAccount = user;
    if (draft.orgLogin) {
      const org = store.accountByLogin(draft.orgLogin);
      // Only an organization owner may register apps for it (app managers are not modelled).
      if (!org || store.roleOn(user.id, org) !== 'admin')
        return { response: c.html(page('Not found', '<h1>404</h1>'), 404) };
      owner = org;
    }
    return { user, draft, owner };
  };

  const confirmPage = (c: Context) => {
    const found = draftFor(c);
    if (found.response) return found.response;
    const { draft, owner } = found;
    const m = draft.manifest;
    return c.html(
      page(
        'Create GitHub App',
        `<h1>Create GitHub App for ${escapeHtml(owner.login)}</h1>
<form method="post"><div class="box"><label>GitHub App name <input name="name" value="${escapeHtml(m.name ?? '')}" required></label>
<p class="muted">Homepage: ${escapeHtml(m.url)}</p>
<p class="muted">Webhook: ${escapeHtml(m.hookActive && m.hookUrl ? m.hookUrl : 'inactive')}</p>
<p class="muted">Permissions: ${escapeHtml(Object.entries(m.permissions).map(([k, v]) => `${k}: ${v}`).join(', ') || 'none')}</p>
<p class="muted">Events: ${escapeHtml(m.events.join(', ') || 'none')}</p></div>
<button type="submit" id="create">Create GitHub App for ${escapeHtml(owner.login)}</button></form>`,
      ),
    );
  };

  const create = async (c: Context) => {
    const found = draftFor(c);
    if (found.response) return found.response;
    const { draft, owner } = found;
    const m = draft.manifest;
    const form = await c.req.parseBody();
    const name = typeof form.name === 'string' && form.name.trim() !== '' ? form.name.trim() : m.name;
    const slug = name ? slugFor(name) : '';
    if (!name || slug === '' || store.appBySlug(slug)) {
      return c.html(
        page('Create GitHub App', `<h1>Name ${name ? 'is already taken' : "can't be blank"}</h1>`),
        422,
      );
    }
    ctx.manifestDrafts.delete(c.req.param('draft')!);
    const webhookSecret = m.hookUrl ? randomAlphanumeric(40) : null;
    const { app, privateKey } = store.addApp({
      slug,
      name,
      ownerLogin: owner.login,
      permissions: m.permissions,
      events: m.events,
      webhookUrl: m.hookActive ? m.hookUrl : null,
      webhookSecret,
      setupUrl: m.setupUrl,
      callbackUrls: m.callbackUrls,
      requestOAuthOnInstall: m.requestOAuthOnInstall,
      setupOnUpdate: m.setupOnUpdate,
    });
    const code = randomAlphanumeric(20).toLowerCase();
    ctx.manifestCodes.set(code, {
      appId: app.id,
      pem: privateKey!,
      webhookSecret,
      expiresAt: ctx.clock.now() + codeLifetimeMs,
    });
    if (!m.redirectUrl)
      return c.html(page('Created', `<h1>Created ${escapeHtml(app.name)}</h1><p>code: ${code}</p>`));
    const target = new URL(m.redirectUrl);
    target.searchParams.set('code', code);
    if (draft.state !== null) target.searchParams.set('state', draft.state);
    return c.redirect(target.toString());
  };
  web.get('/settings/apps/new/confirm/:draft', confirmPage);
  web.post('/settings/apps/new/confirm/:draft', create);
  web.get('/organizations/:org/settings/apps/new/confirm/:draft', confirmPage);
  web.post('/organizations/:org/settings/apps/new/confirm/:draft', create);
}
