import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Bench, inHeavyRounds } from '../lib/bench.js';
import { httpLoad, type LoadResult } from '../lib/http-load.js';
import { ratios } from '../lib/report.js';
import { freshPostgres, type RunningServer, startBareBroker, startProduction } from '../lib/servers.js';
import { num, showRatio, showSpread, spread } from '../lib/stats.js';
import { startWorld } from '../lib/world.js';
import { startBenchIssuer } from '../lib/bench-issuer.js';
import { loadLimits } from './http.js';

const organizationId = 'org_bench';

/**
 * The tenant the broker rows measure, written as hubgate's own API would leave it (connected to the world's
 * installation, one project on its repository, one agent key with the default grant): production mode has no
 * sign-in to drive here. Returns the key.
 */
async function seedTenant(db: pg.Client, installationId: number, repositoryId: number, accountId: number): Promise<string> {
  const key = `hgk_${randomBytes(32).toString('base64url')}`;
  const hash = createHash('sha256').update(key).digest('base64url');
  await db.query(
    `insert into github_installations (organization_id, installation_id, account_login, account_id, account_type, repository_selection)
     values ($1, $2, 'tisket-com', $3, 'Organization', 'selected')`,
    [organizationId, installationId, accountId],
  );
  await db.query(
    `insert into repos (organization_id, slug, name, kind, github_repo_id, account_id, full_name, access_state)
     values ($1, 'developer-guide', 'Developer guide', 'guide', $2, $3, 'tisket-com/developer-guide', 'reachable')`,
    [organizationId, repositoryId, accountId],
  );
  await db.query(`insert into agent_keys (organization_id, name, prefix, key_hash, created_by) values ($1, 'bench', $2, $3, 'bench')`, [
    organizationId,
    key.slice(0, 12),
    hash,
  ]);
  return key;
}

/** A trust policy for the bench issuer's service account, with its grant on a secretless agent key (as the API makes it). */
async function seedTrustPolicy(db: pg.Client, issuer: string) {
  const { rows } = await db.query<{ id: string }>(
    `insert into agent_keys (organization_id, name, prefix, key_hash, created_by, purpose)
     values ($1, 'trust policy: bench', 'policy', $2, 'bench', 'trust_policy') returning id`,
    [organizationId, createHash('sha256').update(randomBytes(32)).digest('base64url')],
  );
  await db.query(
    `insert into trust_policies (organization_id, name, issuer, subject, claims, key_id, created_by)
     values ($1, 'bench', $2, 'system:serviceaccount:bench:*', '{}'::jsonb, $3, 'bench')`,
    [organizationId, issuer, rows[0]!.id],
  );
}

/** `rows` earlier issuance audit rows, as a busy fleet leaves them (other keys, other tokens), in one statement. */
async function fillAudit(db: pg.Client, rows: number) {
  await db.query(
    `insert into audit_events (organization_id, actor, action, target, detail, created_at)
     select $1, 'agent_key:' || md5(g::text), 'broker.token_issued', 'repo:1',
            jsonb_build_object('tokenHash', md5(g::text), 'keyId', md5((g % 97)::text), 'permissions', '{"contents":"write"}'::jsonb),
            now() - (g || ' seconds')::interval
     from generate_series(1, $2) g`,
    [organizationId, rows],
  );
  // What a bulk load leaves for later (the visibility map, statistics, dirty pages) is done now, so that neither row
  // measures PostgreSQL catching up.
  await db.query('vacuum analyze audit_events');
  await db.query('checkpoint');
}

/**
 * The broker on PostgreSQL + Redis in production mode (`POST /api/v1/tokens`, a cached token: the steady state)
 * against a floor doing the same request and the same database work minus hubgate; then again with a million earlier
 * audit rows; and the cold hand-out's wait for the minimum token age.
 */
export async function brokerCosts(bench: Bench) {
  const world = await startWorld();
  const database = await freshPostgres();
  const issuer = await startBenchIssuer();
  const servers: RunningServer[] = [];
  const db = new pg.Client({ connectionString: database.url });
  try {
    const app = {
      appId: world.appId,
      clientId: world.clientId,
      privateKey: world.privateKey,
      apiUrl: world.sim.apiUrl,
      webUrl: world.sim.webUrl,
      webhookSecret: randomBytes(24).toString('hex'),
    };
    const hub = await startProduction(app, { databaseUrl: database.url }, { HUBGATE_AGENT_RATE_LIMIT: '1000000', HUBGATE_ALLOWED_PRIVATE_HOSTS: issuer.host });
    servers.push(hub);
    await db.connect();
    const accountId = world.sim.store.requireAccount('tisket-com').id;
    const key = await seedTenant(db, world.installationId, world.repositoryId, accountId);
    await seedTrustPolicy(db, issuer.url);
    const floor = await startBareBroker(database.url);
    servers.push(floor);
    const limits = loadLimits(bench);
    const repository = `${world.sim.webUrl}/tisket-com/developer-guide.git`;
    const load = async (server: RunningServer, what: string): Promise<LoadResult> => {
      const result = await httpLoad({
        ...limits,
        url: `${server.url}/api/v1/tokens`,
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: () => ({ body: JSON.stringify({ repository }) }),
        warmup: 200,
      });
      if (result.errors) throw new Error(`${what}: ${result.errors} failed requests (first: ${result.firstError})`);
      return result;
    };
    // The cold hand-out: the first call mints, then waits out the minimum age (1 s by default); the next is cached.
    const timed = async () => {
      const started = performance.now();
      const response = await fetch(`${hub.url}/api/v1/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ repository }),
      });
      if (response.status !== 200) throw new Error(`broker answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
      await response.arrayBuffer();
      return performance.now() - started;
    };
    const coldMs = await timed();
    const warmMs = await timed();
    // Both servers' code paths warm (JIT, pools, prepared statements) before any round is timed.
    await load(hub, 'hubgate warm-up');
    await load(floor, 'floor warm-up');

    const empty = await inHeavyRounds(bench, async () => ({ hub: await load(hub, 'hubgate'), floor: await load(floor, 'floor') }));

    // The exchange: a distinct ID token per request (so no answer is the same lease found again), the issuer's keys
    // cached after the first; beside the agent-key call in the same round.
    const exchangesPerRow = bench.quick ? 3_000 : 12_000;
    const exchangeLoad = async (): Promise<LoadResult> => {
      const tokens = await issuer.tokens(exchangesPerRow + 200, `${hub.url}/tenants/${organizationId}`);
      let next = 0;
      const result = await httpLoad({
        ...limits,
        maxRequests: exchangesPerRow,
        url: `${hub.url}/api/v1/tokens/exchange`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: () => ({
          body: JSON.stringify({
            grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
            subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
            subject_token: tokens[next++ % tokens.length],
            resource: repository,
          }),
        }),
        warmup: 200,
      });
      if (result.errors) throw new Error(`exchange: ${result.errors} failed requests (first: ${result.firstError})`);
      return result;
    };
    await exchangeLoad();
    const exchanged = await inHeavyRounds(bench, async () => ({ hub: await load(hub, 'hubgate'), floor: await exchangeLoad() }));
    const auditRows = bench.quick ? 100_000 : 1_000_000;
    await fillAudit(db, auditRows);
    const full = await inHeavyRounds(bench, async () => ({ hub: await load(hub, 'hubgate with audit'), floor: await load(floor, 'floor') }));
    const { rows: counted } = await db.query<{ n: string }>('select count(*) as n from audit_events');

    const rate = (rounds: { hub: LoadResult; floor: LoadResult }[], k: 'hub' | 'floor') => rounds.map((x) => x[k].perSecond);
    const p99 = (rounds: { hub: LoadResult; floor: LoadResult }[], k: 'hub' | 'floor') => rounds.map((x) => x[k].p99Ms);
    const r = bench.report;
    r.section(
      '10b. The token broker on PostgreSQL + Redis (production mode)',
      `\`POST /api/v1/tokens\` with an agent key for a project's repository URL (a cached token: the steady state), ${limits.concurrency} keep-alive connections for up to ${limits.maxMs / 1000} s per row and round. hubgate in production mode (a GitHub App on the simulator, PostgreSQL, Redis; the per-key limit raised to 1,000,000 a minute, still checked). Per call it does one lookup (key, project, installation), the process-tier token, and one grouped write (lease, audit row, revocation check) committed before the answer. The floor (\`scripts/bench/workers/bare-broker.mjs\`) is bare hono on the same database doing the same request minus hubgate: the body parsed, one indexed SELECT (the key by hash joined to the project by name) and one INSERT per batch of concurrent calls, committed before a constant answer. Then ${num(auditRows)} earlier \`broker.token_issued\` audit rows are written (${num(Number(counted[0]!.n))} rows in the table in all) and both are measured again.`,
    );
    r.table(
      ['row', 'requests/s', 'p99', '÷ floor'],
      [
        ['hubgate, empty audit', showSpread(spread(rate(empty, 'hub'))), showSpread(spread(p99(empty, 'hub')), 'ms'), showRatio(ratios(rate(empty, 'hub'), rate(empty, 'floor')))],
        ['floor: bare hono + SELECT + grouped INSERT', showSpread(spread(rate(empty, 'floor'))), showSpread(spread(p99(empty, 'floor')), 'ms'), '1.00x'],
        [`hubgate, ${num(auditRows)} earlier audit rows`, showSpread(spread(rate(full, 'hub'))), showSpread(spread(p99(full, 'hub')), 'ms'), showRatio(ratios(rate(full, 'hub'), rate(full, 'floor')))],
        [`floor, the same`, showSpread(spread(rate(full, 'floor'))), showSpread(spread(p99(full, 'floor')), 'ms'), '1.00x'],
      ],
    );
    const exchangeRatio = ratios(rate(exchanged, 'floor'), rate(exchanged, 'hub'));
    r.table(
      ['row (same rounds)', 'requests/s', 'p99', '÷ agent-key call'],
      [
        ['agent-key call (`POST /api/v1/tokens`)', showSpread(spread(rate(exchanged, 'hub'))), showSpread(spread(p99(exchanged, 'hub')), 'ms'), '1.00x'],
        [
          'token exchange (`POST /api/v1/tokens/exchange`, a new ES256 ID token each time, issuer keys cached)',
          showSpread(spread(rate(exchanged, 'floor'))),
          showSpread(spread(p99(exchanged, 'floor')), 'ms'),
          showRatio(exchangeRatio),
        ],
      ],
    );
    r.note(
      `An exchange is the agent-key call plus one signature check (jose, ES256) and one prepared query for a live lease of the same ID token (the tenant's policies are cached 5 s per replica); up to ${num(exchangesPerRow)} exchanges per row, each with its own token.`,
    );
    r.goal({ what: 'token exchange against the agent-key call', goal: '≥ 0.7x (one signature check and one query more)', measured: showRatio(exchangeRatio), met: exchangeRatio.median >= 0.7 });
    r.check('token exchange at least 0.4x the agent-key call', exchangeRatio.median >= 0.4, showRatio(exchangeRatio));
    r.note(
      `The cold hand-out (a new key's first call: one mint on the simulator, then the wait for \`HUBGATE_TOKEN_MIN_AGE_MS\` = 1,000 ms) took ${num(coldMs)} ms; the next call, cached, ${num(warmMs)} ms: the minimum age costs a cold mint its wait and a cached token nothing.`,
    );
    const ratio = ratios(rate(empty, 'hub'), rate(empty, 'floor'));
    const p99Hub = spread(p99(empty, 'hub'));
    const flat = ratios(rate(full, 'hub'), rate(empty, 'hub'));
    r.goal({ what: 'broker throughput (PostgreSQL + Redis)', goal: '≥ 0.5x a floor doing the same work', measured: showRatio(ratio), met: ratio.median >= 0.5 });
    r.goal({ what: 'broker p99 at 32 connections', goal: '≤ 25 ms', measured: showSpread(p99Hub, 'ms'), met: p99Hub.median <= 25 });
    r.goal({
      what: `broker with ${num(auditRows)} earlier audit rows`,
      goal: '≥ 0.9x its rate on an empty table',
      measured: showRatio(flat),
      met: flat.median >= 0.9,
    });
    r.check('broker at least 0.25x its same-work floor', ratio.median >= 0.25, showRatio(ratio));
    r.check('broker with a full audit at least 0.7x its empty rate', flat.median >= 0.7, showRatio(flat));
  } finally {
    await db.end().catch(() => {});
    for (const server of servers) await server.close();
    await database.drop();
    await world.close();
    await issuer.close();
  }
}
