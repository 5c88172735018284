import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { type EventTarget, eventOutbox } from '../db/schema/index.js';

export type OutboxRow = typeof eventOutbox.$inferSelect;
export type NewOutboxRow = Omit<typeof eventOutbox.$inferInsert, 'id' | 'status' | 'attempts' | 'leaseUntil' | 'deliveredAt'>;

/**
 * The only writer of `event_outbox` (docs/events.md). Rows are added in the intake's transaction, taken with a lease
 * (a replica that dies mid-send leaves a row another takes once the lease has passed), then delivered, rescheduled
 * or dead.
 */
export class EventOutboxStore {
  constructor(private readonly db: Database) {}

  /** Adds rows; one already there (the same tenant, target and delivery id) is kept as it is. The count added. */
  async add(rows: NewOutboxRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const added = await this.db.insert(eventOutbox).values(rows).onConflictDoNothing().returning({ id: eventOutbox.id });
    return added.length;
  }

  /**
   * Up to `limit` rows due now, each the oldest pending row of its target and repository (so a repository's events
   * go out in order, one at a time per target), skipping the targets in `busy`, leased to this replica until
   * `leaseUntil`. Each row is taken by a conditional update, so two replicas never take one row at once.
   */
  async take(now: Date, leaseUntil: Date, limit: number, busy: ReadonlySet<string>): Promise<OutboxRow[]> {
    const candidates = await this.db.execute(sql`
      select o.id, o.organization_id, o.target from event_outbox o
      where o.status = 'pending' and o.next_attempt_at <= ${now.toISOString()}::timestamptz
        and (o.lease_until is null or o.lease_until < ${now.toISOString()}::timestamptz)
        and not exists (
          select 1 from event_outbox e
          where e.status = 'pending' and e.organization_id = o.organization_id and e.target = o.target
            and e.github_repo_id = o.github_repo_id and e.id < o.id)
      order by o.id limit ${limit * 4}`);
    const chosen: number[] = [];
    for (const candidate of rowsOf(candidates)) {
      if (chosen.length >= limit) break;
      if (!busy.has(targetKey(candidate.target, candidate.organization_id))) chosen.push(Number(candidate.id));
    }
    if (chosen.length === 0) return [];
    // One conditional update leases them all: a row another replica leased meanwhile is not in the answer.
    const taken = await this.db
      .update(eventOutbox)
      .set({ leaseUntil })
      .where(
        and(
          inArray(eventOutbox.id, chosen),
          eq(eventOutbox.status, 'pending'),
          sql`(${eventOutbox.leaseUntil} is null or ${eventOutbox.leaseUntil} < ${now.toISOString()}::timestamptz)`,
        ),
      )
      .returning();
    taken.sort((a, b) => a.id - b.id);
    return taken;
  }

  /** Rows delivered with one answer status (null: in process), in one statement. */
  async delivered(ids: number[], now: Date, status: number | null): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .update(eventOutbox)
      .set({ status: 'delivered', deliveredAt: now, leaseUntil: null, lastStatus: status, lastError: null, attempts: sql`${eventOutbox.attempts} + 1` })
      .where(inArray(eventOutbox.id, ids));
  }

  /** A failed attempt: tried again at `next`, or dead when `next` is null (the retry window is over). */
  async failed(id: number, next: Date | null, status: number | null, error: string): Promise<void> {
    await this.db
      .update(eventOutbox)
      .set({
        status: next ? 'pending' : 'dead',
        nextAttemptAt: next ?? sql`${eventOutbox.nextAttemptAt}`,
        leaseUntil: null,
        lastStatus: status,
        lastError: error.slice(0, 500),
        attempts: sql`${eventOutbox.attempts} + 1`,
      })
      .where(eq(eventOutbox.id, id));
  }

  /** The tenant's most recent rows of a target, newest first (the settings page). */
  recent(organizationId: string, targets: EventTarget[], limit: number, status?: 'dead'): Promise<OutboxRow[]> {
    return this.db
      .select()
      .from(eventOutbox)
      .where(
        and(
          eq(eventOutbox.organizationId, organizationId),
          inArray(eventOutbox.target, targets),
          status ? eq(eventOutbox.status, status) : undefined,
        ),
      )
      .orderBy(desc(eventOutbox.id))
      .limit(limit);
  }

  /** A dead row of the tenant sent again from now, with a fresh retry window; null when there is no such row. */
  async redeliver(organizationId: string, id: number, now: Date): Promise<OutboxRow | null> {
    const [row] = await this.db
      .update(eventOutbox)
      .set({ status: 'pending', attempts: 0, nextAttemptAt: now, leaseUntil: null, createdAt: now, lastError: null })
      .where(and(eq(eventOutbox.id, id), eq(eventOutbox.organizationId, organizationId), eq(eventOutbox.status, 'dead')))
      .returning();
    return row ?? null;
  }

  /** Delivered rows older than `before` go (the dead stay until redelivered or the tenant's data goes). */
  async prune(before: Date): Promise<number> {
    const gone = await this.db
      .delete(eventOutbox)
      .where(and(eq(eventOutbox.status, 'delivered'), lt(eventOutbox.createdAt, before)))
      .returning({ id: eventOutbox.id });
    return gone.length;
  }
}

/** Concurrency is counted per endpoint: the deployment's, each tenant's, and the in-process handlers. */
export const targetKey = (target: EventTarget, organizationId: string) => (target === 'tenant' ? `tenant:${organizationId}` : target);

type Candidate = { id: string | number; organization_id: string; target: EventTarget };
/** node-postgres and PGlite both answer `execute` with `{ rows }`; drizzle types it per driver. */
const rowsOf = (result: unknown): Candidate[] => (result as { rows: Candidate[] }).rows;
