import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppRegistry } from '../../apps/app-registry.js';
import { AppError } from '../../errors/app-error.js';
import type { Metrics } from '../../metrics.js';
import type { WebhookReceiver } from '../../webhooks/webhook-receiver.js';
import { maxWebhookBytes, readWebhook } from '../../webhooks/webhook-request.js';
import type { AppEnv } from '../app-env.js';

/**
 * `/webhooks/github` (the system app) and `/webhooks/github/<app key>` (a tenant's own app, its own secret).
 * hono's `bodyLimit` counts while streaming, so a chunked body with no Content-Length is cut at 25 MB, not buffered.
 */
export function webhookRoutes(deps: { apps: AppRegistry; receiver: WebhookReceiver; metrics: Metrics }) {
  const hooks = new Hono<AppEnv>();
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
        return c.json({ received: true, duplicate: result === 'duplicate' }, 202);
      } catch (error) {
        if (error instanceof AppError) deps.metrics.webhookRefusals.inc({ reason: error.code });
        throw error;
      }
    };
  hooks.post('/github', limit, receive(() => 'system'));
  hooks.post('/github/:appKey', limit, receive((key) => key ?? ''));
  return hooks;
}
