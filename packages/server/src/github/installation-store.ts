import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { auditEvents, githubInstallations } from '../db/schema/index.js';

export type InstallationRow = typeof githubInstallations.$inferSelect;

/** Tenant-scoped reads and writes of installation bindings: every query names the tenant or the installation. */
export class InstallationStore {
  constructor(private readonly db: Database) {}

  liveForOrg(organizationId: string): Promise<InstallationRow | undefined> {
    return this.db
      .select()
      .from(githubInstallations)
      .where(
        and(eq(githubInstallations.organizationId, organizationId), isNull(githubInstallations.deletedAt)),
      )
      .then((rows) => rows[0]);
  }

  liveByInstallationId(installationId: number): Promise<InstallationRow | undefined> {
    return this.db
      .select()
      .from(githubInstallations)
      .where(
        and(eq(githubInstallations.installationId, installationId), isNull(githubInstallations.deletedAt)),
      )
      .then((rows) => rows[0]);
  }

  async update(installationId: number, values: Partial<typeof githubInstallations.$inferInsert>) {
    await this.db
      .update(githubInstallations)
      .set({ ...values, updatedAt: new Date() })
      .where(
        and(eq(githubInstallations.installationId, installationId), isNull(githubInstallations.deletedAt)),
      );
  }

  async retire(installationId: number) {
    await this.update(installationId, { deletedAt: new Date() });
  }

  async audit(
    organizationId: string | null,
    actor: string,
    action: string,
    target: string | null,
    detail: Record<string, unknown> = {},
  ) {
    await this.db.insert(auditEvents).values({ organizationId, actor, action, target, detail });
  }
}
