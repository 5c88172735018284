import { createMiddleware } from 'hono/factory';
import { getCookie } from 'hono/cookie';
import type { BearerTokens } from '../../identity/bearer-tokens.js';
import { type SessionStore, sessionCookieName } from '../../stores/session-store.js';
import type { AppEnv } from '../app-env.js';

/**
 * Establishes the caller: a bearer JWT from the issuer (API clients) or the session cookie (the browser).
 * An invalid bearer token is refused outright rather than falling back to the cookie.
 */
export function loadPrincipal(deps: { sessions: SessionStore; bearer?: BearerTokens }) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const authorization = c.req.header('authorization');
    if (deps.bearer && authorization?.toLowerCase().startsWith('bearer ')) {
      c.set('principal', await deps.bearer.verify(authorization.slice(7).trim()));
    } else {
      c.set('principal', await deps.sessions.read(getCookie(c, sessionCookieName)));
    }
    await next();
  });
}
