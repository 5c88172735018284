import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bench, inHeavyRounds } from '../lib/bench.js';
import { httpLoad } from '../lib/http-load.js';
import { ratios } from '../lib/report.js';
import { freshPostgres, type ProductionApp, type RunningServer, startBareHono, startProduction, startSandbox } from '../lib/servers.js';
import { num, showRatio, showSpread, spread } from '../lib/stats.js';
import { startWorld } from '../lib/world.js';
import { loadLimits, signedDelivery } from './http.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function productionApp(webhookSecret: string) {
  const w = await startWorld();
  const app: ProductionApp = {
    appId: w.appId,
    clientId: w.clientId,
    privateKey: w.privateKey,
    apiUrl: w.sim.apiUrl,
    webUrl: w.sim.webUrl,
    webhookSecret,
  };
  return { w, app };
}

/**
 * Signed webhook intake in production mode, on PGlite and on PostgreSQL, against bare hono checking the same
 * signature. Each delivery has a fresh id and names an installation nobody holds (recorded, then ignored).
 */
export async function webhookIntake(bench: Bench) {
  const secret = randomBytes(24).toString('hex');
  const { w, app } = await productionApp(secret);
  const dataDir = mkdtempSync(join(tmpdir(), 'hubgate-bench-pglite-'));
  const database = await freshPostgres();
  const servers: RunningServer[] = [];
  try {
    const onPglite = await startProduction(app, { dataDir });
    servers.push(onPglite);
    const onPostgres = await startProduction(app, { databaseUrl: database.url });
    servers.push(onPostgres);
    const bare = await startBareHono(secret);
    servers.push(bare);
    const limits = loadLimits(bench);
    const load = async (server: RunningServer, what: string) => {
      const result = await httpLoad({ ...limits, url: `${server.url}/webhooks/github`, method: 'POST', body: signedDelivery(secret) });
      if (result.errors) throw new Error(`${what}: ${result.errors} deliveries refused (first: ${result.firstError})`);
      await pause(1000); // the work after the answer drains before the next row
      return result;
    };
    const rounds = await inHeavyRounds(bench, async () => ({
      pglite: await load(onPglite, 'PGlite'),
      postgres: await load(onPostgres, 'PostgreSQL'),
      floor: await load(bare, 'bare hono'),
    }));
    const rate = (k: 'pglite' | 'postgres' | 'floor') => rounds.map((x) => x[k].perSecond);
    const p99 = (k: 'pglite' | 'postgres' | 'floor') => rounds.map((x) => x[k].p99Ms);
    const r = bench.report;
    r.section(
      '11. Signed webhook intake (production mode)',
      `\`POST /webhooks/github\` with a valid signature and a fresh delivery id each time (\`installation_repositories\` for an installation nobody holds: recorded, looked up, ignored), ${limits.concurrency} connections for up to ${limits.maxMs / 1000} s per row and round; a second's pause after each row lets the work done after the answer drain. The floor is bare hono reading the body and checking the same HMAC.`,
    );
    const rows = [
      ['hubgate on PGlite', 'pglite'],
      ['hubgate on PostgreSQL', 'postgres'],
      ['floor: bare hono, signature check only', 'floor'],
    ] as const;
    r.table(
      ['receiver', 'deliveries/s', 'p99', '÷ floor'],
      rows.map(([label, k]) => [label, showSpread(spread(rate(k))), showSpread(spread(p99(k)), 'ms'), showRatio(ratios(rate(k), rate('floor')))]),
    );
    const pgRate = spread(rate('postgres'));
    const pgP99 = spread(p99('postgres'));
    r.goal({
      what: 'signed webhook intake (PostgreSQL)',
      goal: '≥ 1,000/s per replica, p99 ≤ 100 ms',
      measured: `${showSpread(pgRate, '/s')}, p99 ${showSpread(pgP99, 'ms')} (PGlite: ${num(spread(rate('pglite')).median)}/s, p99 ${num(spread(p99('pglite')).median)} ms)`,
      met: pgRate.median >= 1000 && pgP99.median <= 100,
    });
    r.check('webhooks on PostgreSQL at least 100/s', pgRate.median >= 100, `${num(pgRate.median)}/s`);
  } finally {
    for (const server of servers) await server.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
    await w.close();
  }
}

/**
 * Spawn to the first 200 on /healthz, and resident memory then: the sandbox (a fresh in-memory PGlite every start,
 * by design, loaded from the build's migrated template), production against an already migrated PostgreSQL and
 * PGlite (a restarted replica), and bare hono.
 */
export async function startup(bench: Bench) {
  const { w, app } = await productionApp(randomBytes(24).toString('hex'));
  const dataDir = mkdtempSync(join(tmpdir(), 'hubgate-bench-pglite-'));
  const database = await freshPostgres();
  try {
    // First starts migrate; the rows measure restarts.
    await (await startProduction(app, { databaseUrl: database.url })).close();
    await (await startProduction(app, { dataDir })).close();
    const once = async (start: () => Promise<RunningServer>) => {
      const server = await start();
      await server.close();
      return { ms: server.startMs, mb: server.rssBytes / 2 ** 20 };
    };
    const rounds = await inHeavyRounds(bench, async () => ({
      sandbox: await once(startSandbox),
      postgres: await once(() => startProduction(app, { databaseUrl: database.url })),
      pglite: await once(() => startProduction(app, { dataDir })),
      floor: await once(() => startBareHono()),
    }));
    type K = 'sandbox' | 'postgres' | 'pglite' | 'floor';
    const ms = (k: K) => rounds.map((x) => x[k].ms);
    const mb = (k: K) => rounds.map((x) => x[k].mb);
    const r = bench.report;
    r.section(
      '12. Start to first 200',
      'From spawning the root `start` script\'s command (what `npm start` runs, without npm) to the first 200 on `/healthz`, polled every few milliseconds; RSS of the process at that moment. Production mode restarts against an already migrated database, with Redis configured.',
    );
    const rows: [string, K][] = [
      ['hubgate sandbox (simulator, OpenID provider, fresh in-memory PGlite from the migrated template)', 'sandbox'],
      ['hubgate production, PostgreSQL', 'postgres'],
      ['hubgate production, PGlite', 'pglite'],
      ['floor: bare hono', 'floor'],
    ];
    r.table(
      ['server', 'start to first 200', '÷ floor', 'RSS', '÷ floor'],
      rows.map(([label, k]) => [label, showSpread(spread(ms(k)), 'ms'), showRatio(ratios(ms(k), ms('floor'))), showSpread(spread(mb(k)), 'MB'), showRatio(ratios(mb(k), mb('floor')))]),
    );
    const prodMs = spread(ms('postgres'));
    const prodMb = spread(mb('postgres'));
    r.goal({
      what: 'start to first 200, production mode',
      goal: '≤ 1 s and ≤ 150 MB',
      measured: `${showSpread(prodMs, 'ms')}, ${showSpread(prodMb, 'MB')} (PostgreSQL)`,
      met: prodMs.median <= 1000 && prodMb.median <= 150,
    });
    const sandboxMs = spread(ms('sandbox'));
    r.goal({ what: 'start to first 200, sandbox', goal: '≤ 2 s', measured: `${showSpread(sandboxMs, 'ms')}, ${showSpread(spread(mb('sandbox')), 'MB')}`, met: sandboxMs.median <= 2000 });
    r.check('production start under 20x bare hono', ratios(ms('postgres'), ms('floor')).median < 20, showRatio(ratios(ms('postgres'), ms('floor'))));
  } finally {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
    await w.close();
  }
}
