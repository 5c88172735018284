import type { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Database } from '../db/database.js';
import { type AppEnv, loadSession, requireCsrf, requireSession } from '../http-context.js';
import type { BearerTokens } from '../identity/bearer-tokens.js';
import type { OidcLogin } from '../identity/oidc-login.js';
import { createSession, deleteSession, sessionCookieName } from '../identity/sessions.js';

const safeReturnTo = (value: string | undefined) =>
  value && /^\/(?!\/)[\w\-./?=&%]*$/.test(value) ? value : '/workspace/settings/repos';

export function registerAuthRoutes(
  app: Hono<AppEnv>,
  deps: { db: Database; login: () => Promise<OidcLogin>; publicUrl: string; bearer?: BearerTokens },
) {
  const secure = deps.publicUrl.startsWith('https:');

  app.get('/auth/login', async (c) => {
    const login = await deps.login();
    return c.redirect(await login.begin(deps.db, safeReturnTo(c.req.query('return_to'))));
  });

  app.get('/auth/callback', async (c) => {
    const login = await deps.login();
    const { identity, returnTo } = await login.finish(
      deps.db,
      new URL(c.req.url.replace(/^https?:\/\/[^/]+/, deps.publicUrl)),
    );
    const { cookieValue } = await createSession(deps.db, identity);
    setCookie(c, sessionCookieName, cookieValue, {
      httpOnly: true,
      secure,
      sameSite: 'Lax',
      path: '/',
      maxAge: 8 * 3600,
    });
    return c.redirect(safeReturnTo(returnTo));
  });

  app.post('/auth/logout', async (c) => {
    const session = requireSession(c);
    requireCsrf(c, session, deps.publicUrl);
    await deleteSession(deps.db, getCookie(c, sessionCookieName));
    deleteCookie(c, sessionCookieName, { path: '/' });
    return c.json({ signedOut: true });
  });

  app.get('/api/session', async (c) => {
    const session = await loadSession(c, deps.db, deps.bearer);
    if (!session) return c.json({ signedIn: false });
    return c.json({
      signedIn: true,
      user: { id: session.userId, name: session.name, email: session.email },
      organizationId: session.organizationId,
      role: session.role,
      isAdmin: session.isAdmin,
      csrfToken: session.csrfToken,
    });
  });
}
