import { createMiddleware } from 'hono/factory';
import { AppError } from '../../errors/app-error.js';
import type { AppEnv } from '../app-env.js';

/** A signed-in person of a known tenant (an agent key or a sign-in without an organization is refused). */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const principal = c.get('principal');
  if (!principal || principal.kind !== 'user') throw new AppError('unauthenticated', 'Sign in first.');
  if (!principal.organizationId) throw new AppError('forbidden', 'Your sign-in carries no organization.');
  await next();
});

/** An admin of the tenant: members see the state but change nothing. */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const principal = c.get('principal');
  if (!principal || principal.kind !== 'user') throw new AppError('unauthenticated', 'Sign in first.');
  if (!principal.organizationId) throw new AppError('forbidden', 'Your sign-in carries no organization.');
  if (!principal.isAdmin) throw new AppError('forbidden', 'Only organization admins can change this.');
  await next();
});
