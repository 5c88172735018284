import type { Context } from 'hono';
import { checkAppJwt } from './app-jwt.js';
import type { SimContext } from './context.js';
import { badCredentials, SimHttpError } from './errors.js';
import type { SimApp, SimInstallation, SimToken, SimUser } from './model.js';
import { isTokenLive } from './tokens.js';

export type Principal =
  | { kind: 'app'; app: SimApp }
  | { kind: 'installation'; app: SimApp; installation: SimInstallation; token: SimToken }
  | { kind: 'user'; app: SimApp; user: SimUser; token: SimToken }
  | { kind: 'pat'; user: SimUser; token: SimToken };

export type PrincipalKind = Principal['kind'];

/** The credential of a request: `Bearer`/`token` for REST, Basic for git (password = token). */
export function credentialOf(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const [scheme, value] = authorization.trim().split(/\s+/, 2);
  if (!scheme || !value) return null;
  const lower = scheme.toLowerCase();
  if (lower === 'bearer' || lower === 'token') return value;
  if (lower === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? null : decoded.slice(colon + 1);
  }
  return null;
}

const looksLikeJwt = (value: string) => /^eyJ[\w-]*\.[\w-]+\.[\w-]*$/.test(value);

/** Resolves a credential to who is calling, with GitHub's 401s for anything not live. */
export function resolvePrincipal(ctx: SimContext, credential: string): Principal {
  if (looksLikeJwt(credential)) {
    const check = checkAppJwt(ctx.store, credential, ctx.clock.now(), {
      appIdOnlyIssuer: ctx.behaviour.appIdOnlyIssuer,
    });
    if (!check.ok) throw new SimHttpError(401, check.message);
    return { kind: 'app', app: check.app };
  }
  const token = ctx.store.tokens.get(credential);
  const now = ctx.clock.now();
  if (!token || !isTokenLive(token, now) || token.kind === 'refresh') throw badCredentials();
  if (token.kind === 'installation') {
    if (now - token.createdAt < ctx.behaviour.newTokenLagMs) throw badCredentials();
    const installation = ctx.store.installations.get(token.installationId!);
    if (!installation) throw badCredentials();
    if (installation.suspendedAt) throw new SimHttpError(403, 'This installation has been suspended');
    return { kind: 'installation', app: ctx.store.requireApp(token.appId!), installation, token };
  }
  const user = ctx.store.users.get(token.userId!);
  if (!user) throw badCredentials();
  if (token.kind === 'user') return { kind: 'user', app: ctx.store.requireApp(token.appId!), user, token };
  return { kind: 'pat', user, token };
}

export function principalOf(c: Context): Principal {
  return c.get('principal' as never) as Principal;
}

/** The rate-limit bucket and its size for a principal (installations share one per installation). */
export function rateBucket(
  ctx: SimContext,
  p: Principal,
): { key: string; limit: number; what: string } {
  switch (p.kind) {
    case 'installation':
      return {
        key: `installation:${p.installation.id}`,
        limit: ctx.limits.settings.installation,
        what: `installation ID ${p.installation.id}`,
      };
    case 'user':
      return { key: `user:${p.user.id}`, limit: ctx.limits.settings.user, what: `user ID ${p.user.id}` };
    case 'pat':
      return { key: `user:${p.user.id}`, limit: ctx.limits.settings.pat, what: `user ID ${p.user.id}` };
    case 'app':
      return { key: `app:${p.app.id}`, limit: ctx.limits.settings.app, what: `app ID ${p.app.id}` };
  }
}
