import { text, timestamp } from 'drizzle-orm/pg-core';

/** Shared column helpers: every tenant-owned row carries `organization_id`; times are timestamptz. */
export const organizationId = () => text('organization_id').notNull();
export const createdAt = () =>
  timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
/** Set by Drizzle on every update through the query builder, so no store has to remember it. */
export const updatedAt = () =>
  timestamp('updated_at', { withTimezone: true, mode: 'date' })
    .notNull()
    .defaultNow()
    .$onUpdateFn(() => new Date());
export const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
/**
 * An encrypted secret: AES-256-GCM ciphertext (`<iv>.<body>.<tag>`, sealed with the row's identity as associated
 * data) beside the id of the key that sealed it, so rows on a retired key are one query away.
 */
export const sealed = (name: string) => text(`${name}_sealed`);
export const sealKeyId = () => text('seal_key_id');
