import { and, eq, isNull, notExists } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { githubInstallations, knownInstallations } from '../db/schema/index.js';
import type { InstallationRef } from './installation-store.js';
import { stateChanged } from './state-generation.js';

export type KnownInstallationRow = typeof knownInstallations.$inferSelect;

/** Installations GitHub told us about, bound or not, with who created them on GitHub. */
export class KnownInstallationStore {
  constructor(private readonly db: Database) {}

  /** Records a sighting; the first sender seen for an installation is kept (it is `installation.created`'s). */
  async note(row: Omit<typeof knownInstallations.$inferInsert, 'createdAt' | 'updatedAt'>) {
    const { senderId, senderLogin, ...rest } = row;
    await this.db
      .insert(knownInstallations)
      .values({ ...rest, senderId, senderLogin })
      .onConflictDoUpdate({
        target: [knownInstallations.appKey, knownInstallations.installationId],
        set: { accountLogin: rest.accountLogin, accountId: rest.accountId, accountType: rest.accountType, deletedAt: rest.deletedAt ?? null },
      });
    stateChanged(this.db);
  }

  get(ref: InstallationRef): Promise<KnownInstallationRow | undefined> {
    return this.db
      .select()
      .from(knownInstallations)
      .where(and(eq(knownInstallations.appKey, ref.appKey), eq(knownInstallations.installationId, ref.installationId)))
      .then((rows) => rows[0]);
  }

  async markDeleted(ref: InstallationRef, now: Date) {
    await this.db
      .update(knownInstallations)
      .set({ deletedAt: now })
      .where(and(eq(knownInstallations.appKey, ref.appKey), eq(knownInstallations.installationId, ref.installationId)));
    stateChanged(this.db);
  }

  async rename(ref: InstallationRef, login: string) {
    await this.db
      .update(knownInstallations)
      .set({ accountLogin: login })
      .where(and(eq(knownInstallations.appKey, ref.appKey), eq(knownInstallations.installationId, ref.installationId)));
    stateChanged(this.db);
  }

  /** Live installations of an app that no tenant holds: what an admin may claim (after proving ownership). */
  unbound(appKey: string): Promise<KnownInstallationRow[]> {
    return this.db
      .select()
      .from(knownInstallations)
      .where(
        and(
          eq(knownInstallations.appKey, appKey),
          isNull(knownInstallations.deletedAt),
          notExists(
            this.db
              .select({ one: githubInstallations.id })
              .from(githubInstallations)
              .where(
                and(
                  eq(githubInstallations.appKey, knownInstallations.appKey),
                  eq(githubInstallations.installationId, knownInstallations.installationId),
                  isNull(githubInstallations.deletedAt),
                ),
              ),
          ),
        ),
      );
  }
}
