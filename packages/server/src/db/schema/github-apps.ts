import { bigint, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { at, createdAt, organizationId, sealed, sealKeyId, updatedAt } from './columns.js';

/** A tenant's own GitHub App (a GitHub Enterprise Server host needs its own): key and secrets sealed at rest. */
export const githubApps = pgTable(
  'github_apps',
  {
    /** the app key: `system` is the operator's app; tenant apps get a random key (their webhook path) */
    key: text('key').primaryKey(),
    organizationId: organizationId(),
    apiUrl: text('api_url').notNull(),
    webUrl: text('web_url').notNull(),
    appId: bigint('app_id', { mode: 'number' }),
    clientId: text('client_id'),
    slug: text('slug'),
    urlPattern: text('url_pattern'),
    issuerIsAppId: text('issuer_is_app_id', { enum: ['yes', 'no'] }).notNull().default('no'),
    privateKey: sealed('private_key').notNull(),
    clientSecret: sealed('client_secret'),
    webhookSecret: sealed('webhook_secret').notNull(),
    sealKeyId: sealKeyId().notNull(),
    keyFingerprint: text('key_fingerprint').notNull(),
    webhookSecretFingerprint: text('webhook_secret_fingerprint').notNull(),
    permissions: jsonb('permissions').$type<Record<string, string>>().notNull().default({}),
    validatedAt: at('validated_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('github_apps_org').on(t.organizationId)],
);
