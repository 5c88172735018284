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

  /** Deletes up to `batch` rows of this action older than `before` (an index on action and time finds them). */
  async pruneBatch(action: string, before: Date, batch: number): Promise<number> {
    const result = await this.db.execute(sql`
      delete from audit_events where id in (
        select id from audit_events where action = ${action} and created_at < ${before.toISOString()}::timestamptz limit ${batch})`);
    return Number((result as { rowCount?: number; affectedRows?: number }).rowCount ?? (result as { affectedRows?: number }).affectedRows ?? 0);
  }
}
