import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { OidcLogin } from '../../identity/oidc-login.js';
import type { Logger } from '../../logger.js';
import { loginCookieName } from '../../identity/oidc-login.js';
import { type SessionStore, sessionCookieName } from '../../stores/session-store.js';
import type { Session, SignOutResult } from '@hubgate/contract';
import type { AppEnv } from '../app-env.js';
import { csrf } from '../middleware/csrf.js';
import { requireUser } from '../middleware/require-user.js';

const settingsPage = '/workspace/settings/repos';
/** The post-logout redirect URI an operator registers at the provider (`<public URL>/auth/signed-out`). */
export const signedOutPath = '/auth/signed-out';
const safeReturnTo = (value: string | undefined) =>
  value && value.length <= 512 && /^\/(?!\/)[\w\-./?=&%]*$/.test(value) ? value : settingsPage;

export interface AuthRouteDeps {
  sessions: SessionStore;
  login: () => Promise<OidcLogin>;
  publicUrl: string;
  productName: string;
  logger?: Pick<Logger, 'warn'>;
}

/** Sign-in (`/auth/*`) and the session as the page reads it (`/api/session`). */
export function authRoutes(deps: AuthRouteDeps) {
  const secure = deps.publicUrl.startsWith('https:');
  const auth = new Hono<AppEnv>();

  auth.get('/login', async (c) => {
    const login = await deps.login();
    const { url, cookie } = await login.begin(safeReturnTo(c.req.query('return_to')));
    setCookie(c, loginCookieName, cookie, { httpOnly: true, secure, sameSite: 'Lax', path: '/auth', maxAge: 600 });
    return c.redirect(url);
  });

  auth.get('/callback', async (c) => {
    const login = await deps.login();
    const cookie = getCookie(c, loginCookieName);
    deleteCookie(c, loginCookieName, { path: '/auth' });
    const { identity, returnTo } = await login.finish(new URL(c.req.url.replace(/^https?:\/\/[^/]+/, deps.publicUrl)), cookie);
    const { cookieValue } = await deps.sessions.create(identity);
    setCookie(c, sessionCookieName, cookieValue, { httpOnly: true, secure, sameSite: 'Lax', path: '/', maxAge: 8 * 3600 });
    return c.redirect(safeReturnTo(returnTo));
  });

  auth.post('/logout', requireUser, csrf(deps.publicUrl), async (c) => {
    await deps.sessions.delete(getCookie(c, sessionCookieName));
    deleteCookie(c, sessionCookieName, { path: '/' });
    return c.json({ signedOut: true, next: await providerSignOutUrl() } satisfies SignOutResult);
  });

  // Where the provider sends the browser back after ending its session; the page then says "signed out".
  auth.get('/signed-out', (c) => c.redirect(`${settingsPage}?signed_out=1`));

  /**
   * The provider's end-session URL, so that the next sign-in asks who is signing in instead of resuming the
   * provider's session. hubgate's own session is gone already: a provider without an end-session endpoint, or
   * one that cannot be reached now, still leaves the user signed out of hubgate.
   */
  async function providerSignOutUrl(): Promise<string> {
    try {
      return (await deps.login()).endSessionUrl(`${deps.publicUrl}${signedOutPath}`) ?? signedOutPath;
    } catch (error) {
      deps.logger?.warn({ err: { message: (error as Error).message } }, 'sign-out: the identity provider is unreachable; ended the hubgate session only');
      return signedOutPath;
    }
  }
  return auth;
}

export function sessionRoute(deps: { productName: string }) {
  const api = new Hono<AppEnv>();
  api.get('/', (c) => {
    c.header('cache-control', 'no-store');
    const p = c.get('principal');
    // The product's name is no secret: the signed-out page says whose settings these are.
    if (!p || p.kind !== 'user') return c.json({ signedIn: false, productName: deps.productName } satisfies Session);
    return c.json({
      signedIn: true,
      user: { id: p.userId, name: p.name, email: p.email },
      organization: p.organizationId ? { id: p.organizationId, name: p.organizationName ?? p.organizationId } : null,
      organizationId: p.organizationId,
      role: p.role,
      isAdmin: p.isAdmin,
      csrfToken: p.csrfToken,
      productName: deps.productName,
    } satisfies Session);
  });
  return api;
}
