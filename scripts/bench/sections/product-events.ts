import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { type Bench, inHeavyRounds } from '../lib/bench.js';
import { freshPostgres, type RunningServer, startProduction } from '../lib/servers.js';
import { percentile, num, showSpread, spread, showRatio } from '../lib/stats.js';
import { ratios } from '../lib/report.js';
import { startWorld } from '../lib/world.js';
import { SecretSealer } from '../../../packages/server/src/sealing/secret-sealer.js';
import { EventEndpointStore } from '../../../packages/server/src/stores/event-endpoint-store.js';
import { newEventSecret } from '../../../packages/server/src/events/event-signer.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An endpoint that answers after `delayMs` and notes when each event (by its `webhook-id`) arrived. */
async function endpoint(delayMs: number) {
  const arrived = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrived.set(String(req.headers['webhook-id']), performance.now());
      setTimeout(() => res.writeHead(204).end(), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    host: `127.0.0.1:${port}`,
    arrived,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const push = (secret: string, repoId: number) => {
  const id = randomUUID();
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: randomBytes(20).toString('hex'),
    repository: { id: repoId, full_name: `tisket-com/r${repoId}`, default_branch: 'main' },
    installation: { id: 4_242 },
    commits: [],
    head_commit: null,
  });
  return {
    id,
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/bench',
      'x-github-event': 'push',
      'x-github-delivery': id,
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
  };
};

/**
 * Repository events for the product (docs/events.md), on PostgreSQL in production mode: signed pushes at a steady
 * 500/s, 90 % to 40 repositories of a tenant whose endpoint answers at once and 10 % to a tenant whose endpoint takes
 * 2 s per answer. The figure is GitHub-to-product latency (intake, outbox, dispatch, signed POST) of the fast tenant;
 * its floor is the same load with no slow tenant at all. Then the filter: a push of a repository that is no project,
 * dropped before storage, against bare hono checking the same signature.
 */
export async function productEvents(bench: Bench) {
  const w = await startWorld();
  const secret = randomBytes(24).toString('hex');
  const key = randomBytes(32).toString('hex');
  const database = await freshPostgres();
  const fast = await endpoint(0);
  const slow = await endpoint(2_000);
  const servers: RunningServer[] = [];
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  try {
    const hub = await startProduction(
      { appId: w.appId, clientId: w.clientId, privateKey: w.privateKey, apiUrl: w.sim.apiUrl, webUrl: w.sim.webUrl, webhookSecret: secret },
      { databaseUrl: database.url },
      { HUBGATE_SECRET_KEY: key, HUBGATE_ALLOWED_PRIVATE_HOSTS: `${fast.host},${slow.host}`, LOG_LEVEL: 'warn', HUBGATE_RECONCILE_INTERVAL_SECONDS: '0' },
    );
    servers.push(hub);
    const db = drizzle(pool) as never;
    const fastRepos = Array.from({ length: 40 }, (_, i) => 700_000 + i);
    const slowRepos = Array.from({ length: 4 }, (_, i) => 800_000 + i);
    for (const [org, ids] of [['org_fast', fastRepos], ['org_slow', slowRepos]] as const)
      for (const id of ids)
        await pool.query(
          `insert into repos (organization_id, slug, name, app_key, github_repo_id, full_name, access_state) values ($1, $2, $2, 'system', $3, $4, 'reachable')`,
          [org, `r${id}`, id, `tisket-com/r${id}`],
        );
    const endpoints = new EventEndpointStore(db, new SecretSealer(Buffer.from(key, 'hex')));
    await endpoints.put('org_fast', { url: fast.url, secret: newEventSecret(), by: 'bench' });

    const measureSeconds = bench.quick ? 3 : 10;
    const seconds = measureSeconds;
    const rate = 500;
    /** Sends `rate` pushes a second for `seconds`, in ticks of 10 ms; the fast tenant's latencies once all arrived. */
    const run = async (withSlow: boolean, seconds = measureSeconds) => {
      fast.arrived.clear();
      const sent = new Map<string, number>();
      const answers: Promise<unknown>[] = [];
      let errors = 0;
      const ticks = (seconds * 1000) / 10;
      const started = performance.now();
      for (let tick = 0; tick < ticks; tick++) {
        for (let i = 0; i < rate / 100; i++) {
          const toSlow = withSlow && (tick * (rate / 100) + i) % 10 === 0;
          const ids = toSlow ? slowRepos : fastRepos;
          const delivery = push(secret, ids[Math.floor(Math.random() * ids.length)]!);
          if (!toSlow) sent.set(delivery.id, performance.now());
          answers.push(
            fetch(`${hub.url}/webhooks/github`, { method: 'POST', headers: delivery.headers, body: delivery.body }).then(
              async (r) => {
                await r.arrayBuffer();
                if (r.status !== 202) errors++;
              },
              () => errors++,
            ),
          );
        }
        const next = started + (tick + 1) * 10;
        const wait = next - performance.now();
        if (wait > 0) await pause(wait);
      }
      await Promise.all(answers);
      const deadline = performance.now() + 60_000;
      while (fast.arrived.size < sent.size && performance.now() < deadline) await pause(50);
      if (errors) throw new Error(`${errors} deliveries were not accepted`);
      if (fast.arrived.size < sent.size) throw new Error(`${sent.size - fast.arrived.size} events of the fast tenant never arrived`);
      const latencies = [...sent].map(([id, at]) => fast.arrived.get(id)! - at);
      return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), events: sent.size };
    };
    // A warm-up first (connections, JIT, the first plans): not measured.
    await run(false, 2);
    const rounds = await inHeavyRounds(bench, async () => {
      const alone = await run(false);
      await endpoints.put('org_slow', { url: slow.url, secret: newEventSecret(), by: 'bench' });
      const beside = await run(true);
      await endpoints.delete('org_slow');
      await pool.query(`delete from event_outbox where organization_id = 'org_slow'`);
      await pause(500);
      return { alone, beside };
    });

    // The filter: pushes of repositories that are no project, dropped before storage, against the HMAC-only floor.
    const dropped = async (count: number) => {
      const started = performance.now();
      for (let i = 0; i < count; i++) {
        const delivery = push(secret, 900_000 + i);
        const answer = await fetch(`${hub.url}/webhooks/github`, { method: 'POST', headers: delivery.headers, body: delivery.body });
        const text = await answer.text();
        if (!text.includes('"dropped":true')) throw new Error(`not dropped: ${answer.status} ${text}`);
      }
      return ((performance.now() - started) * 1000) / count;
    };
    const hmacOnly = (count: number) => {
      const started = performance.now();
      for (let i = 0; i < count; i++) {
        const delivery = push(secret, 900_000 + i);
        createHmac('sha256', secret).update(delivery.body).digest('hex');
      }
      return ((performance.now() - started) * 1000) / count;
    };
    const filterRounds = [] as { dropped: number; hmac: number }[];
    for (let round = 0; round < bench.rounds; round++) filterRounds.push({ dropped: await dropped(bench.quick ? 300 : 1500), hmac: hmacOnly(5000) });

    const r = bench.report;
    r.section(
      '11b. Repository events for the product (PostgreSQL)',
      `Signed \`push\` deliveries at ${rate}/s for ${seconds} s per row and round to one production replica on PostgreSQL; each is an event of a project repository, sent through the outbox to the tenant's Standard Webhooks endpoint (docs/events.md). "beside a slow endpoint": a tenth of the pushes go to another tenant whose endpoint takes 2 s per answer. Latency is from the delivery's POST to its arrival at the fast tenant's endpoint.`,
    );
    const alone = rounds.map((x) => x.alone.p99);
    const beside = rounds.map((x) => x.beside.p99);
    r.table(
      ['fast tenant', 'events', 'p50', 'p99', '÷ alone (p99)'],
      [
        ['alone (floor)', num(rounds[0]!.alone.events), showSpread(spread(rounds.map((x) => x.alone.p50)), 'ms'), showSpread(spread(alone), 'ms'), '1'],
        ['beside a slow endpoint (2 s per answer)', num(rounds[0]!.beside.events), showSpread(spread(rounds.map((x) => x.beside.p50)), 'ms'), showSpread(spread(beside), 'ms'), showRatio(ratios(beside, alone))],
      ],
    );
    const droppedUs = spread(filterRounds.map((x) => x.dropped));
    r.table(
      ['a push of a repository that is no project', 'µs per event'],
      [
        ['hubgate: verified over HTTP, looked up, dropped unstored', showSpread(droppedUs)],
        ['floor: the HMAC check alone, in process', showSpread(spread(filterRounds.map((x) => x.hmac)))],
      ],
    );
    r.note('The filter row is whole requests one after another (HTTP, signature, one indexed lookup, the answer), the floor only the HMAC: the difference is what a dropped event costs, nothing of it stored.');
    const p99Beside = spread(beside);
    r.goal({
      what: 'events: intake to product p99 at 500/s on PostgreSQL, beside a 2 s endpoint',
      goal: 'the slow endpoint does not slow the others (p99 within 2x of alone)',
      measured: `${showSpread(p99Beside, 'ms')} (alone ${showSpread(spread(alone), 'ms')})`,
      met: ratios(beside, alone).median <= 2,
    });
    r.check('events: a slow endpoint leaves the fast tenant under 3x its p99 alone', ratios(beside, alone).median <= 3, showRatio(ratios(beside, alone)));
    r.check('events: a dropped event costs under 5 ms', droppedUs.median < 5_000, `${num(droppedUs.median)} µs`);
  } finally {
    for (const server of servers) await server.close();
    await pool.end();
    await fast.close();
    await slow.close();
    await database.drop();
    await w.close();
  }
}
