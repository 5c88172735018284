import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventOutbox } from '../src/db/schema/index.js';
import { RepoStore } from '../src/stores/repo-store.js';
import { eventually, startEndpoint } from './events-fixtures.js';
import { callApi, connectThrough, signInThrough } from './fleet/fleet-browser.js';
import { type FleetWorld, startFleetWorld } from './fleet/fleet-world.js';
import { freePort, type Replica, startReplica } from './fleet/replica-process.js';
import { RoundRobinProxy } from './fleet/round-robin-proxy.js';

/**
 * docs/events.md: a replica killed (SIGKILL) while it sends an event loses nothing. Real `hubgate serve` processes
 * on one PostgreSQL database; the deployment's endpoint (HUBGATE_EVENTS_URL) hangs until the first replica is dead.
 */
const org = 'org_01TISKET';
let world: FleetWorld;
let database: FleetWorld['database'];
let sim: FleetWorld['sim'];
let endpoint: Awaited<ReturnType<typeof startEndpoint>>;
const proxy = new RoundRobinProxy();
const replicas: Replica[] = [];
let env: Record<string, string>;
const eventSecret = `whsec_${randomBytes(24).toString('base64')}`;

beforeAll(async () => {
  await proxy.start();
  endpoint = await startEndpoint();
  world = await startFleetWorld(proxy.url);
  ({ database, sim } = world);
  env = {
    ...world.env,
    HUBGATE_EVENTS_URL: endpoint.url,
    HUBGATE_EVENTS_SECRET: eventSecret,
    // the dead replica's lease passes in 5 s instead of 60
    HUBGATE_EVENTS_LEASE_SECONDS: '5',
  };
  const port = await freePort();
  replicas.push(await startReplica('replica-a', port, env));
  proxy.setTargets([port]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(replicas.map((r) => r.kill()));
  await proxy.close();
  await world?.close();
  await endpoint?.close();
}, 60_000);

it('loses no event when the replica sending it is killed: the next replica sends it once the lease has passed, once', async () => {
  try {
    // A tenant connected through the fleet, with a project (its repository made by the app, the row as the product keeps it).
    const ada = await signInThrough(proxy.url, 'user_ada');
    const app = sim.store.requireApp(Number(env.GITHUB_APP_ID));
    const repo = await sim.createRepository('tisket-com', 'events-handbook', { creatorApp: app });
    await connectThrough(ada, proxy.url, sim, 'ada', 'tisket-com');
    const account = sim.store.requireAccount('tisket-com');
    expect((await callApi(ada, proxy.url, 'GET', '/api/github/connection')).body.state).toBe('connected');
    await new RepoStore(database.db).insert({
      organizationId: org,
      slug: 'events-handbook',
      name: 'Events handbook',
      githubRepoId: repo.id,
      accountId: account.id,
      fullName: `tisket-com/${repo.name}`,
      accessState: 'reachable',
    });

    // The endpoint takes the request and never answers: replica A is mid-send when it dies.
    endpoint.state.answer = 'hang';
    const installation = [...sim.store.installations.values()].find((i) => i.accountId === account.id)!;
    const token = sim.world.mintInstallationToken(app, installation).value;
    const put = await fetch(`${sim.apiUrl}/repos/tisket-com/events-handbook/contents/TKT-1.md`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'open TKT-1', content: Buffer.from('TKT-1\n').toString('base64') }),
    });
    expect(put.status).toBe(201);
    const after = ((await put.json()) as { commit: { sha: string } }).commit.sha;
    await sim.webhooks.settle();
    const delivery = sim.webhooks.deliveries.find((d) => d.event === 'push' && JSON.parse(d.body).after === after)!;
    expect(delivery.statusCode).toBeGreaterThanOrEqual(200);
    expect(delivery.statusCode).toBeLessThan(300);
    const sentTo = () => endpoint.received.filter((e) => e.headers['webhook-id'] === delivery.guid);
    await eventually('replica A sending the push', () => sentTo().length === 1);

    const killedAt = Date.now();
    await replicas[0]!.kill();
    endpoint.state.answer = 200;
    const port = await freePort();
    replicas.push(await startReplica('replica-b', port, env));
    proxy.setTargets([port]);

    const accepted = () => endpoint.accepted.filter((e) => e.headers['webhook-id'] === delivery.guid);
    await eventually('the push from replica B', () => accepted().length === 1, 30_000);
    // Not before the dead replica's lease had passed, and once only.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(5_000);
    const [sent] = accepted();
    const verified = new Webhook(eventSecret).verify(sent!.body, sent!.headers as Record<string, string>) as { data: { payload: { after: string }; project: { name: string } } };
    expect(verified.data.payload.after).toBe(after);
    expect(verified.data.project.name).toBe('Events handbook');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(accepted()).toHaveLength(1);
    const [row] = await database.db
      .select()
      .from(eventOutbox)
      .where(and(eq(eventOutbox.deliveryId, delivery.guid), eq(eventOutbox.target, 'deployment')));
    expect(row).toMatchObject({ status: 'delivered', lastStatus: 200 });
  } catch (error) {
    for (const replica of replicas) console.error(`---- ${replica.name}\n${replica.output()}`);
    throw error;
  }
}, 120_000);
