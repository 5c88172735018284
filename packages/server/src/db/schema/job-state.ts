import { jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { updatedAt } from './columns.js';

/** Where a periodic job stopped (reconcile's cursors and rate budget), so the next run picks up from there. */
export const jobState = pgTable('job_state', {
  name: text('name').primaryKey(),
  data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
  updatedAt: updatedAt(),
});
