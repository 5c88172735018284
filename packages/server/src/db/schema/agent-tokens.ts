import { sql } from 'drizzle-orm';
import { bigint, index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { at, createdAt, organizationId, sealed, sealKeyId } from './columns.js';

/**
 * Every installation token the broker handed to an agent key, once per token: whose it is, what it reaches, and
 * the token itself sealed (bound to its hash), so that revoking a key, ending its last lease or the kill switch can
 * revoke it at GitHub from any replica. `revoked_at` is the broker's revocation state: a revoked token is never
 * leased again (the hand-out's insert checks it under a row lock), and it stays out of the audit's hot path.
 */
export const agentTokens = pgTable(
  'agent_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    organizationId: organizationId(),
    keyId: uuid('key_id').notNull(),
    appKey: text('app_key').notNull(),
    installationId: bigint('installation_id', { mode: 'number' }).notNull(),
    githubRepoId: bigint('github_repo_id', { mode: 'number' }).notNull(),
    permissions: jsonb('permissions').$type<Record<string, string>>().notNull(),
    /** a token of its own for one lease (`exclusive`), or shared by the key's hand-outs */
    exclusive: text('exclusive_lease'),
    token: sealed('token').notNull(),
    sealKeyId: sealKeyId().notNull(),
    expiresAt: at('expires_at').notNull(),
    revokedAt: at('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('agent_tokens_live_key').on(t.keyId).where(sql`revoked_at is null`),
    index('agent_tokens_live_org').on(t.organizationId).where(sql`revoked_at is null`),
    index('agent_tokens_expires').on(t.expiresAt),
  ],
);

/**
 * One row per hand-out: which key (and job) holds which token until when. Ending the last live lease of a token
 * revokes it at GitHub; the rows are also the issuance log, pruned after the retention period.
 */
export const tokenLeases = pgTable(
  'token_leases',
  {
    id: uuid('id').primaryKey(),
    organizationId: organizationId(),
    keyId: uuid('key_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    job: text('job'),
    expiresAt: at('expires_at').notNull(),
    endedAt: at('ended_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('token_leases_live_token').on(t.tokenHash).where(sql`ended_at is null`),
    index('token_leases_created').on(t.createdAt),
    /** an exchange's hand-out found again by its ID token (the same token exchanged twice gets the same lease) */
    index('token_leases_live_job').on(t.keyId, t.job).where(sql`ended_at is null`),
  ],
);
