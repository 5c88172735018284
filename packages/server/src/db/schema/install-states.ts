import { jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { at, createdAt, organizationId } from './columns.js';

export type InstallStateData = { installationId?: number; returnTo?: string; appKey?: string; apiUrl?: string; webUrl?: string };

/**
 * Single-use, expiring connect states, bound to a tenant, a user and the browser session that started the flow;
 * stored by hash, never in clear.
 */
export const installStates = pgTable('install_states', {
  stateHash: text('state_hash').primaryKey(),
  organizationId: organizationId(),
  userId: text('user_id').notNull(),
  sessionHash: text('session_hash'),
  purpose: text('purpose', { enum: ['install', 'oauth', 'manifest'] }).notNull(),
  /** what the next leg needs (the installation being proven, where to return) */
  data: jsonb('data').$type<InstallStateData>().notNull().default({}),
  createdAt: createdAt(),
  expiresAt: at('expires_at').notNull(),
  usedAt: at('used_at'),
});
