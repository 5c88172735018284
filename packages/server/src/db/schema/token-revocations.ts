import { bigint, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { at, createdAt, sealed, sealKeyId } from './columns.js';

/**
 * Installation tokens that GitHub did not confirm revoked (a timeout, a 5xx) when their installation was
 * disconnected: sealed until they are revoked or expire, retried by the reconcile job.
 */
export const tokenRevocations = pgTable('token_revocations', {
  id: uuid('id').primaryKey().defaultRandom(),
  appKey: text('app_key').notNull(),
  installationId: bigint('installation_id', { mode: 'number' }).notNull(),
  token: sealed('token').notNull(),
  sealKeyId: sealKeyId().notNull(),
  expiresAt: at('expires_at').notNull(),
  attempts: integer('attempts').notNull().default(0),
  lastError: text('last_error'),
  createdAt: createdAt(),
});
