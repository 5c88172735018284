import type { Context, Hono } from 'hono';
import type { SimContext } from '../context.js';
import { escapeHtml, page } from '../html.js';
import { randomAlphanumeric } from '../ids.js';
import { isTokenLive, refreshTokenLifetimeMs, userTokenLifetimeMs } from '../tokens.js';
import { signedInUser, toSignIn } from './web-session.js';

/** The redirect URI must sit under one of the app's registered callback URLs (same origin, path prefix). */
function redirectAllowed(registered: string[], redirectUri: string): boolean {
  try {
    const asked = new URL(redirectUri);
    return registered.some((r) => {
      const base = new URL(r);
      return base.origin === asked.origin && asked.pathname.startsWith(base.pathname);
    });
  } catch {
    return false;
  }
}

/**
 * OAuth for GitHub App user tokens: the authorize page and `POST /login/oauth/access_token`, which like GitHub
 * answers errors with status 200 and an `error` field, and kills a refresh token once used.
 */
export function registerWebOAuth(web: Hono, ctx: SimContext) {
  const { store, world } = ctx;

  web.get('/login/oauth/authorize', (c) => {
    const app = store.appByClientId(c.req.query('client_id') ?? '');
    if (!app) return c.html(page('Error', '<h1>404</h1>'), 404);
    const redirectUri = c.req.query('redirect_uri') ?? app.callbackUrls[0];
    if (!redirectUri || !redirectAllowed(app.callbackUrls, redirectUri)) {
      return c.html(
        page(
          'Error',
          '<h1>The redirect_uri MUST match the registered callback URL for this application.</h1>',
        ),
        400,
      );
    }
    const user = signedInUser(ctx, c);
    if (!user) return toSignIn(c);
    const code = randomAlphanumeric(20).toLowerCase();
    ctx.oauthCodes.set(code, {
      appId: app.id,
      userId: user.id,
      redirectUri: c.req.query('redirect_uri') ?? null,
      expiresAt: ctx.clock.now() + 600_000,
    });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    const state = c.req.query('state');
    if (state !== undefined) target.searchParams.set('state', state);
    return c.redirect(target.toString());
  });

  web.post('/login/oauth/access_token', async (c) => {
    const params = await readParams(c);
    const reply = (body: Record<string, unknown>) => {
      if ((c.req.header('accept') ?? '').includes('application/json')) return c.json(body);
      return c.body(
        new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)])).toString(),
        200,
        {
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        },
      );
    };
    const error = (code: string, description: string) =>
      reply({
        error: code,
        error_description: description,
        error_uri: `https://docs.github.com/apps/troubleshooting-oauth-errors#${code.replaceAll('_', '-')}`,
      });

    const app = store.appByClientId(params.client_id ?? '');
    if (!app || params.client_secret !== app.clientSecret) {
      return error(
        'incorrect_client_credentials',
        'The client_id and/or client_secret passed are incorrect.',
      );
    }
    const tokenResponse = (pair: ReturnType<typeof world.issueUserTokens>) =>
      reply({
        access_token: pair.access.value,
        expires_in: userTokenLifetimeMs / 1000,
        refresh_token: pair.refresh.value,
        refresh_token_expires_in: refreshTokenLifetimeMs / 1000,
        token_type: 'bearer',
        scope: '',
      });

    if (params.grant_type === 'refresh_token') {
      const old = store.tokens.get(params.refresh_token ?? '');
      if (!old || old.kind !== 'refresh' || old.appId !== app.id || !isTokenLive(old, ctx.clock.now())) {
        return error('bad_refresh_token', 'The refresh token passed is incorrect or expired.');
      }
      // The old pair stops working at once: a client that loses the answer loses the grant.
      old.revoked = true;
      const oldAccess = old.pairedWith ? store.tokens.get(old.pairedWith) : undefined;
      if (oldAccess) oldAccess.revoked = true;
      return tokenResponse(world.issueUserTokens(app, store.users.get(old.userId!)!));
    }
    if (params.grant_type !== undefined && params.grant_type !== 'authorization_code') {
      return error('unsupported_grant_type', 'The grant type is not supported.');
    }
    // A code is good for one exchange only.
    const grant = ctx.oauthCodes.get(params.code ?? '');
    ctx.oauthCodes.delete(params.code ?? '');
    if (!grant || grant.appId !== app.id || grant.expiresAt <= ctx.clock.now()) {
      return error('bad_verification_code', 'The code passed is incorrect or expired.');
    }
    if (grant.redirectUri && params.redirect_uri && params.redirect_uri !== grant.redirectUri) {
      return error(
        'redirect_uri_mismatch',
        'The redirect_uri MUST match the registered callback URL for this application.',
      );
    }
    return tokenResponse(world.issueUserTokens(app, store.users.get(grant.userId)!));
  });

  web.get('/settings/connections/applications/:clientId', (c) => {
    const user = signedInUser(ctx, c);
    if (!user) return toSignIn(c);
    const app = store.appByClientId(c.req.param('clientId'));
    if (!app) return c.html(page('Not found', '<h1>404</h1>'), 404);
    return c.html(
      page(
        'Authorized app',
        `<h1>${escapeHtml(app.name)}</h1><form method="post"><button>Revoke</button></form>`,
      ),
    );
  });

  web.post('/settings/connections/applications/:clientId', (c) => {
    const user = signedInUser(ctx, c);
    if (!user) return toSignIn(c);
    const app = store.appByClientId(c.req.param('clientId'));
    if (!app) return c.html(page('Not found', '<h1>404</h1>'), 404);
    world.revokeAuthorization(app, user);
    return c.html(page('Revoked', '<h1>Revoked</h1>'));
  });
}

async function readParams(c: Context): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of new URL(c.req.url).searchParams) out[k] = v;
  const type = c.req.header('content-type') ?? '';
  if (type.includes('application/json')) {
    try {
      const body = (await c.req.json()) as Record<string, unknown>;
      for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
    } catch {
      // an unreadable body leaves only the query parameters
    }
  } else if (type.includes('form')) {
    const body = await c.req.parseBody();
    for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}
