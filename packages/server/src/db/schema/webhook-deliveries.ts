import { bigint, pgTable, text } from 'drizzle-orm/pg-core';
import { at, createdAt } from './columns.js';

/** One row per `X-GitHub-Delivery`: the primary key makes redeliveries and replays idempotent. */
export const webhookDeliveries = pgTable('webhook_deliveries', {
  deliveryId: text('delivery_id').primaryKey(),
  event: text('event').notNull(),
  action: text('action'),
  installationId: bigint('installation_id', { mode: 'number' }),
  status: text('status', { enum: ['received', 'applied', 'ignored', 'failed'] }).notNull(),
  error: text('error'),
  receivedAt: createdAt(),
  processedAt: at('processed_at'),
});
