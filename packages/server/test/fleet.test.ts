import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { githubInstallations, webhookDeliveries } from '../src/db/schema/index.js';
import { RepoStore } from '../src/stores/repo-store.js';
import { askToken, callApi, connectThrough, type SignedIn, signInThrough } from './fleet/fleet-browser.js';
import { type FleetWorld, startFleetWorld } from './fleet/fleet-world.js';
import { freePort, type Replica, startReplica } from './fleet/replica-process.js';
import { RoundRobinProxy } from './fleet/round-robin-proxy.js';

/**
 * Three `hubgate serve` processes on one PostgreSQL database and one Redis, behind a round-robin proxy, as
 * docs/deploy.md describes; GitHub is one simulator and sign-in one OpenID provider, both outside the replicas.
 */
const redisUrl = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379/0';
const org = 'org_01TISKET';

let world: FleetWorld;
let database: FleetWorld['database'];
let sim: FleetWorld['sim'];
const proxy = new RoundRobinProxy();
const replicas: Replica[] = [];
let replicaEnv: Record<string, string>;

beforeAll(async () => {
  await proxy.start();
  world = await startFleetWorld(proxy.url);
  ({ database, sim } = world);
  replicaEnv = {
    ...world.env,
    // One Redis for the fleet: a fresh cache key makes any entry of an earlier run unreadable (a miss).
    REDIS_URL: redisUrl,
    HUBGATE_CACHE_KEY: randomBytes(32).toString('hex'),
    // A crashed replica's delivery waits out its lease before another start takes it: 10 s instead of 60.
    HUBGATE_WEBHOOK_LEASE_SECONDS: '10',
  };
  const ports = await Promise.all([0, 1, 2].map(() => freePort()));
  replicas.push(...(await Promise.all(ports.map((port, i) => startReplica(`replica-${i}`, port, replicaEnv)))));
  proxy.setTargets(ports);
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(replicas.map((r) => r.kill()));
  await proxy.close();
  await world?.close();
}, 60_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Every delivery the simulator made, by GUID, against what the fleet stored of it. */
async function deliveryOutcomes() {
  const rows = await database.db.select().from(webhookDeliveries);
  const stored = new Map(rows.map((r) => [r.deliveryId, r]));
  return sim.webhooks.deliveries.map((d) => ({ guid: d.guid, event: `${d.event}.${d.action}`, statusCode: d.statusCode, row: stored.get(d.guid) }));
}
const unapplied = async () => (await deliveryOutcomes()).filter((d) => d.row?.status !== 'applied' && d.row?.status !== 'ignored');

it(
  'three replicas behind a load balancer: one is killed mid-traffic, and no answerable request fails, no webhook is lost, tokens are minted once per key for the whole fleet',
  async () => {
    try {
      // ---- connect, through the proxy: sign-in, the callback, the install redirect land on different replicas
      const ada: SignedIn = await signInThrough(proxy.url, 'user_ada');
      const creatorApp = sim.store.requireApp(Number(replicaEnv.GITHUB_APP_ID));
      const repo = await sim.createRepository('tisket-com', 'fleet-handbook', { creatorApp });
      // Another repository of the account: moving the selection between "all" and "fleet-handbook" only adds
      // and removes it, so each change is a webhook and the project stays reachable.
      await sim.createRepository('tisket-com', 'fleet-notes');
      const installed = await connectThrough(ada, proxy.url, sim, 'ada', 'tisket-com');
      const account = sim.store.requireAccount('tisket-com');
      expect(installed.finalUrl.startsWith(proxy.url)).toBe(true);
      const connection = await callApi(ada, proxy.url, 'GET', '/api/github/connection');
      expect(connection.body.state).toBe('connected');
      expect(proxy.replicasThatAnswered().size).toBe(3);
      const installation = [...sim.store.installations.values()].find((i) => i.accountId === account.id)!;

      // A project of the tenant's, with the repository the product created for it (as broker-fixtures.ts makes
      // one: no projects API on main yet).
      await new RepoStore(database.db).insert({
        organizationId: org,
        slug: 'fleet-handbook',
        name: 'Fleet handbook',
        githubRepoId: repo.id,
        accountId: account.id,
        fullName: `tisket-com/${repo.name}`,
        accessState: 'reachable',
      });

      // ---- owner actions before the token phase: suspend and unsuspend (a suspension revokes tokens by design)
      sim.suspend(installation, 'ada');
      await until('the suspension on every replica', async () => {
        const [row] = await database.db.select().from(githubInstallations).where(eq(githubInstallations.installationId, installation.id));
        return row?.suspendedAt;
      });
      sim.unsuspend(installation, 'ada');
      await until('the unsuspension', async () => (await callApi(ada, proxy.url, 'GET', '/api/github/connection')).body.state === 'connected');
      await sim.webhooks.settle();
      const agentKey = await callApi(ada, proxy.url, 'POST', '/api/agent-keys', { name: 'fleet ci' });
      expect(agentKey.status).toBe(201);
      const mintsBefore = sim.mintCount(installation.id);

      // ---- traffic: API reads all along, owner actions with webhooks, token requests; one replica dies midway
      const answers: { what: string; status: number; replica: string | null }[] = [];
      let reading = true;
      const readers = [0, 1].map(async () => {
        while (reading) {
          for (const path of ['/api/github/connection', '/api/session', '/api/github/reconnect']) {
            const answer = await callApi(ada, proxy.url, 'GET', path);
            answers.push({ what: `GET ${path}`, status: answer.status, replica: answer.replica });
          }
        }
      });
      // Three distinct token keys: the broker's write and read tokens for the project's repository, and the
      // reconcile's metadata token for the installation; each asked on every round, each time on another replica.
      const tokenRequests = async () => {
        const reconciled = await callApi(ada, proxy.url, 'POST', '/api/github/reconcile', {});
        answers.push({ what: `POST reconcile (${reconciled.body?.status})`, status: reconciled.status, replica: reconciled.replica });
        tokenAnswers.push({ status: reconciled.status, done: reconciled.body?.status === 'done', replica: reconciled.replica });
        for (const contents of ['write', 'read']) {
          const issued = await askToken(proxy.url, agentKey.body.key, { repository: 'tisket-com/fleet-handbook', permissions: { contents } });
          answers.push({ what: `POST /api/v1/tokens (${contents})`, status: issued.status, replica: issued.replica });
          tokenAnswers.push({ status: issued.status, done: typeof issued.body?.token === 'string', replica: issued.replica });
          if (typeof issued.body?.token === 'string') issuedTokens.add(issued.body.token);
        }
      };
      const tokenAnswers: { status: number; done: boolean; replica: string | null }[] = [];
      let crashed: Promise<void> | null = null;
      const issuedTokens = new Set<string>();
      let selectionChanges = 0;
      const toggleSelection = () => {
        const narrow = selectionChanges++ % 2 === 0;
        sim.setRepositorySelection(installation, narrow ? 'selected' : 'all', narrow ? ['fleet-handbook'] : [], 'ada');
      };
      for (let round = 0; round < 6; round++) {
        await tokenRequests();
        toggleSelection();
        if (round === 2) {
          // The crash, at the worst moment: replica 1 has just acknowledged a delivery (202) and dies before it
          // can apply it; no graceful shutdown; API reads and webhooks keep coming.
          proxy.onAnswer = (answer) => {
            if (answer.replica === 1 && answer.path === '/webhooks/github' && answer.status === 202) {
              proxy.onAnswer = null;
              crashed = replicas[1]!.kill();
            }
          };
        }
        await sleep(150);
      }
      sim.suspend(installation, 'ada');
      sim.unsuspend(installation, 'ada');
      // Owner actions go on until a delivery has landed on replica 1 (the proxy's turn is shared with the reads).
      while (!crashed && selectionChanges < 60) {
        toggleSelection();
        await sleep(100);
      }
      if (selectionChanges % 2 === 1) toggleSelection();
      expect(crashed).not.toBeNull();
      await crashed;
      await sleep(300);
      reading = false;
      await Promise.all(readers);
      await sim.webhooks.settle();

      // No request another replica could answer failed: every call through the proxy succeeded.
      expect(answers.filter((a) => a.status >= 400)).toEqual([]);
      expect(answers.length).toBeGreaterThan(20);
      expect(proxy.log.filter((r) => r.status >= 400 && !r.path.startsWith('/auth'))).toEqual([]);
      // The crash was in the traffic: the dead replica had answered, then refused connections the proxy moved on.
      expect(proxy.replicasThatAnswered().has(1)).toBe(true);
      expect(proxy.log.filter((r) => r.connectionFailures > 0).length).toBeGreaterThan(0);
      // Every delivery reached a replica that answered it (the dead one's were sent on to the others).
      expect((await deliveryOutcomes()).filter((d) => d.statusCode < 200 || d.statusCode >= 300)).toEqual([]);

      // No webhook is lost. The one acknowledged by the dying replica and not applied stays `received` until its
      // lease passes (HUBGATE_WEBHOOK_LEASE_SECONDS, 10 s here); then
      // the crashed replica, restarted as an orchestrator would, takes it at start. (An admin's reconcile does
      // not: it is scoped to the tenant and resumes no deliveries; the periodic full reconcile would.)
      const stuck = await until('the survivors to apply what they acknowledged', async () => {
        const left = await unapplied();
        return left.every((d) => d.row?.status === 'received') ? left : null;
      });
      if (stuck.length > 0) {
        const leaseEnds = Math.max(...stuck.map((d) => d.row!.leaseUntil?.getTime() ?? 0));
        // The replica took it for the configured lease, no longer.
        for (const d of stuck) expect(d.row!.leaseUntil!.getTime() - d.row!.receivedAt.getTime()).toBeLessThanOrEqual(11_000);
        await sleep(Math.max(0, leaseEnds - Date.now()) + 500);
        replicas[1] = await startReplica('replica-1-restarted', replicas[1]!.port, replicaEnv);
      }
      await until('every delivery applied', async () => (await unapplied()).length === 0, 30_000);
      const outcomes = await deliveryOutcomes();
      expect(outcomes.length).toBe(1 + 4 + selectionChanges); // created, 2 × (suspend, unsuspend), the selection changes
      expect(outcomes.filter((d) => d.row?.status !== 'applied' && d.row?.status !== 'ignored')).toEqual([]);
      // Tokens minted once per key for the fleet: 18 token requests, served by every replica (and by the
      // survivors after the crash), three keys, three mints: the first replica to miss minted under the Redis
      // lock, every other one read the token from Redis.
      const served = tokenAnswers.filter((a) => a.status < 300 && a.done);
      expect(new Set(served.map((a) => a.replica)).size).toBe(3);
      expect(served.length).toBeGreaterThanOrEqual(14); // reconciles held off by the fleet-wide lock report `skipped`
      expect(sim.mintCount(installation.id) - mintsBefore).toBe(3);

      // The fleet ends where GitHub is. Suspend and unsuspend are confirmed with GitHub whenever they are applied;
      // a selection change is applied as its payload says, so the one the crash held back for its lease may have
      // been applied last, out of date: the admin's reconcile (any replica) mends it.
      const mended = await callApi(ada, proxy.url, 'POST', '/api/github/reconcile', {});
      expect(mended.status).toBe(200);
      const [row] = await database.db.select().from(githubInstallations).where(eq(githubInstallations.installationId, installation.id));
      expect(row!.suspendedAt).toBeNull();
      expect(row!.repositorySelection).toBe(sim.store.installations.get(installation.id)!.selection);
      const [project] = await new RepoStore(database.db).list(org);
      expect(project!.accessState).toBe('reachable');

      // Nothing secret in what any replica printed, the crash and the restart included.
      const printed = replicas.map((r) => r.output()).join('\n');
      const secrets = [
        ...issuedTokens,
        agentKey.body.key as string,
        replicaEnv.GITHUB_APP_WEBHOOK_SECRET!,
        replicaEnv.GITHUB_APP_CLIENT_SECRET!,
        replicaEnv.OIDC_CLIENT_SECRET!,
        replicaEnv.HUBGATE_SECRET_KEY!,
        replicaEnv.HUBGATE_CACHE_KEY!,
        replicaEnv.GITHUB_APP_PRIVATE_KEY!.split('\n')[1]!,
      ];
      expect(secrets.filter((secret) => printed.includes(secret))).toEqual([]);
    } catch (error) {
      for (const replica of replicas) console.error(`---- ${replica.name}\n${replica.output().slice(-4000)}`);
      throw error;
    }
  },
  240_000,
);
