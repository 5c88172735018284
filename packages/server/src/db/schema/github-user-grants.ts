import { bigint, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { at, organizationId, sealed, sealKeyId, updatedAt } from './columns.js';

/** The connecting admin's GitHub user access and refresh tokens, sealed at rest, replaced atomically on refresh. */
export const githubUserGrants = pgTable(
  'github_user_grants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    userId: text('user_id').notNull(),
    appKey: text('app_key').notNull().default('system'),
    githubUserId: bigint('github_user_id', { mode: 'number' }).notNull(),
    githubLogin: text('github_login').notNull(),
    accessToken: sealed('access_token').notNull(),
    refreshToken: sealed('refresh_token'),
    sealKeyId: sealKeyId().notNull(),
    accessExpiresAt: at('access_expires_at'),
    refreshExpiresAt: at('refresh_expires_at'),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('github_user_grants_org_user').on(t.organizationId, t.userId)],
);
