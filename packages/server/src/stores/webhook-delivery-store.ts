import { and, eq, inArray, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { webhookDeliveries } from '../db/schema/index.js';

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type DeliveryClaim = {
  deliveryId: string;
  appKey: string;
  event: string;
  action: string | null;
  installationId: number | null;
  payload: Record<string, unknown>;
};

/** How long a replica may take to apply a delivery before another may take it again (HUBGATE_WEBHOOK_LEASE_SECONDS). */
export const defaultLeaseMs = 60_000;

/** Failed, or received and past its lease (the replica applying it died). */
const takeable = (now: Date) =>
  or(eq(webhookDeliveries.status, 'failed'), and(eq(webhookDeliveries.status, 'received'), lt(webhookDeliveries.leaseUntil, now)));

/**
 * Webhook deliveries by GitHub's delivery id. Only applied or ignored deliveries are duplicates: a delivery still
 * `received` (acknowledged, then lost in a crash) or `failed` is taken again when GitHub redelivers it.
 */
export class WebhookDeliveryStore {
  private readonly leaseMs: number;

  constructor(
    private readonly db: Database,
    options: { leaseMs?: number } = {},
  ) {
    this.leaseMs = options.leaseMs ?? defaultLeaseMs;
  }

  /** Records the delivery (or takes back a received/failed one); false when it was already applied or ignored. */
  async claim(row: DeliveryClaim, now: Date): Promise<boolean> {
    return (await this.claimMany([row], now))[0]!;
  }

  /**
   * `claim` for many deliveries in one insert (one commit for the requests that arrived together); the answer per
   * delivery, in order. A delivery id given twice is taken at most once: the later copy is a duplicate.
   */
  async claimMany(rows: DeliveryClaim[], now: Date): Promise<boolean[]> {
    const leaseUntil = new Date(now.getTime() + this.leaseMs);
    const firstIndex = new Map<string, number>();
    rows.forEach((row, i) => {
      if (!firstIndex.has(row.deliveryId)) firstIndex.set(row.deliveryId, i);
    });
    const unique = [...firstIndex.values()].map((i) => rows[i]!);
    const inserted = await this.db
      .insert(webhookDeliveries)
      .values(unique.map((row) => ({ ...row, status: 'received' as const, leaseUntil })))
      .onConflictDoNothing()
      .returning({ id: webhookDeliveries.deliveryId });
    const taken = new Set(inserted.map((r) => r.id));
    // Already recorded (a redelivery): taken back only when received and past its lease, or failed.
    for (const row of unique) {
      if (taken.has(row.deliveryId)) continue;
      const retaken = await this.db
        .update(webhookDeliveries)
        .set({ status: 'received', payload: row.payload, error: null, leaseUntil })
        .where(and(eq(webhookDeliveries.deliveryId, row.deliveryId), eq(webhookDeliveries.appKey, row.appKey), takeable(now)))
        .returning({ id: webhookDeliveries.deliveryId });
      if (retaken.length > 0) taken.add(row.deliveryId);
    }
    return rows.map((row, i) => firstIndex.get(row.deliveryId) === i && taken.has(row.deliveryId));
  }

  /** The outcome; the payload is dropped once applied or ignored (it is kept only to apply it again). */
  async finish(deliveryId: string, status: 'applied' | 'ignored' | 'failed', now: Date, error?: string) {
    await this.db
      .update(webhookDeliveries)
      .set({
        status,
        processedAt: now,
        error: error ?? null,
        attempts: sql`${webhookDeliveries.attempts} + 1`,
        leaseUntil: null,
        ...(status === 'failed' ? {} : { payload: null }),
      })
      .where(eq(webhookDeliveries.deliveryId, deliveryId));
  }

  /** `finish` of many deliveries with one outcome (applied or ignored: no error to keep), in one statement. */
  async finishMany(deliveryIds: string[], status: 'applied' | 'ignored', now: Date) {
    if (deliveryIds.length === 0) return;
    await this.db
      .update(webhookDeliveries)
      .set({ status, processedAt: now, error: null, attempts: sql`${webhookDeliveries.attempts} + 1`, leaseUntil: null, payload: null })
      .where(inArray(webhookDeliveries.deliveryId, deliveryIds));
  }

  /** Deliveries acknowledged but not applied (a crash, a failure), oldest first, taken for a retry (start, reconcile). */
  async takeUnfinished(now: Date, limit = 100, maxAttempts = 5): Promise<DeliveryRow[]> {
    const candidates = await this.db
      .select({ id: webhookDeliveries.deliveryId })
      .from(webhookDeliveries)
      .where(and(takeable(now), lt(webhookDeliveries.attempts, maxAttempts)))
      .orderBy(webhookDeliveries.receivedAt)
      .limit(limit);
    const taken: DeliveryRow[] = [];
    for (const { id } of candidates) {
      // Taken one by one under the same condition, so two replicas resuming at once never apply one twice.
      const [row] = await this.db
        .update(webhookDeliveries)
        .set({ status: 'received', leaseUntil: new Date(now.getTime() + this.leaseMs) })
        .where(and(eq(webhookDeliveries.deliveryId, id), takeable(now)))
        .returning();
      if (row) taken.push(row);
    }
    return taken;
  }

  get(deliveryId: string): Promise<DeliveryRow | undefined> {
    return this.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.deliveryId, deliveryId)).then((r) => r[0]);
  }

  /** GitHub keeps deliveries for 30 days; past that a redelivery cannot come, so the row can go. */
  async prune(before: Date): Promise<number> {
    const deleted = await this.db
      .delete(webhookDeliveries)
      .where(lt(webhookDeliveries.receivedAt, before))
      .returning({ id: webhookDeliveries.deliveryId });
    return deleted.length;
  }
}
