import { and, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { type RawQuery, rawQuery } from '../db/raw-query.js';
import { agentKeys, agentTokens, tokenLeases } from '../db/schema/index.js';
import type { AgentGrant } from '@hubgate/contract';
import { WriteBatcher } from '../webhooks/write-batcher.js';
import { inTransaction } from './transaction.js';

export type AgentTokenRow = typeof agentTokens.$inferSelect;

/** What the broker needs for one call, read in one statement: the key, the named project, the live installation. */
export interface BrokerLookup {
  keyId: string;
  organizationId: string;
  keyName: string;
  grant: AgentGrant;
  keyExpiresAt: Date | null;
  keyRevokedAt: Date | null;
  lastUsedAt: Date | null;
  project: {
    id: string;
    kind: 'project' | 'team' | 'guide';
    githubRepoId: number | null;
    accountId: number | null;
    fullName: string | null;
    accessState: string;
    appKey: string;
  } | null;
  installation: { installationId: number; appKey: string; accountId: number; suspendedAt: Date | null } | null;
}

/** One hand-out to record: its lease, its audit row, and the token's own row the first time this process leases it. */
export interface HandOut {
  leaseId: string;
  organizationId: string;
  keyId: string;
  tokenHash: string;
  job: string | null;
  leaseExpiresAt: Date;
  target: string;
  detail: Record<string, unknown>;
  token?: {
    appKey: string;
    installationId: number;
    githubRepoId: number;
    permissions: Record<string, string>;
    exclusiveLease: string | null;
    sealed: string;
    sealKeyId: string;
    expiresAt: Date;
  };
}

/** `retry`: the token's row was being written by another replica at that instant; writing again settles it. */
export type HandOutOutcome = 'leased' | 'key_revoked' | 'token_revoked' | 'retry';

const lookupSql = `
select k.id as key_id, k.organization_id, k.name as key_name, k."grant", k.expires_at as key_expires_at,
       k.revoked_at as key_revoked_at, k.last_used_at,
       r.id as project_id, r.kind as project_kind, r.github_repo_id, r.account_id as repo_account_id, r.full_name,
       r.access_state, r.app_key as repo_app_key,
       i.installation_id, i.app_key as installation_app_key, i.account_id as installation_account_id, i.suspended_at
from agent_keys k
left join lateral (
  select * from repos r where r.organization_id = k.organization_id and lower(r.full_name) = $2 limit 1
) r on true
left join github_installations i on i.organization_id = k.organization_id and i.deleted_at is null
where k.key_hash = $1`;

/*
 * The hand-outs of one batch in one statement (one round trip, committed before any token is answered). The key
 * rows and the token rows are locked FOR KEY SHARE: a revocation (of the key, of the token at its last lease's end,
 * the kill switch) takes FOR UPDATE on them first, so either it waits for this statement and then sees its leases
 * and new tokens, or this statement waits for it and then leases nothing on what it revoked.
 */
const handOutSql = `
with v as materialized (
  select * from jsonb_to_recordset($1::jsonb) as v(
    lease_id uuid, organization_id text, key_id uuid, token_hash text, job text, lease_expires_at timestamptz,
    target text, detail jsonb, app_key text, installation_id bigint, github_repo_id bigint, permissions jsonb,
    exclusive_lease text, token_sealed text, seal_key_id text, token_expires_at timestamptz)
),
live_keys as materialized (
  select k.id from agent_keys k where k.id in (select key_id from v) and k.revoked_at is null for key share
),
fresh as (
  insert into agent_tokens (token_hash, organization_id, key_id, app_key, installation_id, github_repo_id,
                            permissions, exclusive_lease, token_sealed, seal_key_id, expires_at)
  select distinct on (token_hash) token_hash, organization_id, key_id, app_key, installation_id, github_repo_id,
         permissions, exclusive_lease, token_sealed, seal_key_id, token_expires_at
  from v where token_sealed is not null and key_id in (select id from live_keys)
  on conflict (token_hash) do nothing
  returning token_hash
),
live_tokens as materialized (
  select t.token_hash from agent_tokens t
  where t.token_hash in (select token_hash from v) and t.revoked_at is null for key share
),
ok as materialized (
  select v.* from v
  where v.key_id in (select id from live_keys)
    and (v.token_hash in (select token_hash from live_tokens) or v.token_hash in (select token_hash from fresh))
),
leases as (
  insert into token_leases (id, organization_id, key_id, token_hash, job, expires_at)
  select lease_id, organization_id, key_id, token_hash, job, lease_expires_at from ok
  returning id
),
audit as (
  insert into audit_events (organization_id, actor, action, target, detail)
  select organization_id, 'agent_key:' || key_id, 'broker.token_issued', target, detail from ok
)
select v.lease_id as id,
       case when l.id is not null then 'leased'
            when v.key_id not in (select id from live_keys) then 'key_revoked'
            when exists (select 1 from agent_tokens t where t.token_hash = v.token_hash and t.revoked_at is not null)
              then 'token_revoked'
            else 'retry' end as outcome
from v left join leases l on l.id = v.lease_id`;

/* An exchange asked again (the same ID token): its live lease, on the partial index (key_id, job) of live leases. */
const leaseOfJobSql = `
select l.id as lease_id, l.expires_at as lease_expires_at, t.token_hash, t.github_repo_id, t.permissions, t.exclusive_lease,
       t.token_sealed, t.seal_key_id
from token_leases l join agent_tokens t on t.token_hash = l.token_hash
where l.key_id = $1 and l.job = $2 and l.ended_at is null and l.expires_at > $3::timestamptz and t.revoked_at is null
order by l.created_at desc limit 1`;

const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;
const affected = (result: unknown) => Number((result as { rowCount?: number; affectedRows?: number }).rowCount ?? (result as { affectedRows?: number }).affectedRows ?? 0);

const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/**
 * The broker's tables: `agent_tokens` (each token handed to a key, sealed) and `token_leases` (each hand-out). The
 * hot path (one lookup, one grouped hand-out write) is plain SQL in prepared statements; revocations go through
 * the query builder inside a transaction.
 */
export class AgentTokenStore {
  private readonly raw: RawQuery;
  private readonly batcher: WriteBatcher<HandOut, HandOutOutcome>;

  constructor(private readonly db: Database) {
    this.raw = rawQuery(db);
    this.batcher = new WriteBatcher((items) => this.writeHandOuts(items));
  }

  async lookup(keyHash: string, fullNameLower: string | null): Promise<BrokerLookup | null> {
    const [row] = await this.raw<Record<string, unknown>>('hubgate_broker_lookup', lookupSql, [keyHash, fullNameLower ?? '']);
    if (!row) return null;
    return {
      keyId: row.key_id as string,
      organizationId: row.organization_id as string,
      keyName: row.key_name as string,
      grant: (typeof row.grant === 'string' ? JSON.parse(row.grant) : row.grant) as AgentGrant,
      keyExpiresAt: (row.key_expires_at as Date | null) ?? null,
      keyRevokedAt: (row.key_revoked_at as Date | null) ?? null,
      lastUsedAt: (row.last_used_at as Date | null) ?? null,
      project: row.project_id
        ? {
            id: row.project_id as string,
            kind: row.project_kind as 'project' | 'team' | 'guide',
            githubRepoId: num(row.github_repo_id),
            accountId: num(row.repo_account_id),
            fullName: (row.full_name as string | null) ?? null,
            accessState: row.access_state as string,
            appKey: row.repo_app_key as string,
          }
        : null,
      installation:
        row.installation_id !== null && row.installation_id !== undefined
          ? {
              installationId: Number(row.installation_id),
              appKey: row.installation_app_key as string,
              accountId: Number(row.installation_account_id),
              suspendedAt: (row.suspended_at as Date | null) ?? null,
            }
          : null,
    };
  }

  /** Records a hand-out, grouped with the others of the same moment into one statement. */
  recordHandOut(handOut: HandOut): Promise<HandOutOutcome> {
    return this.batcher.add(handOut);
  }

  private async writeHandOuts(items: HandOut[]): Promise<HandOutOutcome[]> {
    const payload = items.map((h) => ({
      lease_id: h.leaseId,
      organization_id: h.organizationId,
      key_id: h.keyId,
      token_hash: h.tokenHash,
      job: h.job,
      lease_expires_at: h.leaseExpiresAt.toISOString(),
      target: h.target,
      detail: h.detail,
      app_key: h.token?.appKey ?? null,
      installation_id: h.token?.installationId ?? null,
      github_repo_id: h.token?.githubRepoId ?? null,
      permissions: h.token?.permissions ?? null,
      exclusive_lease: h.token?.exclusiveLease ?? null,
      token_sealed: h.token?.sealed ?? null,
      seal_key_id: h.token?.sealKeyId ?? null,
      token_expires_at: h.token?.expiresAt.toISOString() ?? null,
    }));
    const rows = await this.raw<{ id: string; outcome: HandOutOutcome }>('hubgate_broker_hand_out', handOutSql, [
      JSON.stringify(payload),
    ]);
    const byId = new Map(rows.map((r) => [r.id, r.outcome]));
    return items.map((h) => byId.get(h.leaseId) ?? 'retry');
  }

  /** A token's row by its hash (the job-end route's "did we issue it"). */
  /** The key's live hand-out labelled `job` whose token is live too, newest first: an exchange asked again. */
  async liveLeaseOfJob(keyId: string, job: string, now: Date) {
    const [row] = await this.raw<Record<string, unknown>>('hubgate_lease_of_job', leaseOfJobSql, [keyId, job, now.toISOString()]);
    if (!row) return undefined;
    return {
      leaseId: row.lease_id as string,
      leaseExpiresAt: new Date(row.lease_expires_at as string | Date),
      token: {
        tokenHash: row.token_hash as string,
        githubRepoId: Number(row.github_repo_id),
        permissions: (typeof row.permissions === 'string' ? JSON.parse(row.permissions) : row.permissions) as Record<string, string>,
        exclusive: (row.exclusive_lease as string | null) ?? null,
        token: row.token_sealed as string,
        sealKeyId: row.seal_key_id as string,
      },
    };
  }

  byHash(tokenHash: string): Promise<AgentTokenRow | undefined> {
    return this.db
      .select()
      .from(agentTokens)
      .where(eq(agentTokens.tokenHash, tokenHash))
      .then((rows) => rows[0]);
  }

  /**
   * Ends one live lease of the token (the one named, else the newest), and when no other live lease of it remains
   * marks the token revoked, under its row lock (a hand-out waiting on it then leases nothing). Answers whether the
   * token must now be revoked at GitHub, and which lease ended (null: none was live).
   */
  async endLease(
    tokenHash: string,
    leaseId: string | null,
    now: Date,
    options: { endOne: boolean } = { endOne: true },
  ): Promise<{ ended: string | null; revoke: AgentTokenRow | null }> {
    return inTransaction(this.db, async (tx) => {
      const [token] = await tx.select().from(agentTokens).where(eq(agentTokens.tokenHash, tokenHash)).for('update');
      if (!token) return { ended: null, revoke: null };
      const ended = !options.endOne ? { rows: [] as { id: string }[] } : await tx.execute<{ id: string }>(sql`
        update token_leases set ended_at = ${now.toISOString()}::timestamptz
        where id = (
          select id from token_leases
          where token_hash = ${tokenHash} and ended_at is null and expires_at > ${now.toISOString()}::timestamptz
          ${leaseId ? sql`and id = ${leaseId}::uuid` : sql``}
          order by created_at desc limit 1)
        returning id`);
      const endedId = rowsOf<{ id: string }>(ended)[0]?.id ?? null;
      if (token.revokedAt) return { ended: endedId, revoke: null };
      const [live] = await tx
        .select({ id: tokenLeases.id })
        .from(tokenLeases)
        .where(and(eq(tokenLeases.tokenHash, tokenHash), isNull(tokenLeases.endedAt), gt(tokenLeases.expiresAt, now)))
        .limit(1);
      if (live) return { ended: endedId, revoke: null };
      await tx.update(agentTokens).set({ revokedAt: now }).where(eq(agentTokens.tokenHash, tokenHash));
      return { ended: endedId, revoke: token };
    });
  }

  /**
   * Marks revoked every live token of the given keys and answers them, for the caller to revoke at GitHub. The key
   * rows are locked first (FOR UPDATE): hand-outs in flight for these keys either commit before (and their new
   * tokens are in the answer) or wait and then lease nothing.
   */
  async takeLiveTokens(
    run: Database,
    keyIds: string[],
    now: Date,
  ): Promise<AgentTokenRow[]> {
    if (keyIds.length === 0) return [];
    await run.select({ id: agentKeys.id }).from(agentKeys).where(inArray(agentKeys.id, keyIds)).for('update');
    return run
      .update(agentTokens)
      .set({ revokedAt: now })
      .where(and(inArray(agentTokens.keyId, keyIds), isNull(agentTokens.revokedAt), gt(agentTokens.expiresAt, now)))
      .returning();
  }

  /** Ends every live lease of these tokens (they were revoked with their key or by the kill switch). */
  async endLeasesOf(run: Database, tokenHashes: string[], now: Date) {
    if (tokenHashes.length === 0) return;
    await run
      .update(tokenLeases)
      .set({ endedAt: now })
      .where(and(inArray(tokenLeases.tokenHash, tokenHashes), isNull(tokenLeases.endedAt)));
  }

  /**
   * Tokens of keys whose grant shortens a hand-out's life, live at GitHub, with no live lease left: the sweep revokes
   * them (each through `endLease` without ending one, which checks again under the row lock).
   */
  async unleasedShortLived(now: Date, limit: number): Promise<string[]> {
    const rows = await this.db.execute<{ token_hash: string }>(sql`
      select t.token_hash from agent_tokens t join agent_keys k on k.id = t.key_id
      where t.revoked_at is null and t.expires_at > ${now.toISOString()}::timestamptz
        and (k."grant"->>'maxTokenLifetimeSeconds')::int < 3600
        and not exists (select 1 from token_leases l
                        where l.token_hash = t.token_hash and l.ended_at is null and l.expires_at > ${now.toISOString()}::timestamptz)
      limit ${limit}`);
    return rowsOf<{ token_hash: string }>(rows).map((r) => r.token_hash);
  }

  /** Deletes up to `batch` rows older than `before` of the hand-out log and of tokens long expired; answers how many. */
  async pruneBatch(before: Date, expiredBefore: Date, batch: number): Promise<number> {
    const leases = await this.db.execute(sql`
      delete from token_leases where id in (select id from token_leases where created_at < ${before.toISOString()}::timestamptz limit ${batch})`);
    const tokens = await this.db.execute(sql`
      delete from agent_tokens where token_hash in (
        select token_hash from agent_tokens where expires_at < ${expiredBefore.toISOString()}::timestamptz limit ${batch})`);
    return affected(leases) + affected(tokens);
  }

  /** Live tokens of a tenant (the kill switch's count, and the UI's). */
  async countLive(organizationId: string, now: Date): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(agentTokens)
      .where(and(eq(agentTokens.organizationId, organizationId), isNull(agentTokens.revokedAt), gt(agentTokens.expiresAt, now)));
    return row?.n ?? 0;
  }
}
