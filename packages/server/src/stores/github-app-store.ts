import { eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { githubApps } from '../db/schema/index.js';
import { stateChanged } from './state-generation.js';

export type GitHubAppRow = typeof githubApps.$inferSelect;
export type GitHubAppValues = Omit<typeof githubApps.$inferInsert, 'key'>;

/** The only writer of `github_apps`: the tenants' own GitHub Apps (GHES), sealed by the caller before they get here. */
export class GitHubAppStore {
  constructor(private readonly db: Database) {}

  async ofTenant(organizationId: string): Promise<GitHubAppRow | undefined> {
    const [row] = await this.db.select().from(githubApps).where(eq(githubApps.organizationId, organizationId));
    return row;
  }

  async byKey(key: string): Promise<GitHubAppRow | undefined> {
    const [row] = await this.db.select().from(githubApps).where(eq(githubApps.key, key));
    return row;
  }

  async save(key: string, values: GitHubAppValues): Promise<GitHubAppRow> {
    const [row] = await this.db.insert(githubApps).values({ key, ...values }).onConflictDoUpdate({ target: githubApps.key, set: values }).returning();
    stateChanged(this.db);
    return row!;
  }

  async remove(key: string): Promise<void> {
    await this.db.delete(githubApps).where(eq(githubApps.key, key));
    stateChanged(this.db);
  }
}
