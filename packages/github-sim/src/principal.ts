import type { Context } from 'hono';
import { checkAppJwt } from './app-jwt.js';
import type { SimContext } from './context.js';
import { badCredentials, SimHttpError } from './errors.js';
import type { SimApp, SimInstallation, SimOrg, SimToken, SimUser } from './model.js';
import { isTokenLive } from './tokens.js';

export type Principal =
  | { kind: 'app'; app: SimApp }
  | { kind: 'installation'; app: SimApp; installation: SimInstallation; token: SimToken }
  | { kind: 'user'; app: SimApp; user: SimUser; token: SimToken }
  | { kind: 'pat'; user: SimUser; token: SimToken }
  /** no credential at all, on a route GitHub answers without one (public repositories); by client address */
  | { kind: 'anonymous'; address: string };

export type PrincipalKind = Principal['kind'];

/** A caller without a credential, known by its address (`x-forwarded-for` when a proxy says it). */
export function anonymousCaller(c: Context): Extract<Principal, { kind: 'anonymous' }> {
  return { kind: 'anonymous', address: c.req.header('x-forwarded-for') ?? 'client' };
}

/** Who a credential names (never anonymous). */
export type CredentialPrincipal = Exclude<Principal, { kind: 'anonymous' }>;

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
export function resolvePrincipal(ctx: SimContext, credential: string): CredentialPrincipal {
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
    return { kind: 'installation', app: ctx.store.requireApp(token.appId!), installation, token };
  }
  const user = ctx.store.users.get(token.userId!);
  if (!user) throw badCredentials();
  if (token.kind === 'user') return { kind: 'user', app: ctx.store.requireApp(token.appId!), user, token };
  return { kind: 'pat', user, token };
}

/**
 * A suspended installation's tokens answer 403. Checked after the rate limit is counted, so that this early
 * 403 carries the installation's rate-limit headers as GitHub's answers do.
 */
export function assertNotSuspended(p: Principal) {
  if (p.kind === 'installation' && p.installation.suspendedAt)
    throw new SimHttpError(403, 'This installation has been suspended');
}

/**
 * Headers GitHub sends about the credential itself: a classic token's scopes (`x-oauth-scopes`), and when an
 * expiring token (a user token, a PAT with an expiry) runs out (`github-authentication-token-expiration`, as
 * `2026-03-30 12:00:00 UTC`).
 */
export function credentialHeaders(p: Principal): Record<string, string> {
  const headers: Record<string, string> = {};
  if (p.kind === 'pat') headers['x-oauth-scopes'] = p.token.scopes.join(', ');
  if ((p.kind === 'user' || p.kind === 'pat') && p.token.expiresAt !== null)
    headers['github-authentication-token-expiration'] = new Date(p.token.expiresAt)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d{3}Z$/, ' UTC');
  return headers;
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
        limit: installationLimit(ctx, p.installation),
        what: `installation ID ${p.installation.id}`,
      };
    case 'user':
      return { key: `user:${p.user.id}`, limit: ctx.limits.settings.user, what: `user ID ${p.user.id}` };
    case 'pat':
      return { key: `user:${p.user.id}`, limit: ctx.limits.settings.pat, what: `user ID ${p.user.id}` };
    case 'app':
      return { key: `app:${p.app.id}`, limit: ctx.limits.settings.app, what: `app ID ${p.app.id}` };
    case 'anonymous':
      return {
        key: `ip:${p.address}`,
        limit: ctx.limits.settings.unauthenticated,
        what: `${p.address}. (But here's the good news: Authenticated requests get a higher rate limit.)`,
      };
  }
}

/**
 * An installation's hourly budget: 5,000, plus 50 per repository above 20 and 50 per organization user above
 * 20, at most 12,500 (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#primary-rate-limit-for-github-app-installations).
 */
export function installationLimit(ctx: SimContext, inst: SimInstallation): number {
  const { installation: base, installationMax } = ctx.limits.settings;
  const account = ctx.store.account(inst.accountId);
  const repos = ctx.store.installationRepos(inst).length;
  const users = account?.type === 'Organization' ? (account as SimOrg).members.size : 1;
  const grown = base + 50 * Math.max(0, repos - 20) + 50 * Math.max(0, users - 20);
  return Math.min(grown, Math.max(base, installationMax));
}
