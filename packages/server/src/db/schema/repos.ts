import { bigint, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, organizationId, updatedAt } from './columns.js';

/** Repositories the product created for a tenant; `github_repo_id` is the stable key (names change). */
export const repos = pgTable(
  'repos',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    kind: text('kind').notNull().default('project'),
    githubRepoId: bigint('github_repo_id', { mode: 'number' }),
    fullName: text('full_name'),
    accessState: text('access_state', {
      enum: ['reachable', 'missing_from_installation', 'deleted_on_github', 'unknown'],
    })
      .notNull()
      .default('unknown'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('repos_org_slug').on(t.organizationId, t.slug)],
);
