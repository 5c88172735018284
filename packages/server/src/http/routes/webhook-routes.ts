import { type Context, Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { bodyLimit } from 'hono/body-limit';
import type { AppRegistry } from '../../apps/app-registry.js';
import { AppError } from '../../errors/app-error.js';
import type { Metrics } from '../../metrics.js';
import { WebhookByteBudget } from '../../webhooks/webhook-byte-budget.js';
import type { WebhookReceiver } from '../../webhooks/webhook-receiver.js';
import { maxWebhookBytes, readWebhook } from '../../webhooks/webhook-request.js';
import type { AppEnv } from '../app-env.js';

/**
 * `/webhooks/github` (the system app) and `/webhooks/github/<app key>` (a tenant's own app, its own secret).
 * hono's `bodyLimit` counts while streaming, so a chunked body with no Content-Length is cut at 25 MB, not buffered;
 * the byte budget bounds what all unverified bodies hold together (HUBGATE_WEBHOOK_BUFFER_MB).
 */
export const defaultWebhookBufferBytes = 100 * 1024 * 1024;

export function webhookRoutes(deps: { apps: AppRegistry; receiver: WebhookReceiver; metrics: Metrics; webhookBufferBytes?: number }) {
  const hooks = new Hono<AppEnv>();
  const budget = new WebhookByteBudget(deps.webhookBufferBytes ?? defaultWebhookBufferBytes);
  const reserve = createMiddleware<AppEnv>(async (c, next) => {
    const declared = Number(c.req.header('content-length'));
    const bytes = Number.isFinite(declared) && declared >= 0 ? Math.min(declared, maxWebhookBytes) : maxWebhookBytes;
    if (!budget.reserve(bytes)) {
      deps.metrics.webhookRefusals.inc({ reason: 'busy' });
      c.header('retry-after', '10');
      return c.json({ error: { code: 'not_ready', message: 'Too many webhook bodies are being received at once; try again shortly.' } }, 503);
    }
    try {
      await next();
    } finally {
      budget.release(bytes);
    }
  });
  const limit = bodyLimit({
    maxSize: maxWebhookBytes,
    onError: (c) => {
      deps.metrics.webhookRefusals.inc({ reason: 'too_large' });
      return c.json({ error: { code: 'too_large', message: 'The webhook body is larger than 25 MB.' } }, 413);
    },
  });
  const receive = (appKeyOf: (key: string | undefined) => string) =>
    async (c: Context<AppEnv>) => {
      try {
        const appKey = appKeyOf(c.req.param('appKey'));
        if (!/^[a-z0-9_-]{1,64}$/.test(appKey)) throw new AppError('not_found', 'No such webhook.');
        const app = await deps.apps.byKey(appKey);
        const envelope = await readWebhook(app.key, c.req.raw.headers, await c.req.text(), app.webhookSecrets);
        const result = await deps.receiver.accept(envelope);
        return c.json({ received: true, duplicate: result === 'duplicate', ...(result === 'dropped' ? { dropped: true } : {}) }, 202);
      } catch (error) {
        if (error instanceof AppError) deps.metrics.webhookRefusals.inc({ reason: error.code });
        throw error;
      }
    };
  hooks.post('/github', reserve, limit, receive(() => 'system'));
  hooks.post('/github/:appKey', reserve, limit, receive((key) => key ?? ''));
  return hooks;
}
