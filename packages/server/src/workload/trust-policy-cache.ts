import type { Database } from '../db/database.js';
import { type TrustPolicyWithKey, TrustPolicyStore } from '../stores/trust-policy-store.js';

/** How long a replica answers exchanges from the policies it read (a new policy works everywhere within this). */
export const policyCacheMs = 5_000;

/**
 * The tenants' live policies per issuer, kept a few seconds: an exchange then costs no policy query. Safe for
 * deletions: deleting a policy revokes its agent key, which the broker's lookup reads from the database on every
 * exchange, so another replica's cached copy of a deleted policy gets no token; this replica forgets it at once.
 */
export class TrustPolicyCache {
  private readonly entries = new Map<string, { rows: TrustPolicyWithKey[]; at: number }>();

  constructor(
    private readonly db: Database,
    private readonly nowMs: () => number,
  ) {}

  async liveFor(organizationId: string, issuer: string): Promise<TrustPolicyWithKey[]> {
    const key = `${organizationId}\n${issuer}`;
    const hit = this.entries.get(key);
    if (hit && this.nowMs() - hit.at < policyCacheMs) return hit.rows;
    const rows = await new TrustPolicyStore(this.db).live(organizationId, issuer);
    if (this.entries.size >= 10_000) this.entries.clear();
    this.entries.set(key, { rows, at: this.nowMs() });
    return rows;
  }

  /** After a change of the tenant's policies in this process. */
  forget(organizationId: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(`${organizationId}\n`)) this.entries.delete(key);
  }
}
