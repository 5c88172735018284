import { sql } from 'drizzle-orm';
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
  // The broker answers "did we issue this token, was it revoked" by the token's hash (DELETE /api/v1/tokens/current).
  index('audit_events_token_hash')
    .on(sql`(${t.detail}->>'tokenHash')`)
    .where(sql`(${t.detail}->>'tokenHash') is not null`),
]);
