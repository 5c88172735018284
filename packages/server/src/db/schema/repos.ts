import { sql } from 'drizzle-orm';
import { bigint, boolean, index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { at, createdAt, organizationId, updatedAt } from './columns.js';

export const repoAccessStates = ['creating', 'reachable', 'missing', 'deleted', 'moved', 'unknown'] as const;
export type RepoAccessState = (typeof repoAccessStates)[number];

/**
 * The tenant's projects and the repository the product created for each; `github_repo_id` is the stable key
 * (names change). A row in `creating` was started and not yet confirmed on GitHub (crash recovery adopts it).
 */
export const repos = pgTable(
  'repos',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: organizationId(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['project', 'team', 'guide'] }).notNull().default('project'),
    appKey: text('app_key').notNull().default('system'),
    githubRepoId: bigint('github_repo_id', { mode: 'number' }),
    /** the account the repository was created in (its id: logins change) */
    accountId: bigint('account_id', { mode: 'number' }),
    fullName: text('full_name'),
    private: boolean('private').notNull().default(true),
    accessState: text('access_state', { enum: repoAccessStates }).notNull().default('unknown'),
    checkedAt: at('checked_at'),
    /** a request met a 404 for this repository: reconcile looks at it first */
    recheckRequestedAt: at('recheck_requested_at'),
    createdBy: text('created_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('repos_org_slug').on(t.organizationId, t.slug),
    // The broker finds a project by the repository's name, in any case.
    index('repos_org_full_name').on(t.organizationId, sql`lower(${t.fullName})`),
    // Webhook intake asks, per repository event, whether the repository is anyone's project (docs/events.md).
    index('repos_app_github_id').on(t.appKey, t.githubRepoId),
    uniqueIndex('repos_org_github_id').on(t.organizationId, t.githubRepoId).where(sql`github_repo_id is not null`),
  ],
);
