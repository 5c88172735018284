import { bigint, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { at, createdAt, updatedAt } from './columns.js';

/**
 * Every installation of an app that GitHub told us about (webhooks, connect), bound or not: who created it on
 * GitHub (the `installation.created` sender, one of the proofs that a user administers the account) and whether
 * it still exists. Unbound live rows are what an admin may claim.
 */
export const knownInstallations = pgTable(
  'known_installations',
  {
    appKey: text('app_key').notNull(),
    installationId: bigint('installation_id', { mode: 'number' }).notNull(),
    accountLogin: text('account_login').notNull(),
    accountId: bigint('account_id', { mode: 'number' }).notNull(),
    accountType: text('account_type', { enum: ['Organization', 'User'] }).notNull(),
    senderId: bigint('sender_id', { mode: 'number' }),
    senderLogin: text('sender_login'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: at('deleted_at'),
  },
  (t) => [primaryKey({ columns: [t.appKey, t.installationId] })],
);
