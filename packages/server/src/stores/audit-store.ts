import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { auditEvents } from '../db/schema/index.js';

export type AuditEntry = {
  organizationId: string | null;
  actor: string;
  action: string;
  target?: string | null;
  detail?: Record<string, unknown>;
};

/** Who did what to which tenant; written in the same transaction as the change it records. */
export class AuditStore {
  constructor(private readonly db: Database) {}

  async record(entry: AuditEntry) {
    await this.db.insert(auditEvents).values({
      organizationId: entry.organizationId,
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      detail: entry.detail ?? {},
    });
  }

  list(organizationId: string, action?: string) {
    return this.db
      .select()
      .from(auditEvents)
      .where(
        action
          ? and(eq(auditEvents.organizationId, organizationId), eq(auditEvents.action, action))
          : eq(auditEvents.organizationId, organizationId),
      )
      .orderBy(desc(auditEvents.createdAt));
  }

  /** The newest event with this action about the token with this hash (the broker's issuance and revocation log). */
  tokenEvent(tokenHash: string, action: string) {
    return this.db
      .select()
      .from(auditEvents)
      .where(and(sql`${auditEvents.detail}->>'tokenHash' = ${tokenHash}`, eq(auditEvents.action, action)))
      .orderBy(desc(auditEvents.createdAt))
      .limit(1)
      .then((rows) => rows[0]);
  }
}
