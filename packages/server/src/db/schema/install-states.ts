import { pgTable, text } from 'drizzle-orm/pg-core';
import { at, createdAt, organizationId } from './columns.js';

/** Single-use, expiring connect states, bound to a tenant and a user; stored by hash, never in clear. */
export const installStates = pgTable('install_states', {
  stateHash: text('state_hash').primaryKey(),
  organizationId: organizationId(),
  userId: text('user_id').notNull(),
  purpose: text('purpose', { enum: ['install', 'oauth'] }).notNull(),
  createdAt: createdAt(),
  expiresAt: at('expires_at').notNull(),
  usedAt: at('used_at'),
});
