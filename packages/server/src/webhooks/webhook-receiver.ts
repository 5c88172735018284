import { eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { webhookDeliveries } from '../db/schema/index.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { WebhookHandlers } from './webhook-handlers.js';
import type { WebhookEnvelope } from './webhook-request.js';

/**
 * Records a verified delivery once (its id is the primary key), acknowledges at once, and applies it after
 * the answer, so GitHub's 10-second limit is never at risk. A replay or redelivery is acknowledged, not re-applied.
 */
export class WebhookReceiver {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly db: Database,
    private readonly handlers: WebhookHandlers,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  async accept(envelope: WebhookEnvelope): Promise<'accepted' | 'duplicate'> {
    const action = typeof envelope.payload.action === 'string' ? envelope.payload.action : null;
    const installationId = Number((envelope.payload.installation as { id?: unknown } | undefined)?.id);
    const inserted = await this.db
      .insert(webhookDeliveries)
      .values({
        deliveryId: envelope.deliveryId,
        event: envelope.event,
        action,
        installationId: Number.isInteger(installationId) ? installationId : null,
        status: 'received',
      })
      .onConflictDoNothing()
      .returning({ id: webhookDeliveries.deliveryId });
    if (inserted.length === 0) {
      this.metrics.webhookDeliveries.inc({ event: envelope.event, outcome: 'duplicate' });
      return 'duplicate';
    }
    const work = this.apply(envelope).finally(() => this.pending.delete(work));
    this.pending.add(work);
    return 'accepted';
  }

  private async apply(envelope: WebhookEnvelope) {
    try {
      const outcome = await this.handlers.handle(envelope.event, envelope.payload);
      await this.db
        .update(webhookDeliveries)
        .set({ status: outcome, processedAt: new Date() })
        .where(eq(webhookDeliveries.deliveryId, envelope.deliveryId));
      this.metrics.webhookDeliveries.inc({ event: envelope.event, outcome });
    } catch (error) {
      this.logger.error(
        { err: error, deliveryId: envelope.deliveryId, event: envelope.event },
        'webhook handling failed',
      );
      await this.db
        .update(webhookDeliveries)
        .set({ status: 'failed', error: (error as Error).message.slice(0, 500), processedAt: new Date() })
        .where(eq(webhookDeliveries.deliveryId, envelope.deliveryId))
        .catch(() => {});
      this.metrics.webhookDeliveries.inc({ event: envelope.event, outcome: 'failed' });
    }
  }

  /** Resolves once every accepted delivery has been applied (tests and graceful shutdown). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
