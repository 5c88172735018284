import { and, desc, eq, isNotNull, isNull } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { githubInstallations } from '../db/schema/index.js';
import { stateChanged } from './state-generation.js';

export type InstallationRow = typeof githubInstallations.$inferSelect;
export type InstallationDetails = Partial<
  Pick<
    InstallationRow,
    'accountLogin' | 'accountId' | 'accountType' | 'repositorySelection' | 'permissions' | 'suspendedAt' | 'installedAt' | 'checkedAt'
  >
>;
export type InstallationRef = { appKey: string; installationId: number };

/** Installation bindings: every query names the tenant, or the (app, installation) pair GitHub told us about. */
export class InstallationStore {
  constructor(private readonly db: Database) {}

  liveForTenant(organizationId: string): Promise<InstallationRow | undefined> {
    return this.db
      .select()
      .from(githubInstallations)
      .where(and(eq(githubInstallations.organizationId, organizationId), isNull(githubInstallations.deletedAt)))
      .then((rows) => rows[0]);
  }

  /** The tenant's most recent ended binding (for "previously connected to ..."). */
  lastEndedForTenant(organizationId: string): Promise<InstallationRow | undefined> {
    return this.db
      .select()
      .from(githubInstallations)
      .where(and(eq(githubInstallations.organizationId, organizationId), isNotNull(githubInstallations.deletedAt)))
      .orderBy(desc(githubInstallations.deletedAt))
      .limit(1)
      .then((rows) => rows[0]);
  }

  liveByInstallation(ref: InstallationRef): Promise<InstallationRow | undefined> {
    return this.db
      .select()
      .from(githubInstallations)
      .where(
        and(
          eq(githubInstallations.appKey, ref.appKey),
          eq(githubInstallations.installationId, ref.installationId),
          isNull(githubInstallations.deletedAt),
        ),
      )
      .then((rows) => rows[0]);
  }

  /** Live bindings of this app's installation(s) on the GitHub account with this id (a transfer's old owner). */
  liveForAccount(appKey: string, accountId: number): Promise<InstallationRow[]> {
    return this.db
      .select()
      .from(githubInstallations)
      .where(
        and(eq(githubInstallations.appKey, appKey), eq(githubInstallations.accountId, accountId), isNull(githubInstallations.deletedAt)),
      );
  }

  allLive(): Promise<InstallationRow[]> {
    return this.db.select().from(githubInstallations).where(isNull(githubInstallations.deletedAt));
  }

  async insert(values: typeof githubInstallations.$inferInsert) {
    await this.db.insert(githubInstallations).values(values);
    stateChanged(this.db);
  }

  async update(ref: InstallationRef, values: InstallationDetails) {
    await this.db
      .update(githubInstallations)
      .set(values)
      .where(
        and(
          eq(githubInstallations.appKey, ref.appKey),
          eq(githubInstallations.installationId, ref.installationId),
          isNull(githubInstallations.deletedAt),
        ),
      );
    stateChanged(this.db);
  }

  /** Ends the live binding; returns it, or nothing when there was none (already retired). */
  async retire(ref: InstallationRef, reason: 'disconnected' | 'uninstalled' | 'replaced', now: Date) {
    const [row] = await this.db
      .update(githubInstallations)
      .set({ deletedAt: now, endReason: reason })
      .where(
        and(
          eq(githubInstallations.appKey, ref.appKey),
          eq(githubInstallations.installationId, ref.installationId),
          isNull(githubInstallations.deletedAt),
        ),
      )
      .returning();
    stateChanged(this.db);
    return row;
  }
}
