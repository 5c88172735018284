import { and, asc, count, eq, isNull } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { agentKeys, trustPolicies } from '../db/schema/index.js';

export type TrustPolicyRow = typeof trustPolicies.$inferSelect;
/** A policy with what its agent key holds: the grant, the key's hash (how the broker finds it), its last use. */
export type TrustPolicyWithKey = TrustPolicyRow & Pick<typeof agentKeys.$inferSelect, 'grant' | 'keyHash' | 'lastUsedAt'>;

/** The tenants' trust policies; every method names the tenant. */
export class TrustPolicyStore {
  constructor(private readonly db: Database) {}

  async insert(values: typeof trustPolicies.$inferInsert): Promise<TrustPolicyRow> {
    const [row] = await this.db.insert(trustPolicies).values(values).returning();
    return row!;
  }

  private withKey() {
    return this.db
      .select({
        id: trustPolicies.id,
        organizationId: trustPolicies.organizationId,
        name: trustPolicies.name,
        issuer: trustPolicies.issuer,
        subject: trustPolicies.subject,
        claims: trustPolicies.claims,
        keyId: trustPolicies.keyId,
        createdBy: trustPolicies.createdBy,
        createdAt: trustPolicies.createdAt,
        deletedAt: trustPolicies.deletedAt,
        grant: agentKeys.grant,
        keyHash: agentKeys.keyHash,
        lastUsedAt: agentKeys.lastUsedAt,
      })
      .from(trustPolicies)
      .innerJoin(agentKeys, eq(agentKeys.id, trustPolicies.keyId));
  }

  /** The tenant's live policies (those trusting `issuer`, when named), oldest first: the order an exchange tries them. */
  live(organizationId: string, issuer?: string): Promise<TrustPolicyWithKey[]> {
    return this.withKey()
      .where(
        and(
          eq(trustPolicies.organizationId, organizationId),
          issuer === undefined ? undefined : eq(trustPolicies.issuer, issuer),
          isNull(trustPolicies.deletedAt),
          isNull(agentKeys.revokedAt),
        ),
      )
      .orderBy(asc(trustPolicies.createdAt), asc(trustPolicies.id));
  }

  async countLive(organizationId: string): Promise<number> {
    const [row] = await this.db
      .select({ n: count() })
      .from(trustPolicies)
      .where(and(eq(trustPolicies.organizationId, organizationId), isNull(trustPolicies.deletedAt)));
    return row?.n ?? 0;
  }

  /** Marks the tenant's policy deleted; nothing when it is not the tenant's or already deleted. */
  async markDeleted(organizationId: string, id: string, now: Date): Promise<TrustPolicyRow | undefined> {
    const [row] = await this.db
      .update(trustPolicies)
      .set({ deletedAt: now })
      .where(and(eq(trustPolicies.organizationId, organizationId), eq(trustPolicies.id, id), isNull(trustPolicies.deletedAt)))
      .returning();
    return row;
  }
}
