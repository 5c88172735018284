import { text, timestamp } from 'drizzle-orm/pg-core';

/** Shared column helpers: every tenant-owned row carries `organization_id`; times are timestamptz. */
export const organizationId = () => text('organization_id').notNull();
export const createdAt = () =>
  timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
export const updatedAt = () =>
  timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
export const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
/** An encrypted secret: AES-256-GCM sealed text that names its key id (rotation). */
export const sealed = (name: string) => text(name);
