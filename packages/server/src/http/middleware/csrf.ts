import { createMiddleware } from 'hono/factory';
import { AppError } from '../../errors/app-error.js';
import { csrfMatches } from '../../stores/session-store.js';
import type { AppEnv } from '../app-env.js';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * State-changing calls of a cookie session need the session's CSRF token in `X-CSRF-Token`, and, when the
 * browser sends an Origin, it must be ours. hono's `csrf` middleware checks Origin only for form content types,
 * and our API takes JSON, so this pairs its Origin rule with a synchronizer token. Bearer callers carry no cookies.
 */
export function csrf(publicUrl: string) {
  const ours = new URL(publicUrl).origin;
  return createMiddleware<AppEnv>(async (c, next) => {
    const principal = c.get('principal');
    if (!safeMethods.has(c.req.method) && principal?.kind === 'user' && principal.via === 'session') {
      const origin = c.req.header('origin');
      if (origin && origin !== ours) throw new AppError('csrf', 'This request came from another site.');
      if (!csrfMatches(principal.csrfToken, c.req.header('x-csrf-token')))
        throw new AppError('csrf', 'The CSRF token is missing or wrong; reload the page.');
    }
    await next();
  });
}
