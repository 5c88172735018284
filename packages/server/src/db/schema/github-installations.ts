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
    /** when GitHub says the installation was created (shown as "Installed") */
    installedAt: at('installed_at'),
    connectedBy: text('connected_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    suspendedAt: at('suspended_at'),
    /** last time reconcile compared this row with GitHub */
    checkedAt: at('checked_at'),
    deletedAt: at('deleted_at'),
    /** why the binding ended: the admin disconnected, GitHub uninstalled it, or another installation replaced it */
    endReason: text('end_reason', { enum: ['disconnected', 'uninstalled', 'replaced'] }),
  },
  (t) => [
    uniqueIndex('github_installations_live_org').on(t.organizationId).where(sql`deleted_at is null`),
    uniqueIndex('github_installations_live_installation')
      .on(t.appKey, t.installationId)
      .where(sql`deleted_at is null`),
  ],
);
