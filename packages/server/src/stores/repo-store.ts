import { and, asc, eq, inArray, lt, ne, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { type RepoAccessState, repos } from '../db/schema/repos.js';
import { stateChanged } from './state-generation.js';

export type RepoRow = typeof repos.$inferSelect;

/** The tenant's projects and their repositories; every method names the tenant. */
export class RepoStore {
  constructor(private readonly db: Database) {}

  /** The tenant's projects: rows still `creating` belong to the project service until they are confirmed. */
  list(organizationId: string): Promise<RepoRow[]> {
    return this.db
      .select()
      .from(repos)
      .where(and(eq(repos.organizationId, organizationId), ne(repos.accessState, 'creating')))
      .orderBy(asc(repos.createdAt));
  }

  get(organizationId: string, id: string): Promise<RepoRow | undefined> {
    return this.db
      .select()
      .from(repos)
      .where(and(eq(repos.organizationId, organizationId), eq(repos.id, id)))
      .then((rows) => rows[0]);
  }

  byGitHubId(organizationId: string, githubRepoId: number): Promise<RepoRow | undefined> {
    return this.db
      .select()
      .from(repos)
      .where(and(eq(repos.organizationId, organizationId), eq(repos.githubRepoId, githubRepoId)))
      .then((rows) => rows[0]);
  }

  bySlug(organizationId: string, slug: string): Promise<RepoRow | undefined> {
    return this.db
      .select()
      .from(repos)
      .where(and(eq(repos.organizationId, organizationId), eq(repos.slug, slug)))
      .then((rows) => rows[0]);
  }

  /** The tenant's project whose repository has this full name, in any case (GitHub's names are case-insensitive). */
  byFullName(organizationId: string, fullName: string): Promise<RepoRow | undefined> {
    return this.db
      .select()
      .from(repos)
      .where(and(eq(repos.organizationId, organizationId), sql`lower(${repos.fullName}) = ${fullName.toLowerCase()}`))
      .limit(1)
      .then((rows) => rows[0]);
  }

  /**
   * Takes over a `creating` row whose creator stopped (crashed) before `staleBefore`: returns it, refreshed, only
   * to the one caller whose update matched, so two retries never resume the same creation twice.
   */
  async takeOverStale(organizationId: string, id: string, staleBefore: Date, now: Date): Promise<RepoRow | undefined> {
    const [row] = await this.db
      .update(repos)
      .set({ updatedAt: now })
      .where(
        and(eq(repos.organizationId, organizationId), eq(repos.id, id), eq(repos.accessState, 'creating'), lt(repos.updatedAt, staleBefore)),
      )
      .returning();
    stateChanged(this.db);
    return row;
  }

  /** Drops a `creating` row whose creation failed for certain (nothing on GitHub to adopt). */
  async releaseCreating(organizationId: string, id: string) {
    await this.db
      .delete(repos)
      .where(and(eq(repos.organizationId, organizationId), eq(repos.id, id), eq(repos.accessState, 'creating')));
    stateChanged(this.db);
  }

  /** A request met a 404 for this repository: the reconcile job looks at it first. */
  async requestRecheck(organizationId: string, id: string, now: Date) {
    await this.db
      .update(repos)
      .set({ recheckRequestedAt: now })
      .where(and(eq(repos.organizationId, organizationId), eq(repos.id, id)));
  }

  async insert(values: typeof repos.$inferInsert): Promise<RepoRow> {
    const [row] = await this.db.insert(repos).values(values).returning();
    stateChanged(this.db);
    return row!;
  }

  async insertMany(values: (typeof repos.$inferInsert)[]): Promise<RepoRow[]> {
    if (values.length === 0) return [];
    const rows = await this.db.insert(repos).values(values).returning();
    stateChanged(this.db);
    return rows;
  }

  async update(organizationId: string, id: string, values: Partial<typeof repos.$inferInsert>) {
    await this.db
      .update(repos)
      .set(values)
      .where(and(eq(repos.organizationId, organizationId), eq(repos.id, id)));
    stateChanged(this.db);
  }

  async delete(organizationId: string, id: string) {
    await this.db.delete(repos).where(and(eq(repos.organizationId, organizationId), eq(repos.id, id)));
    stateChanged(this.db);
  }

  /**
   * Sets the access state of the tenant's repositories with these GitHub ids (webhooks, reconcile, reconnect). A
   * `creating` row keeps its state: only the project service ends it, once the repository's content is there.
   */
  async markAccess(organizationId: string, githubRepoIds: number[], state: RepoAccessState, now: Date) {
    if (githubRepoIds.length === 0) return;
    await this.db
      .update(repos)
      .set({ accessState: state, checkedAt: now })
      .where(and(eq(repos.organizationId, organizationId), inArray(repos.githubRepoId, githubRepoIds), ne(repos.accessState, 'creating')));
    stateChanged(this.db);
  }

  async markAllAccess(organizationId: string, state: RepoAccessState, now: Date) {
    await this.db
      .update(repos)
      .set({ accessState: state, checkedAt: now })
      .where(and(eq(repos.organizationId, organizationId), ne(repos.accessState, 'creating')));
    stateChanged(this.db);
  }

  async rename(organizationId: string, githubRepoId: number, fullName: string, state?: RepoAccessState) {
    await this.db
      .update(repos)
      .set({ fullName, ...(state ? { accessState: state } : {}) })
      .where(and(eq(repos.organizationId, organizationId), eq(repos.githubRepoId, githubRepoId)));
    stateChanged(this.db);
  }
}
