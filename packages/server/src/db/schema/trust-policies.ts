import { index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { at, createdAt, organizationId } from './columns.js';

/**
 * A tenant's trust policy for workload identity (docs/workload-identity.md): which OpenID issuer's ID tokens, for
 * which subject and claims, may be exchanged for repository tokens. The grant lives on the policy's own agent key
 * (`key_id`, purpose `trust_policy`, whose secret was never kept), so the broker's leases, revocation and kill
 * switch hold for exchanged tokens exactly as for agent keys.
 */
export const trustPolicies = pgTable(
  'trust_policies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    name: text('name').notNull(),
    /** https URL, exactly as the ID token's `iss` */
    issuer: text('issuer').notNull(),
    /** the `sub` claim: exact, or a glob where `*` stands for any run of characters */
    subject: text('subject').notNull(),
    /** further claims, each exact or a glob (GitHub Actions' `repository`, `ref`, `job_workflow_ref`, `environment`...) */
    claims: jsonb('claims').$type<Record<string, string>>().notNull(),
    keyId: uuid('key_id').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    deletedAt: at('deleted_at'),
  },
  (t) => [index('trust_policies_org_issuer').on(t.organizationId, t.issuer)],
);
