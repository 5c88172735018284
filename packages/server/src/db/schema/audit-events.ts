import { index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.js';

/** Who did what to which tenant. Token issuance is recorded by the token's hash, never the token. */
export const auditEvents = pgTable('audit_events', {
  id: uuid('id').primaryKey().defaultRandom(),
  organizationId: text('organization_id'),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  target: text('target'),
  detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
  createdAt: createdAt(),
}, (t) => [
  // Retention prunes by action and age (broker/audit-retention.ts); listings read a tenant's newest first.
  index('audit_events_action_created').on(t.action, t.createdAt),
  index('audit_events_org_created').on(t.organizationId, t.createdAt),
]);
