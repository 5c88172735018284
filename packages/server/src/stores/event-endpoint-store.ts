import { eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { eventEndpoints } from '../db/schema/index.js';
import type { SecretSealer } from '../sealing/secret-sealer.js';

export interface EventEndpoint {
  organizationId: string;
  url: string;
  /** Standard Webhooks secrets (`whsec_…`) that sign now: the current one, and the previous one during a rotation */
  secrets: string[];
  previousUntil: Date | null;
  updatedBy: string;
  updatedAt: Date;
}

/**
 * The only writer of `event_endpoints`: each tenant's endpoint and its secrets, sealed and bound to the tenant (a
 * ciphertext copied onto another tenant's row does not open there).
 */
export class EventEndpointStore {
  constructor(
    private readonly db: Database,
    private readonly sealer: SecretSealer,
  ) {}

  private bound(organizationId: string, which: 'current' | 'previous') {
    return `event-endpoint:${organizationId}:${which}`;
  }

  async get(organizationId: string, now: Date): Promise<EventEndpoint | null> {
    const [row] = await this.db.select().from(eventEndpoints).where(eq(eventEndpoints.organizationId, organizationId));
    if (!row) return null;
    const current = this.sealer.open({ ciphertext: row.secret, keyId: row.sealKeyId }, this.bound(organizationId, 'current'));
    if (!current) return null;
    const previousLive = row.previousSecret && row.previousUntil && row.previousUntil > now;
    const previous = previousLive
      ? this.sealer.open({ ciphertext: row.previousSecret!, keyId: row.sealKeyId }, this.bound(organizationId, 'previous'))
      : null;
    return {
      organizationId,
      url: row.url,
      secrets: previous ? [current, previous] : [current],
      previousUntil: previous ? row.previousUntil : null,
      updatedBy: row.updatedBy,
      updatedAt: row.updatedAt,
    };
  }

  /** Sets the URL; `secret` given (a new endpoint, or a rotation) replaces the current one, `previous` kept until then. */
  async put(
    organizationId: string,
    change: { url: string; secret?: string; previous?: { secret: string; until: Date } | null; by: string },
  ): Promise<void> {
    const sealed = change.secret ? this.sealer.seal(change.secret, this.bound(organizationId, 'current')) : null;
    const previous = change.previous ? this.sealer.seal(change.previous.secret, this.bound(organizationId, 'previous')) : null;
    const secretColumns = sealed
      ? {
          secret: sealed.ciphertext,
          sealKeyId: sealed.keyId,
          previousSecret: previous?.ciphertext ?? null,
          previousUntil: change.previous?.until ?? null,
        }
      : {};
    if (sealed) {
      await this.db
        .insert(eventEndpoints)
        .values({ organizationId, url: change.url, updatedBy: change.by, ...(secretColumns as { secret: string; sealKeyId: string }) })
        .onConflictDoUpdate({ target: eventEndpoints.organizationId, set: { url: change.url, updatedBy: change.by, ...secretColumns } });
    } else {
      await this.db.update(eventEndpoints).set({ url: change.url, updatedBy: change.by }).where(eq(eventEndpoints.organizationId, organizationId));
    }
  }

  async delete(organizationId: string): Promise<boolean> {
    const gone = await this.db.delete(eventEndpoints).where(eq(eventEndpoints.organizationId, organizationId)).returning();
    return gone.length > 0;
  }
}
