import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';

export type Slot = { startAt: number } | { blockedUntil: number };

/**
 * Where the creation pace of each GitHub account is kept: the next free slot, and until when GitHub asked to
 * wait (a secondary limit's `retry-after`). GitHub counts per account, not per replica, so the fleet shares it.
 */
export interface PacingLedger {
  /** Takes the account's next slot (`minIntervalMs` after the last one taken), unless GitHub asked to wait. */
  reserve(account: string, minIntervalMs: number, now: number): Promise<Slot>;
  /** GitHub asked to wait until `until` (epoch ms): every replica holds back until then. */
  block(account: string, until: number): Promise<void>;
}

/** One process's ledger (tests on a manual clock; a process without a shared database). */
export class MemoryPacingLedger implements PacingLedger {
  private readonly next = new Map<string, number>();
  private readonly blocked = new Map<string, number>();

  async reserve(account: string, minIntervalMs: number, now: number): Promise<Slot> {
    const blockedUntil = this.blocked.get(account) ?? 0;
    if (blockedUntil > now) return { blockedUntil };
    const startAt = Math.max(this.next.get(account) ?? 0, now);
    this.next.set(account, startAt + minIntervalMs);
    return { startAt };
  }

  async block(account: string, until: number): Promise<void> {
    this.blocked.set(account, Math.max(this.blocked.get(account) ?? 0, until));
  }
}

/**
 * The fleet's ledger: one `job_state` row per account (`pace:<app key>:<account id>`), taken and advanced in one
 * upsert, so replicas never hand out the same slot (the row lock of the conflict update orders them). Times are
 * the replicas' own clocks in epoch ms; a skew between replicas shifts a slot by that skew, no more.
 */
export class DatabasePacingLedger implements PacingLedger {
  constructor(private readonly db: Database) {}

  async reserve(account: string, minIntervalMs: number, now: number): Promise<Slot> {
    const result = await this.db.execute(sql`
      insert into job_state (name, data)
      values (${key(account)}, jsonb_build_object('next', ${now}::bigint + ${minIntervalMs}::bigint, 'blocked', 0))
      on conflict (name) do update set
        data = case
          when coalesce((job_state.data->>'blocked')::bigint, 0) > ${now}::bigint then job_state.data
          else jsonb_build_object(
            'next', greatest(coalesce((job_state.data->>'next')::bigint, 0), ${now}::bigint) + ${minIntervalMs}::bigint,
            'blocked', coalesce((job_state.data->>'blocked')::bigint, 0))
        end,
        updated_at = now()
      returning data`);
    const data = rowsOf(result)[0]!.data;
    const blocked = Number(data.blocked ?? 0);
    if (blocked > now) return { blockedUntil: blocked };
    return { startAt: Number(data.next) - minIntervalMs };
  }

  async block(account: string, until: number): Promise<void> {
    await this.db.execute(sql`
      insert into job_state (name, data) values (${key(account)}, jsonb_build_object('next', 0, 'blocked', ${until}::bigint))
      on conflict (name) do update set
        data = jsonb_set(job_state.data, '{blocked}',
          to_jsonb(greatest(coalesce((job_state.data->>'blocked')::bigint, 0), ${until}::bigint))),
        updated_at = now()`);
  }
}

const key = (account: string) => `pace:${account}`;

/** node-postgres and PGlite both answer `execute` with `{ rows }`; drizzle types it per driver. */
function rowsOf(result: unknown): { data: Record<string, unknown> }[] {
  return (result as { rows: { data: Record<string, unknown> }[] }).rows;
}
