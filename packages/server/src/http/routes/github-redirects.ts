import { type Context, Hono, type Next } from 'hono';
import type { ConnectService } from '../../connect/connect-service.js';
import { type AppEnv, tenantUser } from '../app-env.js';
import { requireAdmin } from '../middleware/require-user.js';

/** GitHub sent the browser back before it signed in here: sign in, then come back to the same URL. */
async function signInFirst(c: Context<AppEnv>, next: Next) {
  if (c.get('principal')) return next();
  const url = new URL(c.req.url);
  return c.redirect(`/auth/login?return_to=${encodeURIComponent(url.pathname + url.search)}`);
}

/** `/github`: where GitHub sends the admin's browser after installing (setup URL) or authorizing (callback). */
export function githubRedirects(deps: { connect: ConnectService }) {
  const pages = new Hono<AppEnv>();
  pages.use('*', signInFirst, requireAdmin);
  pages.get('/setup', async (c) => c.redirect((await deps.connect.handleSetup(tenantUser(c), c.req.query())).redirect));
  pages.get('/callback', async (c) => c.redirect((await deps.connect.handleCallback(tenantUser(c), c.req.query())).redirect));
  return pages;
}
