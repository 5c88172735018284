import type { Database } from '../db/database.js';
import type { EventIntake } from '../events/event-intake.js';
import { EventOutboxStore, type NewOutboxRow } from '../stores/event-outbox-store.js';
import { inTransaction } from '../stores/transaction.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { type DeliveryClaim, WebhookDeliveryStore } from '../stores/webhook-delivery-store.js';
import type { WebhookHandlers } from './webhook-handlers.js';
import type { WebhookEnvelope } from './webhook-request.js';
import { WriteBatcher } from './write-batcher.js';

/**
 * Records a verified delivery with its payload (its id is the primary key), acknowledges at once, and applies it
 * after the answer, so GitHub's 10-second limit is never at risk. Only applied or ignored deliveries count as
 * duplicates; one acknowledged and lost in a crash (`received`) or `failed` is applied on redelivery, and at start.
 * The deliveries that arrive together are recorded by one insert (each answered once it has committed), and their
 * outcomes written by one update per outcome: a burst costs a few statements, not three per delivery.
 */
export class WebhookReceiver {
  private readonly pending = new Set<Promise<void>>();
  private readonly deliveries: WebhookDeliveryStore;
  /**
   * Deliveries arriving together are recorded by one insert; those of project repositories carry their outbox rows,
   * and then the deliveries and the rows commit in one transaction (neither is kept without the other).
   */
  private readonly claims: WriteBatcher<{ claim: DeliveryClaim; rows: NewOutboxRow[] }, boolean>;
  private readonly finished: Record<'applied' | 'ignored', WriteBatcher<string, void>>;
  private readonly leaseMs: number | undefined;
  private readonly intake: EventIntake | undefined;
  private readonly onOutbox: () => void;

  constructor(
    private readonly db: Database,
    private readonly handlers: WebhookHandlers,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly now: () => Date,
    options: {
      leaseMs?: number;
      /** the filter and outbox of repository events for the product (docs/events.md) */
      intake?: EventIntake;
      /** told after outbox rows committed (the dispatcher sends them at once rather than at its next poll) */
      onOutbox?: () => void;
    } = {},
  ) {
    this.leaseMs = options.leaseMs;
    this.intake = options.intake;
    this.onOutbox = options.onOutbox ?? (() => {});
    this.deliveries = new WebhookDeliveryStore(db, options);
    this.claims = new WriteBatcher(async (items) => {
      if (items.every((item) => item.rows.length === 0)) return this.deliveries.claimMany(items.map((i) => i.claim), this.now());
      const taken = await inTransaction(this.db, async (tx) => {
        const claimed = await new WebhookDeliveryStore(tx, { leaseMs: this.leaseMs }).claimMany(
          items.map((i) => i.claim),
          this.now(),
        );
        await new EventOutboxStore(tx).add(items.flatMap((item, i) => (claimed[i] ? item.rows : [])));
        return claimed;
      });
      if (taken.some(Boolean)) this.onOutbox();
      return taken;
    });
    const finisher = (status: 'applied' | 'ignored') =>
      new WriteBatcher<string, void>(async (ids) => {
        await this.deliveries.finishMany(ids, status, this.now());
        return ids.map(() => undefined);
      });
    this.finished = { applied: finisher('applied'), ignored: finisher('ignored') };
  }

  async accept(envelope: WebhookEnvelope): Promise<'accepted' | 'duplicate' | 'dropped'> {
    const claim: DeliveryClaim = {
      deliveryId: envelope.deliveryId,
      appKey: envelope.appKey,
      event: envelope.event,
      action: envelope.action,
      installationId: envelope.installationId,
      payload: envelope.payload,
    };
    const scope = this.intake ? await this.intake.scope(envelope) : ({ kind: 'lifecycle' } as const);
    if (scope.kind === 'dropped') {
      // Another repository of the account (not a project): nothing of it is stored.
      this.metrics.webhookDeliveries.inc({ event: envelope.event, outcome: 'dropped' });
      return 'dropped';
    }
    const taken = await this.claims.add({ claim, rows: scope.kind === 'product' ? scope.rows : [] });
    if (!taken) {
      this.metrics.webhookDeliveries.inc({ event: envelope.event, outcome: 'duplicate' });
      return 'duplicate';
    }
    this.track(this.apply(envelope));
    return 'accepted';
  }

  /** Applies what was acknowledged but never finished (a crash, a failure): called at start and by reconcile. */
  async resumeUnfinished(): Promise<number> {
    const rows = await this.deliveries.takeUnfinished(this.now());
    for (const row of rows) {
      if (!row.payload) continue;
      await this.apply({
        appKey: row.appKey,
        event: row.event,
        action: row.action,
        deliveryId: row.deliveryId,
        installationId: row.installationId,
        payload: row.payload,
      });
    }
    return rows.length;
  }

  private track(work: Promise<void>) {
    const tracked = work.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private async apply(envelope: WebhookEnvelope) {
    try {
      const outcome = await this.handlers.handle(envelope.appKey, envelope.event, envelope.action, envelope.payload);
      await this.finished[outcome].add(envelope.deliveryId);
      this.metrics.webhookDeliveries.inc({ event: envelope.event, outcome });
    } catch (error) {
      this.logger.error({ err: error, deliveryId: envelope.deliveryId, event: envelope.event }, 'webhook handling failed');
      await this.deliveries.finish(envelope.deliveryId, 'failed', this.now(), (error as Error).message.slice(0, 500)).catch(() => {});
      this.metrics.webhookDeliveries.inc({ event: envelope.event, outcome: 'failed' });
    }
  }

  /** Resolves once every accepted delivery has been applied (tests and graceful shutdown). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
