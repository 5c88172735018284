import { and, eq, gt, lt } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { tokenRevocations } from '../db/schema/index.js';
import type { SecretSealer } from '../sealing/secret-sealer.js';

const boundTo = (appKey: string, installationId: number) => `revocation:${appKey}:${installationId}`;

/**
 * Installation tokens GitHub did not confirm revoked when their installation was disconnected: sealed (bound to their
 * app and installation) until a retry succeeds or they expire by themselves.
 */
export class TokenRevocationStore {
  constructor(
    private readonly db: Database,
    private readonly sealer: SecretSealer,
  ) {}

  async add(appKey: string, installationId: number, token: string, expiresAt: Date, reason: string) {
    const sealed = this.sealer.seal(token, boundTo(appKey, installationId));
    await this.db
      .insert(tokenRevocations)
      .values({ appKey, installationId, token: sealed.ciphertext, sealKeyId: sealed.keyId, expiresAt, lastError: reason.slice(0, 300) });
  }

  /** Tokens still worth revoking (not expired), oldest first. */
  async pending(now: Date, limit = 100) {
    const rows = await this.db.select().from(tokenRevocations).where(gt(tokenRevocations.expiresAt, now)).limit(limit);
    return rows.map((row) => ({ row, token: this.sealer.open({ ciphertext: row.token, keyId: row.sealKeyId }, boundTo(row.appKey, row.installationId)) }));
  }

  async done(id: string) {
    await this.db.delete(tokenRevocations).where(eq(tokenRevocations.id, id));
  }

  async failedAgain(id: string, attempts: number, reason: string) {
    await this.db.update(tokenRevocations).set({ attempts, lastError: reason.slice(0, 300) }).where(and(eq(tokenRevocations.id, id)));
  }

  /** An expired token is harmless: its row goes. */
  async pruneExpired(now: Date) {
    await this.db.delete(tokenRevocations).where(lt(tokenRevocations.expiresAt, now));
  }
}
