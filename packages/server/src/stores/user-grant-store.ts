import { and, eq } from 'drizzle-orm';
import type { UserTokens } from '../apps/github-user-client.js';
import type { Database } from '../db/database.js';
import { githubUserGrants } from '../db/schema/index.js';
import type { SecretSealer } from '../sealing/secret-sealer.js';

export type GrantRow = typeof githubUserGrants.$inferSelect;
export interface OpenGrant {
  row: GrantRow;
  accessToken: string | null;
  refreshToken: string | null;
}

/**
 * The connecting admin's GitHub user tokens, sealed and bound to (tenant, user, which token). `withLockedGrant`
 * holds the row while a refresh rotates the pair, so a refresh happens once across the whole fleet.
 */
export class UserGrantStore {
  constructor(
    private readonly db: Database,
    private readonly sealer: SecretSealer,
  ) {}

  private bound(organizationId: string, userId: string, which: 'access' | 'refresh') {
    return `grant:${organizationId}:${userId}:${which}`;
  }

  private sealedValues(organizationId: string, userId: string, tokens: UserTokens) {
    const access = this.sealer.seal(tokens.accessToken, this.bound(organizationId, userId, 'access'));
    const refresh = tokens.refreshToken ? this.sealer.seal(tokens.refreshToken, this.bound(organizationId, userId, 'refresh')) : null;
    return {
      accessToken: access.ciphertext,
      refreshToken: refresh?.ciphertext ?? null,
      sealKeyId: access.keyId,
      accessExpiresAt: tokens.accessExpiresAt,
      refreshExpiresAt: tokens.refreshExpiresAt,
    };
  }

  async save(organizationId: string, userId: string, github: { id: number; login: string; appKey: string }, tokens: UserTokens) {
    const values = this.sealedValues(organizationId, userId, tokens);
    await this.db
      .insert(githubUserGrants)
      .values({ organizationId, userId, appKey: github.appKey, githubUserId: github.id, githubLogin: github.login, ...values })
      .onConflictDoUpdate({
        target: [githubUserGrants.organizationId, githubUserGrants.userId],
        set: { appKey: github.appKey, githubUserId: github.id, githubLogin: github.login, ...values },
      });
  }

  private open(row: GrantRow): OpenGrant {
    const key = row.sealKeyId;
    return {
      row,
      accessToken: this.sealer.open({ ciphertext: row.accessToken, keyId: key }, this.bound(row.organizationId, row.userId, 'access')),
      refreshToken: row.refreshToken
        ? this.sealer.open({ ciphertext: row.refreshToken, keyId: key }, this.bound(row.organizationId, row.userId, 'refresh'))
        : null,
    };
  }

  async get(organizationId: string, userId: string): Promise<OpenGrant | null> {
    const [row] = await this.db
      .select()
      .from(githubUserGrants)
      .where(and(eq(githubUserGrants.organizationId, organizationId), eq(githubUserGrants.userId, userId)));
    return row ? this.open(row) : null;
  }

  /** Every grant of a tenant (disconnect revokes them all). */
  async forTenant(organizationId: string): Promise<OpenGrant[]> {
    const rows = await this.db.select().from(githubUserGrants).where(eq(githubUserGrants.organizationId, organizationId));
    return rows.map((row) => this.open(row));
  }

  /**
   * Runs `work` with the grant's row locked (`FOR UPDATE`; PGlite has one connection, so it is serial anyway):
   * a second replica refreshing the same grant waits, then sees the new pair and does not refresh again.
   */
  async withLockedGrant<T>(organizationId: string, userId: string, work: (grant: OpenGrant | null, store: UserGrantStore) => Promise<T>): Promise<T> {
    return this.db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as Database;
      const [row] = await tx
        .select()
        .from(githubUserGrants)
        .where(and(eq(githubUserGrants.organizationId, organizationId), eq(githubUserGrants.userId, userId)))
        .for('update');
      return work(row ? this.open(row) : null, new UserGrantStore(tx, this.sealer));
    });
  }

  async delete(organizationId: string, userId: string) {
    await this.db
      .delete(githubUserGrants)
      .where(and(eq(githubUserGrants.organizationId, organizationId), eq(githubUserGrants.userId, userId)));
  }

  /** GitHub says the user revoked the app's authorization: drop every grant of that GitHub user for that app. */
  async deleteForGitHubUser(appKey: string, githubUserId: number): Promise<number> {
    const deleted = await this.db
      .delete(githubUserGrants)
      .where(and(eq(githubUserGrants.appKey, appKey), eq(githubUserGrants.githubUserId, githubUserId)))
      .returning({ id: githubUserGrants.id });
    return deleted.length;
  }
}
