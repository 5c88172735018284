import { Hono } from 'hono';
import type { Database } from './db/database.js';
import { AppError, errorBody } from './errors.js';
import type { ConnectFlow } from './github/connect-flow.js';
import { type AppEnv, loadSession } from './http-context.js';
import type { BearerTokens } from './identity/bearer-tokens.js';
import type { OidcLogin } from './identity/oidc-login.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { registerAuthRoutes } from './routes/auth-routes.js';
import { registerGitHubRoutes } from './routes/github-routes.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerWebRoutes } from './routes/web-routes.js';
import { registerWebhookRoutes } from './routes/webhook-routes.js';
import type { WebhookReceiver } from './webhooks/webhook-receiver.js';

export interface AppDeps {
  db: Database;
  publicUrl: string;
  logger: Logger;
  metrics: Metrics;
  login: () => Promise<OidcLogin>;
  flow: () => ConnectFlow;
  receiver: () => WebhookReceiver;
  webhookSecrets: () => string[];
  bearer?: BearerTokens;
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    // The path only: query strings carry OAuth codes and states.
    deps.logger.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });
  app.use('*', async (c, next) => {
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'same-origin');
    if (!c.req.path.startsWith('/webhooks/') && !c.req.path.startsWith('/assets/'))
      await loadSession(c, deps.db, deps.bearer);
    else c.set('session', null);
    await next();
  });
  app.onError((error, c) => {
    if (!(error instanceof AppError) || error.status >= 500)
      deps.logger.error({ err: error, path: c.req.path }, 'request failed');
    const { status, body } = errorBody(error);
    if (c.req.path.startsWith('/github/') || c.req.path.startsWith('/auth/')) {
      const safe = body.error.message.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
      return c.html(
        `<!doctype html><title>GitHub connection</title><link rel="stylesheet" href="/assets/settings.css"><main><h1>That did not work</h1><p class="error">${safe}</p><p><a href="/workspace/settings/repos">Back to settings</a></p></main>`,
        status as 400,
      );
    }
    return c.json(body, status as 400);
  });

  registerHealthRoutes(app, deps);
  registerAuthRoutes(app, deps);
  registerGitHubRoutes(app, deps);
  registerWebhookRoutes(app, {
    receiver: deps.receiver,
    secrets: deps.webhookSecrets,
    metrics: deps.metrics,
  });
  registerWebRoutes(app);
  return app;
}
