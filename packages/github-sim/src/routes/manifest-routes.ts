import type { Hono } from 'hono';
import type { SimContext } from '../context.js';
import { defineRoute } from '../define-route.js';
import { notFound } from '../errors.js';
import { integration } from '../payloads.js';

/**
 * `POST /app-manifests/{code}/conversions`: no authentication; the code from the manifest flow is single use
 * and expires after one hour. Answers 201 with the app and its credentials (`client_secret`,
 * `webhook_secret`, `pem`). https://docs.github.com/en/rest/apps/apps#create-a-github-app-from-a-manifest
 */
export function registerManifestRoutes(api: Hono, ctx: SimContext) {
  const { store } = ctx;
  defineRoute(api, ctx, 'POST /app-manifests/{code}/conversions', 'none', (c) => {
    const code = c.req.param('code')!;
    const grant = ctx.manifestCodes.get(code);
    ctx.manifestCodes.delete(code);
    if (!grant || grant.expiresAt <= ctx.clock.now()) throw notFound();
    const app = store.requireApp(grant.appId);
    return c.json(
      {
        ...integration(ctx.urls(), app, store.account(app.ownerId)!, store.installationsOfApp(app.id).length),
        client_id: app.clientId,
        client_secret: app.clientSecret,
        webhook_secret: grant.webhookSecret,
        pem: grant.pem,
      },
      201,
    );
  });
}
