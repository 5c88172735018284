import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { auditEvents, githubInstallations, jobState, webhookDeliveries } from '../src/db/schema/index.js';
import pg from 'pg';
import { Registry } from 'prom-client';
import { ReconcileJob } from '../src/reconcile/reconcile-job.js';
import { createReconcileMetrics } from '../src/reconcile/reconcile-metrics.js';
import { RepoStore } from '../src/stores/repo-store.js';
import { type Harness, startHarness } from './service-harness.js';

/**
 * The reconcile job against the simulator: each test connects its own tenant state, makes GitHub change while the
 * service hears nothing (webhooks paused, as when it is down), and checks what one run finds and mends.
 */
describe('reconcile', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const sim = () => h.hub.sandbox!.sim;
  /** The installation's `suspend` deliveries recorded after `earlier` (another test may have suspended it before). */
  const suspendDeliveriesSince = async (installationId: number, earlier: Set<string> = new Set()) =>
    (
      await h.hub.db.db
        .select()
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.installationId, installationId), eq(webhookDeliveries.action, 'suspend')))
    ).filter((d) => !earlier.has(d.deliveryId));
  const suspensionsAudited = async (installationId: number) =>
    (
      await h.hub.db.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, 'github.suspended'), eq(auditEvents.target, String(installationId))))
    ).length;
  const settle = async () => {
    await sim().webhooks.settle();
    await h.hub.receiver.settle();
  };
  /** Ada's tenant connected to tisket-com, fresh for the test, and disconnected after it. */
  async function connectTisket(selection: 'all' | 'selected' = 'all') {
    const ada = await h.signIn('user_ada');
    await h.connect(ada, 'ada', 'tisket-com', selection);
    await settle();
    const connection = (await h.api(ada, 'GET', '/api/github/connection')).body;
    onTestFinished(async () => {
      sim().webhooks.setPaused(false);
      await settle();
      if ((await h.api(ada, 'GET', '/api/github/connection')).body.connected) await h.api(ada, 'POST', '/api/github/disconnect', {});
    });
    return { ada, installationId: connection.installationId as number, connection };
  }
  const liveBinding = async (installationId: number) =>
    (
      await h.hub.db.db
        .select()
        .from(githubInstallations)
        .where(and(eq(githubInstallations.installationId, installationId), isNull(githubInstallations.deletedAt)))
    )[0];
  /** A project row for a repository the app created in tisket-com (the projects API builds the same row). */
  async function project(name: string) {
    const repo = await sim().createRepository('tisket-com', name, { creatorApp: sim().store.apps.get(h.hub.github.appId!)! });
    return new RepoStore(h.hub.db.db).insert({
      organizationId: 'org_01TISKET',
      slug: `${name}-${repo.id}`,
      name,
      githubRepoId: repo.id,
      fullName: `tisket-com/${name}`,
      accessState: 'reachable',
    });
  }

  it('finds a repository renamed without a webhook and one deleted on GitHub', async () => {
    await connectTisket('all');
    const renamed = await project('guide-r');
    const deleted = await project('tickets-d');
    sim().webhooks.setPaused(true);
    sim().renameRepository('tisket-com', 'guide-r', 'guide-renamed');
    // Deleting needs a classic token with delete_repo, as on GitHub.
    const pat = sim().world.addPersonalAccessToken(sim().store.requireUser('ada'), ['repo', 'delete_repo']);
    const gone = await fetch(`${sim().apiUrl}/repos/tisket-com/tickets-d`, { method: 'DELETE', headers: { authorization: `token ${pat}` } });
    expect(gone.status).toBe(204);

    const report = await h.hub.reconcile.run();
    expect(report.status).toBe('done');
    const store = new RepoStore(h.hub.db.db);
    expect(await store.get('org_01TISKET', renamed.id)).toMatchObject({ fullName: 'tisket-com/guide-renamed', accessState: 'reachable' });
    expect(await store.get('org_01TISKET', deleted.id)).toMatchObject({ accessState: 'deleted' });
    expect(report.changes.map((c) => c.kind)).toEqual(expect.arrayContaining(['repository_renamed', 'repository_deleted']));
    await store.delete('org_01TISKET', renamed.id);
    await store.delete('org_01TISKET', deleted.id);
  });

  it('finds an uninstall that happened while the service was down, and retires the binding', async () => {
    const { installationId } = await connectTisket();
    sim().webhooks.setPaused(true);
    sim().uninstall(sim().store.installations.get(installationId)!);
    expect(await liveBinding(installationId)).toBeDefined();
    const report = await h.hub.reconcile.run();
    expect(report.changes).toContainEqual(expect.objectContaining({ kind: 'installation_gone' }));
    expect(await liveBinding(installationId)).toBeUndefined();
  });

  it('finds a suspended installation, then asks GitHub again for the failed delivery and applies it once', async () => {
    const { installationId } = await connectTisket();
    const earlier = new Set((await suspendDeliveriesSince(installationId)).map((d) => d.deliveryId));
    const suspendedBefore = await suspensionsAudited(installationId);
    sim().webhooks.setPaused(true);
    sim().suspend(sim().store.installations.get(installationId)!);
    await settle();
    sim().webhooks.setPaused(false);

    const report = await h.hub.reconcile.run();
    await settle();
    expect(report.changes).toContainEqual(expect.objectContaining({ kind: 'installation_suspended' }));
    expect(report.redelivered).toBeGreaterThanOrEqual(1);
    expect((await liveBinding(installationId))!.suspendedAt).not.toBeNull();
    // The redelivered `installation.suspend` was applied (recorded once), and changed nothing reconcile had not.
    const suspendDeliveries = await suspendDeliveriesSince(installationId, earlier);
    expect(suspendDeliveries).toHaveLength(1);
    expect(suspendDeliveries[0]!.status).toBe('applied');
    expect(await suspensionsAudited(installationId)).toBe(suspendedBefore + 1);
    // A second run asks for nothing again.
    expect((await h.hub.reconcile.run()).redelivered).toBe(0);
    sim().unsuspend(sim().store.installations.get(installationId)!);
  });

  it('asks again for a failed delivery newer than the last check when older deliveries share its page', async () => {
    const { installationId } = await connectTisket();
    await h.hub.reconcile.run();
    // GitHub's delivered_at has whole seconds: the next delivery comes in a later second than every one before.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const boundary = Date.now() - 1_000;
    // As if the last run listed deliveries at the boundary (listings overlap the last check by five minutes).
    const [state] = await h.hub.db.db.select().from(jobState).where(eq(jobState.name, 'reconcile'));
    const data = { ...state!.data, lastDeliveriesCheck: new Date(boundary + 5 * 60_000).toISOString() };
    await h.hub.db.db.update(jobState).set({ data }).where(eq(jobState.name, 'reconcile'));
    const earlier = new Set((await suspendDeliveriesSince(installationId)).map((d) => d.deliveryId));
    sim().webhooks.setPaused(true);
    sim().suspend(sim().store.installations.get(installationId)!);
    await settle();
    sim().webhooks.setPaused(false);
    onTestFinished(() => sim().unsuspend(sim().store.installations.get(installationId)!));

    const report = await h.hub.reconcile.run();
    await settle();
    expect(report.redelivered).toBe(1);
    const [suspend] = await suspendDeliveriesSince(installationId, earlier);
    expect(suspend!.status).toBe('applied');
  });

  it('shows a permission the installation lacks, with where to accept it', async () => {
    const { ada, installationId } = await connectTisket();
    const installation = sim().store.installations.get(installationId)!;
    const saved = installation.permissions;
    installation.permissions = { ...saved, administration: 'read' };
    onTestFinished(() => {
      installation.permissions = saved;
    });
    await h.hub.reconcile.run();
    const connection = (await h.api(ada, 'GET', '/api/github/connection')).body;
    expect(connection.missingPermissions).toEqual(['administration: write']);
    expect(connection.pendingPermissions.acceptUrl).toBe(connection.manageUrl);
  });

  it('stops early when the rate limit is nearly spent, and picks up where it stopped', async () => {
    const { installationId } = await connectTisket();
    const cyd = await h.signIn('user_cyd');
    await h.connect(cyd, 'cyd', 'acme-corp');
    await settle();
    onTestFinished(async () => {
      await h.api(cyd, 'POST', '/api/github/disconnect', {});
    });
    await h.hub.apps.system.installation(installationId); // GitHub reports the app's budget with every answer
    // A replica whose floor is above what is left: it must stop before checking anything, and remember where.
    const thrifty = new ReconcileJob(h.hub.db.db, h.hub.db.kind, h.hub.apps, h.hub.lifecycle, h.hub.receiver,
      createReconcileMetrics(new Registry()), h.hub.sealer, h.hub.logger, () => new Date(), { minRemaining: Number.MAX_SAFE_INTEGER });
    const first = await thrifty.run();
    expect(first.status).toBe('stopped_early');
    expect(first.installationsChecked).toBe(0);
    sim().webhooks.setPaused(true);
    sim().suspend(sim().store.installations.get(installationId)!);
    const second = await h.hub.reconcile.run();
    expect(second.status).toBe('done');
    expect(second.installationsChecked).toBe(2);
    expect((await liveBinding(installationId))!.suspendedAt).not.toBeNull();
    sim().webhooks.setPaused(false);
    sim().unsuspend(sim().store.installations.get(installationId)!);
  });

  it('applies a late installation_repositories delivery as GitHub says now, not as its payload said', async () => {
    const { installationId } = await connectTisket('selected');
    const late = await project('late-r');
    const body = JSON.stringify({
      action: 'removed',
      installation: { id: installationId },
      repository_selection: 'all',
      repositories_added: [],
      repositories_removed: [{ id: late.githubRepoId, name: 'late-r', full_name: 'tisket-com/late-r' }],
    });
    const { sign } = await import('@octokit/webhooks-methods');
    const answer = await fetch(`${h.hub.url}/webhooks/github`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'installation_repositories',
        'x-github-delivery': crypto.randomUUID(),
        'x-hub-signature-256': await sign(h.hub.github.webhookSecrets[0]!, body),
      },
    });
    expect(answer.status).toBe(202);
    await settle();
    expect((await new RepoStore(h.hub.db.db).get('org_01TISKET', late.id))!.accessState).toBe('reachable');
    expect((await liveBinding(installationId))!.repositorySelection).toBe('selected');
    await new RepoStore(h.hub.db.db).delete('org_01TISKET', late.id);
  });

  it('applies a burst of selection changes with listings shared by the deliveries that arrived during one', async () => {
    const { installationId } = await connectTisket('selected');
    const projects = [];
    for (let i = 0; i < 12; i++) projects.push(await project(`burst-${i}`));
    const inst = sim().store.installations.get(installationId)!;
    const ada = sim().store.requireAccount('ada');
    const listingsBefore = sim().requestCount('GET /installation/repositories');
    // One delivery per repository, as when an owner unselects them one by one on GitHub.
    for (const p of projects) sim().world.removeRepository(inst, sim().store.repos.get(p.githubRepoId!)!, ada);
    await settle();
    const repos = new RepoStore(h.hub.db.db);
    for (const p of projects) expect((await repos.get('org_01TISKET', p.id))!.accessState).toBe('missing');
    // Each delivery is still checked against a listing begun after it arrived, but not one listing each.
    expect(sim().requestCount('GET /installation/repositories') - listingsBefore).toBeLessThan(projects.length / 2);
    for (const p of projects) await repos.delete('org_01TISKET', p.id);
  });

  it('drops webhook deliveries older than GitHub\'s 30-day redelivery window', async () => {
    const old = new Date(Date.now() - 31 * 86_400_000);
    const recent = new Date(Date.now() - 29 * 86_400_000);
    const rows = [
      { deliveryId: '00000000-0000-4000-8000-000000000031', receivedAt: old },
      { deliveryId: '00000000-0000-4000-8000-000000000029', receivedAt: recent },
    ];
    await h.hub.db.db.insert(webhookDeliveries).values(rows.map((r) => ({ ...r, event: 'ping', status: 'applied' as const })));
    await h.hub.reconcile.run();
    const left = await h.hub.db.db.select({ id: webhookDeliveries.deliveryId }).from(webhookDeliveries);
    expect(left.map((r) => r.id)).not.toContain(rows[0]!.deliveryId);
    expect(left.map((r) => r.id)).toContain(rows[1]!.deliveryId);
  });

  it('is refused to members and runs for the admin\'s tenant only', async () => {
    await connectTisket();
    const bob = await h.signIn('user_bob');
    expect((await h.api(bob, 'POST', '/api/github/reconcile', {})).status).toBe(403);
    const ada = await h.signIn('user_ada');
    const answer = await h.api(ada, 'POST', '/api/github/reconcile', {});
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('done');
  });
});

describe('reconcile asked by admins', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('is limited per tenant: the eleventh ask in a minute is refused with 429, and another tenant still runs', async () => {
    const ada = await h.signIn('user_ada');
    for (let i = 0; i < 10; i++) expect((await h.api(ada, 'POST', '/api/github/reconcile', {})).status).toBe(200);
    const refused = await h.api(ada, 'POST', '/api/github/reconcile', {});
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toBe('This organization asked for a check 10 times in the last minute; try again later.');
    const cyd = await h.signIn('user_cyd');
    const other = await h.api(cyd, 'POST', '/api/github/reconcile', {});
    expect(other.status).toBe(200);
    expect(other.body.status).toBe('done');
  });
});

describe('reconcile across replicas sharing PostgreSQL', () => {
  let one: Harness;
  let two: Harness;
  beforeAll(async () => {
    one = await startHarness({ driver: 'postgres' });
    two = await startHarness({ driver: 'postgres', databaseOf: one });
  });
  afterAll(async () => {
    await two.close();
    await one.close();
  });

  it('lets only one replica work at a time', async () => {
    one.hub.sandbox!.sim.faults.add({ route: 'GET /app/hook/deliveries', latencyMs: 1500, times: 1 });
    const first = one.hub.reconcile.run();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await two.hub.reconcile.run();
    expect(second.status).toBe('skipped');
    expect((await first).status).toBe('done');
    expect((await two.hub.reconcile.run()).status).toBe('done');
  });

  it("never lets a tenant's run hold the fleet's lock, nor the fleet's run hold a tenant's", async () => {
    const lockHolder = new pg.Client({ connectionString: one.databaseUrl });
    await lockHolder.connect();
    onTestFinished(() => lockHolder.end());
    // Another replica is in the middle of a tenant's run: the fleet's run and other tenants' runs go on.
    await lockHolder.query('select pg_advisory_lock(72120034, hashtext($1))', ['org_01TISKET']);
    expect((await two.hub.reconcile.run({ organizationId: 'org_01TISKET' })).status).toBe('skipped');
    expect((await two.hub.reconcile.run()).status).toBe('done');
    expect((await two.hub.reconcile.run({ organizationId: 'org_02ACME' })).status).toBe('done');
    await lockHolder.query('select pg_advisory_unlock_all()');
    // The fleet's run is going on: a tenant's run still goes ahead.
    await lockHolder.query('select pg_advisory_lock(72120034)');
    expect((await two.hub.reconcile.run()).status).toBe('skipped');
    expect((await two.hub.reconcile.run({ organizationId: 'org_01TISKET' })).status).toBe('done');
  });
});
