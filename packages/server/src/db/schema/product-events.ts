import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { at, createdAt, organizationId, sealed, sealKeyId, updatedAt } from './columns.js';

export const eventTargets = ['local', 'tenant', 'deployment'] as const;
export type EventTarget = (typeof eventTargets)[number];
export const outboxStatuses = ['pending', 'delivered', 'dead'] as const;

/**
 * The durable outbox of repository events for the product (docs/events.md): one row per event and target (the
 * library's in-process handlers, the tenant's endpoint, the deployment's endpoint), written in the transaction that
 * records GitHub's delivery. `id` orders the rows; a row is sent only when no earlier row of the same target and
 * repository is still pending, so each target sees a repository's events in order.
 */
export const eventOutbox = pgTable(
  'event_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    organizationId: organizationId(),
    target: text('target', { enum: eventTargets }).notNull(),
    projectId: uuid('project_id').notNull(),
    githubRepoId: bigint('github_repo_id', { mode: 'number' }).notNull(),
    /** GitHub's `X-GitHub-Delivery` (or `reconcile:<repo>:<sha>`): the idempotency key the product receives */
    deliveryId: text('delivery_id').notNull(),
    event: text('event').notNull(),
    action: text('action'),
    /** `webhook`, or `reconcile` for a push GitHub had not delivered within the bound */
    foundBy: text('found_by', { enum: ['webhook', 'reconcile'] }).notNull().default('webhook'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: outboxStatuses }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: at('next_attempt_at').notNull().defaultNow(),
    /** while a replica sends the row; past it, the replica is presumed dead and another takes the row */
    leaseUntil: at('lease_until'),
    lastError: text('last_error'),
    lastStatus: integer('last_status'),
    createdAt: createdAt(),
    deliveredAt: at('delivered_at'),
  },
  (t) => [
    uniqueIndex('event_outbox_delivery').on(t.organizationId, t.target, t.deliveryId),
    index('event_outbox_due').on(t.nextAttemptAt).where(sql`status = 'pending'`),
    index('event_outbox_repo').on(t.organizationId, t.target, t.githubRepoId, t.id).where(sql`status = 'pending'`),
    index('event_outbox_recent').on(t.organizationId, t.id),
  ],
);

/**
 * A tenant's event endpoint: the URL and its Standard Webhooks secret, sealed and bound to the tenant. During a
 * rotation the previous secret signs too (until `previous_until`), so the receiver can switch without a gap.
 */
export const eventEndpoints = pgTable('event_endpoints', {
  organizationId: organizationId().primaryKey(),
  url: text('url').notNull(),
  secret: sealed('secret').notNull(),
  previousSecret: sealed('previous_secret'),
  previousUntil: at('previous_until'),
  sealKeyId: sealKeyId().notNull(),
  updatedBy: text('updated_by').notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
