import type { Context, Hono } from 'hono';
import type { SimContext } from '../context.js';
import { defineRoute } from '../define-route.js';
import { notFound, validationFailed } from '../errors.js';
import type { SimApp, SimToken } from '../model.js';
import { isTokenLive } from '../tokens.js';
import { readJsonBody } from './read-json-body.js';

/**
 * Revoking an app's user tokens with the app's own credentials:
 * https://docs.github.com/en/rest/apps/oauth-applications — Basic authentication with the client id and
 * client secret; "Invalid credentials will return 404 NOT FOUND". `DELETE .../grant` removes the user's whole
 * authorization (every token of the app for that user); `DELETE .../token` revokes one access token (its
 * refresh token dies with it: the simulator keeps the pair together).
 */
export function registerOAuthAppRoutes(api: Hono, ctx: SimContext) {
  const { store, world } = ctx;

  const appFromBasicAuth = (c: Context): SimApp => {
    const header = c.req.header('authorization') ?? '';
    const [scheme, value] = header.trim().split(/\s+/, 2);
    if (scheme?.toLowerCase() !== 'basic' || !value) throw notFound();
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const clientId = decoded.slice(0, colon);
    const app = store.appByClientId(c.req.param('client_id')!);
    if (!app || colon === -1 || clientId !== app.clientId || decoded.slice(colon + 1) !== app.clientSecret)
      throw notFound();
    return app;
  };

  const userTokenOf = async (c: Context, app: SimApp): Promise<SimToken> => {
    const body = await readJsonBody(c);
    if (typeof body.access_token !== 'string' || body.access_token === '')
      throw validationFailed('Invalid request.\n\n"access_token" wasn\'t supplied.');
    const token = store.tokens.get(body.access_token);
    if (!token || token.kind !== 'user' || token.appId !== app.id || !isTokenLive(token, ctx.clock.now()))
      throw notFound();
    return token;
  };

  defineRoute(api, ctx, 'DELETE /applications/{client_id}/grant', 'none', async (c) => {
    const app = appFromBasicAuth(c);
    const token = await userTokenOf(c, app);
    world.revokeAuthorization(app, store.users.get(token.userId!)!);
    return c.body(null, 204);
  });

  defineRoute(api, ctx, 'DELETE /applications/{client_id}/token', 'none', async (c) => {
    const app = appFromBasicAuth(c);
    const token = await userTokenOf(c, app);
    token.revoked = true;
    const refresh = token.pairedWith ? store.tokens.get(token.pairedWith) : undefined;
    if (refresh) refresh.revoked = true;
    return c.body(null, 204);
  });
}
