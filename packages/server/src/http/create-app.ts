import { Hono } from 'hono';
import type { AppRegistry } from '../apps/app-registry.js';
import type { ConnectService } from '../connect/connect-service.js';
import type { RestoreAccess } from '../reconnect/restore-access.js';
import type { Database } from '../db/database.js';
import { errorLogFields, errorResponse, toAppError } from '../errors/error-response.js';
import type { BearerTokens } from '../identity/bearer-tokens.js';
import type { OidcLogin } from '../identity/oidc-login.js';
import type { SessionStore } from '../stores/session-store.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { WebhookReceiver } from '../webhooks/webhook-receiver.js';
import type { AppEnv } from './app-env.js';
import { accessLog } from './middleware/access-log.js';
import { limitBody, maxApiBodyBytes } from './middleware/body-limit.js';
import { loadPrincipal } from './middleware/load-principal.js';
import { securityHeaders } from './middleware/security-headers.js';
import { authRoutes, sessionRoute } from './routes/auth-routes.js';
import { githubApi } from './routes/github-api.js';
import { githubRedirects } from './routes/github-redirects.js';
import { healthRoutes } from './routes/health-routes.js';
import { registerWebRoutes } from './routes/web-routes.js';
import { webhookRoutes } from './routes/webhook-routes.js';

export interface AppDeps {
  db: Database;
  publicUrl: string;
  productName: string;
  logger: Logger;
  metrics: Metrics;
  metricsToken?: string;
  apps: AppRegistry;
  sessions: SessionStore;
  login: () => Promise<OidcLogin>;
  bearer?: BearerTokens;
  connect: ConnectService;
  restore: RestoreAccess;
  receiver: WebhookReceiver;
  /** bytes of unverified webhook bodies held at once (HUBGATE_WEBHOOK_BUFFER_MB) */
  webhookBufferBytes?: number;
  /**
   * feature sub-apps mounted by the composition root (`/api/projects`, `/api/v1`, ...); `authenticates: true`
   * when the sub-app establishes its callers itself (agent keys): no session or JWT principal is loaded for it.
   */
  mounts?: { path: string; app: Hono<AppEnv>; authenticates?: boolean }[];
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const htmlError = (message: string, retryUrl?: string) =>
  `<!doctype html><title>GitHub connection</title><link rel="stylesheet" href="/assets/settings.css"><main><h1>That did not work</h1><p class="error">${escapeHtml(message)}</p><p>${
    retryUrl ? `<a class="button" href="${escapeHtml(retryUrl)}">Try again</a> ` : ''
  }<a href="/workspace/settings/repos">Back to settings</a></p></main>`;

/**
 * The HTTP surface as composed sub-apps (hono's guide for larger applications), each with its guards as middleware:
 * `/auth`, `/api/session`, `/api/github`, `/github` (GitHub's redirects), `/webhooks`, health and the pages.
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', accessLog(deps.logger), securityHeaders());
  app.onError((thrown, c) => {
    const error = toAppError(thrown);
    if (error.status >= 500) deps.logger.error({ err: errorLogFields(error), path: c.req.path }, 'request failed');
    const { status, body, headers } = errorResponse(error);
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    if (c.req.path.startsWith('/github/') || c.req.path.startsWith('/auth/')) return c.html(htmlError(body.error.message, body.error.retryUrl), status as 400);
    return c.json(body, status as 400);
  });

  const principal = loadPrincipal({ sessions: deps.sessions, bearer: deps.bearer });
  // Before any guard reads a body (webhooks have their own, larger limit and byte budget).
  const apiBody = limitBody(maxApiBodyBytes);
  for (const path of ['/api/*', '/auth/*', '/github/*']) app.use(path, apiBody);
  app.route('/', healthRoutes(deps));
  app.route('/webhooks', webhookRoutes(deps));
  // Middleware runs only for routes registered after it: the caller is known before /auth/logout's guards.
  app.use('/auth/logout', principal);
  app.route('/auth', authRoutes(deps));
  const selfAuthenticated = (deps.mounts ?? []).filter((m) => m.authenticates).map((m) => m.path);
  app.use('/api/*', (c, next) =>
    selfAuthenticated.some((path) => c.req.path === path || c.req.path.startsWith(`${path}/`)) ? next() : principal(c, next),
  );
  app.use('/github/*', principal);
  app.route('/api/session', sessionRoute(deps));
  app.route('/api/github', githubApi(deps));
  for (const mount of deps.mounts ?? []) app.route(mount.path, mount.app);
  app.route('/github', githubRedirects(deps));
  registerWebRoutes(app);
  return app;
}
