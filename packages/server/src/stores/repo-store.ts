import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { type RepoAccessState, repos } from '../db/schema/repos.js';

export type RepoRow = typeof repos.$inferSelect;

/** The tenant's projects and their repositories; every method names the tenant. */
export class RepoStore {
  constructor(private readonly db: Database) {}

  list(organizationId: string): Promise<RepoRow[]> {
    return this.db.select().from(repos).where(eq(repos.organizationId, organizationId)).orderBy(asc(repos.createdAt));
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

  /** The tenant's project whose repository has this full name, in any case (GitHub's names are case-insensitive). */
  byFullName(organizationId: string, fullName: string): Promise<RepoRow | undefined> {
    return this.db
      .select()
      .from(repos)
      .where(and(eq(repos.organizationId, organizationId), sql`lower(${repos.fullName}) = ${fullName.toLowerCase()}`))
      .limit(1)
      .then((rows) => rows[0]);
  }

  async insert(values: typeof repos.$inferInsert): Promise<RepoRow> {
    const [row] = await this.db.insert(repos).values(values).returning();
    return row!;
  }

  async insertMany(values: (typeof repos.$inferInsert)[]): Promise<RepoRow[]> {
    if (values.length === 0) return [];
    return this.db.insert(repos).values(values).returning();
  }

  async update(organizationId: string, id: string, values: Partial<typeof repos.$inferInsert>) {
    await this.db
      .update(repos)
      .set(values)
      .where(and(eq(repos.organizationId, organizationId), eq(repos.id, id)));
  }

  async delete(organizationId: string, id: string) {
    await this.db.delete(repos).where(and(eq(repos.organizationId, organizationId), eq(repos.id, id)));
  }

  /** Sets the access state of the tenant's repositories with these GitHub ids (webhooks, reconcile, reconnect). */
  async markAccess(organizationId: string, githubRepoIds: number[], state: RepoAccessState, now: Date) {
    if (githubRepoIds.length === 0) return;
    await this.db
      .update(repos)
      .set({ accessState: state, checkedAt: now })
      .where(and(eq(repos.organizationId, organizationId), inArray(repos.githubRepoId, githubRepoIds)));
  }

  async markAllAccess(organizationId: string, state: RepoAccessState, now: Date) {
    await this.db.update(repos).set({ accessState: state, checkedAt: now }).where(eq(repos.organizationId, organizationId));
  }

  async rename(organizationId: string, githubRepoId: number, fullName: string, state?: RepoAccessState) {
    await this.db
      .update(repos)
      .set({ fullName, ...(state ? { accessState: state } : {}) })
      .where(and(eq(repos.organizationId, organizationId), eq(repos.githubRepoId, githubRepoId)));
  }
}
