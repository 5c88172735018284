import type { Hono } from 'hono';
import { AppError } from '../errors.js';
import type { AppEnv } from '../http-context.js';
import type { Metrics } from '../metrics.js';
import type { WebhookReceiver } from '../webhooks/webhook-receiver.js';
import { maxWebhookBytes, readWebhook } from '../webhooks/webhook-request.js';

export function registerWebhookRoutes(
  app: Hono<AppEnv>,
  deps: { receiver: () => WebhookReceiver; secrets: () => string[]; metrics: Metrics },
) {
  app.post('/webhooks/github', async (c) => {
    const length = Number(c.req.header('content-length') ?? 0);
    if (length > maxWebhookBytes) {
      deps.metrics.webhookRefusals.inc({ reason: 'too_large' });
      return c.json(
        { error: { code: 'bad_request', message: 'The webhook body is larger than 25 MB.' } },
        413,
      );
    }
    const raw = await c.req.text();
    if (Buffer.byteLength(raw) > maxWebhookBytes) {
      deps.metrics.webhookRefusals.inc({ reason: 'too_large' });
      return c.json(
        { error: { code: 'bad_request', message: 'The webhook body is larger than 25 MB.' } },
        413,
      );
    }
    try {
      const envelope = await readWebhook(c.req.raw.headers, raw, deps.secrets());
      const result = await deps.receiver().accept(envelope);
      return c.json({ received: true, duplicate: result === 'duplicate' }, 202);
    } catch (error) {
      if (error instanceof AppError) deps.metrics.webhookRefusals.inc({ reason: error.code });
      throw error;
    }
  });
}
