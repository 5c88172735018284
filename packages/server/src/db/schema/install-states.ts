import { jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { at, createdAt, organizationId } from './columns.js';

/** Single-use, expiring connect states, bound to a tenant and a user; stored by hash, never in clear. */
export const installStates = pgTable('install_states', {
  stateHash: text('state_hash').primaryKey(),
  organizationId: organizationId(),
  userId: text('user_id').notNull(),
  purpose: text('purpose', { enum: ['install', 'oauth'] }).notNull(),
  /** what the next leg needs (the installation being proven, where to return) */
  data: jsonb('data').$type<{ installationId?: number; returnTo?: string }>().notNull().default({}),
  createdAt: createdAt(),
  expiresAt: at('expires_at').notNull(),
  usedAt: at('used_at'),
});
