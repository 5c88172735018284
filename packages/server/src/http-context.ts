import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Database } from './db/database.js';
import { AppError } from './errors.js';
import type { BearerTokens } from './identity/bearer-tokens.js';
import { csrfMatches, readSession, type Session, sessionCookieName } from './identity/sessions.js';

export type AppEnv = { Variables: { session: Session | null } };

export async function loadSession(c: Context<AppEnv>, db: Database, bearer?: BearerTokens): Promise<Session | null> {
  const authorization = c.req.header('authorization');
  if (bearer && authorization?.toLowerCase().startsWith('bearer ')) {
    const session = await bearer.verify(authorization.slice(7).trim());
    c.set('session', session);
    return session;
  }
  const session = await readSession(db, getCookie(c, sessionCookieName));
  c.set('session', session);
  return session;
}

export function requireSession(c: Context<AppEnv>): Session {
  const session = c.get('session');
  if (!session) throw new AppError('unauthenticated', 'Sign in first.');
  return session;
}

/**
 * State-changing API calls need the session's CSRF token in `X-CSRF-Token`, and, when the browser sends an
 * Origin, it must be ours (SameSite=Lax cookies already keep most cross-site posts out).
 */
export function requireCsrf(c: Context<AppEnv>, session: Session, publicUrl: string) {
  if (session.viaBearer) return;
  const origin = c.req.header('origin');
  if (origin && origin !== new URL(publicUrl).origin)
    throw new AppError('csrf', 'This request came from another site.');
  if (!csrfMatches(session.csrfToken, c.req.header('x-csrf-token')))
    throw new AppError('csrf', 'The CSRF token is missing or wrong; reload the page.');
}
