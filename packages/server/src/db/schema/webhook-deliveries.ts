import { bigint, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { at, createdAt } from './columns.js';

export const deliveryStatuses = ['received', 'applied', 'ignored', 'failed'] as const;

/**
 * One row per `X-GitHub-Delivery`: the primary key makes replays idempotent. The verified payload is kept
 * until the delivery is applied, so a delivery acknowledged and then lost in a crash is applied on restart.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    deliveryId: text('delivery_id').primaryKey(),
    appKey: text('app_key').notNull().default('system'),
    event: text('event').notNull(),
    action: text('action'),
    installationId: bigint('installation_id', { mode: 'number' }),
    status: text('status', { enum: deliveryStatuses }).notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>(),
    attempts: integer('attempts').notNull().default(0),
    /** while a replica applies the delivery; a `received` row past its lease was lost (a crash) and is taken again */
    leaseUntil: at('lease_until'),
    error: text('error'),
    receivedAt: createdAt(),
    processedAt: at('processed_at'),
  },
  (t) => [index('webhook_deliveries_status').on(t.status, t.receivedAt)],
);
