import { sql } from 'drizzle-orm';
import { bigint, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { at, createdAt, organizationId, updatedAt } from './columns.js';

/** A tenant's binding to one GitHub App installation. Live rows: one per tenant and one per installation. */
export const githubInstallations = pgTable(
  'github_installations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    installationId: bigint('installation_id', { mode: 'number' }).notNull(),
    appKey: text('app_key').notNull().default('system'),
    accountLogin: text('account_login').notNull(),
    accountId: bigint('account_id', { mode: 'number' }).notNull(),
    accountType: text('account_type', { enum: ['Organization', 'User'] }).notNull(),
    repositorySelection: text('repository_selection', { enum: ['all', 'selected'] }).notNull(),
    permissions: jsonb('permissions').$type<Record<string, string>>().notNull().default({}),
    connectedBy: text('connected_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    suspendedAt: at('suspended_at'),
    deletedAt: at('deleted_at'),
  },
  (t) => [
    uniqueIndex('github_installations_live_org').on(t.organizationId).where(sql`deleted_at is null`),
    uniqueIndex('github_installations_live_installation').on(t.installationId).where(sql`deleted_at is null`),
  ],
);
