import type { Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { SimContext } from '../context.js';
import { escapeHtml, page } from '../html.js';
import { randomAlphanumeric } from '../ids.js';
import type { SimUser } from '../model.js';

const cookieName = 'sim_session';

export function signedInUser(ctx: SimContext, c: Context): SimUser | null {
  const id = getCookie(c, cookieName);
  const userId = id ? ctx.sessions.get(id) : undefined;
  return userId ? (ctx.store.users.get(userId) ?? null) : null;
}

/** Sends the browser to the sign-in page, coming back here afterwards. */
export function toSignIn(c: Context) {
  const url = new URL(c.req.url);
  return c.redirect(`/login?return_to=${encodeURIComponent(url.pathname + url.search)}`);
}

const safeReturn = (value: unknown) =>
  typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') ? value : '/';

/** The simulator's sign-in: pick a simulated user (the sandbox has no passwords). */
export function registerWebSession(web: Hono, ctx: SimContext) {
  web.get('/login', (c) => {
    const returnTo = safeReturn(c.req.query('return_to'));
    const users = [...ctx.store.users.values()];
    const buttons = users
      .map(
        (u) =>
          `<button name="login" value="${escapeHtml(u.login)}">Sign in as ${escapeHtml(u.login)}</button> `,
      )
      .join('');
    return c.html(
      page(
        'Sign in',
        `<h1>Sign in to GitHub</h1><form method="post" action="/session"><input type="hidden" name="return_to" value="${escapeHtml(returnTo)}">${buttons}</form>`,
      ),
    );
  });

  web.post('/session', async (c) => {
    const form = await c.req.parseBody();
    const user = typeof form.login === 'string' ? ctx.store.userByLogin(form.login) : undefined;
    if (!user) return c.html(page('Sign in', '<h1>Incorrect username.</h1>'), 422);
    const id = randomAlphanumeric(32);
    ctx.sessions.set(id, user.id);
    setCookie(c, cookieName, id, { httpOnly: true, sameSite: 'Lax', path: '/' });
    return c.redirect(safeReturn(form.return_to));
  });

  web.post('/logout', (c) => {
    const id = getCookie(c, cookieName);
    if (id) ctx.sessions.delete(id);
    return c.redirect('/login');
  });
}
