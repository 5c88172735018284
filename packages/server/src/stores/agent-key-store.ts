import { and, count, desc, eq, gt, inArray, isNull, lt, or } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { agentKeys, repos } from '../db/schema/index.js';

export type AgentKeyRow = typeof agentKeys.$inferSelect;

/** The tenants' agent keys (hashes only); every method but the lookup by hash names the tenant. */
export class AgentKeyStore {
  constructor(private readonly db: Database) {}

  async insert(values: typeof agentKeys.$inferInsert): Promise<AgentKeyRow> {
    const [row] = await this.db.insert(agentKeys).values(values).returning();
    return row!;
  }

  /** The tenant's keys; with `purpose`, only those (`key`: the bearer keys admins handed out, not policies' grants). */
  list(organizationId: string, purpose?: AgentKeyRow['purpose']): Promise<AgentKeyRow[]> {
    return this.db
      .select()
      .from(agentKeys)
      .where(and(eq(agentKeys.organizationId, organizationId), purpose ? eq(agentKeys.purpose, purpose) : undefined))
      .orderBy(desc(agentKeys.createdAt));
  }

  /** Keys neither revoked nor expired. */
  async countLive(organizationId: string, now: Date): Promise<number> {
    const [row] = await this.db
      .select({ n: count() })
      .from(agentKeys)
      .where(
        and(
          eq(agentKeys.organizationId, organizationId),
          eq(agentKeys.purpose, 'key'),
          isNull(agentKeys.revokedAt),
          or(isNull(agentKeys.expiresAt), gt(agentKeys.expiresAt, now)),
        ),
      );
    return row?.n ?? 0;
  }

  /** Which of these project ids are not projects of the tenant (a grant may name only its own). */
  async projectsNotOf(organizationId: string, ids: string[]): Promise<string[]> {
    const found = await this.db
      .select({ id: repos.id })
      .from(repos)
      .where(and(eq(repos.organizationId, organizationId), inArray(repos.id, ids)));
    const known = new Set(found.map((r) => r.id));
    return ids.filter((id) => !known.has(id));
  }

  /** The key whose hash this is, of whichever tenant: how a bearer key finds its tenant. */
  byHash(keyHash: string): Promise<AgentKeyRow | undefined> {
    return this.db
      .select()
      .from(agentKeys)
      .where(eq(agentKeys.keyHash, keyHash))
      .then((rows) => rows[0]);
  }

  /** Marks the tenant's key revoked; returns it, or nothing when it is not the tenant's or already revoked. */
  async revoke(organizationId: string, id: string, now: Date): Promise<AgentKeyRow | undefined> {
    const [row] = await this.db
      .update(agentKeys)
      .set({ revokedAt: now })
      // An expired key is revoked all the same: its tokens may still be live.
      .where(and(eq(agentKeys.organizationId, organizationId), eq(agentKeys.id, id), isNull(agentKeys.revokedAt)))
      .returning();
    return row;
  }

  /** Records a use, unless one was recorded after `notBefore` (one write per key per interval, not per call). */
  async touch(id: string, now: Date, notBefore: Date) {
    await this.db
      .update(agentKeys)
      .set({ lastUsedAt: now })
      .where(and(eq(agentKeys.id, id), or(isNull(agentKeys.lastUsedAt), lt(agentKeys.lastUsedAt, notBefore))));
  }
}
