import { boolean, index, pgTable, text } from 'drizzle-orm/pg-core';
import { at, createdAt } from './columns.js';

/** Server-side sessions; the cookie holds a random id, the table its hash. */
export const sessions = pgTable(
  'sessions',
  {
    idHash: text('id_hash').primaryKey(),
    userId: text('user_id').notNull(),
    organizationId: text('organization_id'),
    /** the organization's display name, from the sign-in's claims */
    organizationName: text('organization_name'),
    role: text('role'),
    /** decided at sign-in from the configured admin role; never re-derived from `role` */
    isAdmin: boolean('is_admin').notNull().default(false),
    name: text('name'),
    email: text('email'),
    csrfToken: text('csrf_token').notNull(),
    createdAt: createdAt(),
    expiresAt: at('expires_at').notNull(),
  },
  (t) => [index('sessions_expires').on(t.expiresAt)],
);
