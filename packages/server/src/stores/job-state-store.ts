import { eq, like, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { jobState } from '../db/schema/index.js';

export type Slot = { startAt: number } | { blockedUntil: number };

/**
 * The only writer of `job_state`: the named state of the background jobs (the reconcile pass, each tenant's restore
 * after a reconnect) and the creation pace of each GitHub account. Each job owns its own names (`reconcile`,
 * `restore:<org>`, `pace:<account>`); the store owns the table.
 */
export class JobStateStore {
  constructor(private readonly db: Database) {}

  async get<T>(name: string): Promise<T | null> {
    const [row] = await this.db.select().from(jobState).where(eq(jobState.name, name));
    return (row?.data as T | undefined) ?? null;
  }

  /** Every row whose name starts with `prefix` (e.g. the restores still running after a restart). */
  async withPrefix<T>(prefix: string): Promise<{ name: string; data: T }[]> {
    const rows = await this.db.select().from(jobState).where(like(jobState.name, `${prefix.replace(/[%_\\]/g, '\\$&')}%`));
    return rows.map((r) => ({ name: r.name, data: r.data as T }));
  }

  async put(name: string, data: object): Promise<void> {
    const value = data as Record<string, unknown>;
    await this.db.insert(jobState).values({ name, data: value }).onConflictDoUpdate({ target: jobState.name, set: { data: value } });
  }

  /**
   * Takes the next creation slot of an account in one upsert, so replicas never hand out the same slot (the row lock
   * of the conflict update orders them), unless GitHub asked to wait. Times are the replicas' own clocks in epoch ms.
   * Plain SQL: the update reads and writes the jsonb in one statement, which the query builder cannot say.
   */
  async reservePace(name: string, minIntervalMs: number, now: number): Promise<Slot> {
    const result = await this.db.execute(sql`
      insert into job_state (name, data)
      values (${name}, jsonb_build_object('next', ${now}::bigint + ${minIntervalMs}::bigint, 'blocked', 0))
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

  /** GitHub asked the account to wait until `until` (epoch ms): the later of that and any earlier wait is kept. */
  async blockPace(name: string, until: number): Promise<void> {
    await this.db.execute(sql`
      insert into job_state (name, data) values (${name}, jsonb_build_object('next', 0, 'blocked', ${until}::bigint))
      on conflict (name) do update set
        data = jsonb_set(job_state.data, '{blocked}',
          to_jsonb(greatest(coalesce((job_state.data->>'blocked')::bigint, 0), ${until}::bigint))),
        updated_at = now()`);
  }
}

/** node-postgres and PGlite both answer `execute` with `{ rows }`; drizzle types it per driver. */
function rowsOf(result: unknown): { data: Record<string, unknown> }[] {
  return (result as { rows: { data: Record<string, unknown> }[] }).rows;
}
