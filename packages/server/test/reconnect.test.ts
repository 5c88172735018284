import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestoreAccess } from '../src/reconnect/restore-access.js';
import { RepoStore } from '../src/stores/repo-store.js';
import { type Harness, startHarness } from './service-harness.js';


/**
 * Reconnect against the simulator in both of GitHub's behaviours for
 * `PUT /user/installations/{id}/repositories/{repo}`: the documented one (classic PATs only, so an app user token is
 * refused) and the newer one (app user tokens allowed). The answer must only call restored what the listing shows.
 */
async function tenantWithProjects(h: Harness, names: string[]) {
  const sim = h.hub.sandbox!.sim;
  const ada = await h.signIn('user_ada');
  await h.connect(ada, 'ada', 'tisket-com', 'selected');
  const app = sim.store.apps.get(h.hub.github.appId!)!;
  const store = new RepoStore(h.hub.db.db);
  const account = sim.store.requireAccount('tisket-com');
  const rows = [];
  for (const name of names) {
    // Created by the app, as the projects API does: the installation reaches it at once.
    const repo = await sim.createRepository('tisket-com', name, { creatorApp: app, autoInit: false });
    rows.push({
      organizationId: 'org_01TISKET',
      slug: name,
      name,
      githubRepoId: repo.id,
      accountId: account.id,
      fullName: `tisket-com/${name}`,
      accessState: 'reachable' as const,
    });
  }
  const projects = await store.insertMany(rows);
  return { ada, projects, sim };
}

async function settle(h: Harness) {
  await h.hub.sandbox!.sim.webhooks.settle();
  await h.hub.receiver.settle();
  await h.hub.restore.settle();
}

async function cleanup(h: Harness, ada: Awaited<ReturnType<Harness['signIn']>>) {
  await settle(h);
  if ((await h.api(ada, 'GET', '/api/github/connection')).body.connected) await h.api(ada, 'POST', '/api/github/disconnect', { uninstall: true });
  await settle(h);
  for (const p of await new RepoStore(h.hub.db.db).list('org_01TISKET')) await new RepoStore(h.hub.db.db).delete('org_01TISKET', p.id);
}

describe('reconnect with GitHub as documented (app user tokens cannot add repositories)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('says what was connected, then shows each repository still missing with the page to select it, and follows the selection', async () => {
    const { ada, projects, sim } = await tenantWithProjects(h, ['eng.tickets', 'guide']);
    // Uninstalled, then installed again on "Only select repositories" with none selected.
    expect((await h.api(ada, 'POST', '/api/github/disconnect', { uninstall: true })).status).toBe(200);
    await settle(h);
    const before = (await h.api(ada, 'GET', '/api/github/connection')).body;
    expect(before).toMatchObject({ state: 'previously_connected', previous: { account: { login: 'tisket-com' } } });
    expect((await new RepoStore(h.hub.db.db).list('org_01TISKET')).map((p) => p.accessState)).toEqual(['missing', 'missing']);

    const done = await h.connect(ada, 'ada', 'tisket-com', 'selected');
    expect(done.finalUrl).toContain('reconnected=1');
    await settle(h);
    const result = (await h.api(ada, 'GET', '/api/github/reconnect')).body;
    expect(result.status).toBe('done');
    expect(result.progress).toEqual({ done: 2, total: 2 });
    const connection = (await h.api(ada, 'GET', '/api/github/connection')).body;
    for (const item of result.items) {
      expect(item.result).toBe('missing');
      expect(item.selectUrl).toBe(connection.manageUrl);
      expect(item.selectUrl).toMatch(/\/organizations\/tisket-com\/settings\/installations\/\d+$/);
    }
    // The owner selects one on GitHub: the installation_repositories webhook makes it reachable, no reload needed.
    sim.setRepositorySelection(sim.store.installations.get(connection.installationId)!, 'selected', ['guide']);
    await settle(h);
    const states = Object.fromEntries((await new RepoStore(h.hub.db.db).list('org_01TISKET')).map((p) => [p.name, p.accessState]));
    expect(states).toEqual({ 'eng.tickets': 'missing', guide: 'reachable' });
    expect(projects).toHaveLength(2);
    await cleanup(h, ada);
  });
});

describe('reconnect where GitHub lets app user tokens add repositories', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ sim: { behaviour: { allowUserTokensForInstallationRepos: true } } });
  });
  afterAll(() => h.close());

  it('restores the earlier repositories and reports only what the listing confirms', async () => {
    const { ada } = await tenantWithProjects(h, ['eng.tickets', 'team.tickets']);
    await h.api(ada, 'POST', '/api/github/disconnect', { uninstall: true });
    await settle(h);
    await h.connect(ada, 'ada', 'tisket-com', 'selected');
    await settle(h);
    const result = (await h.api(ada, 'GET', '/api/github/reconnect')).body;
    expect(result.items.map((i: { result: string }) => i.result)).toEqual(['restored', 'restored']);
    const connection = (await h.api(ada, 'GET', '/api/github/connection')).body;
    expect(connection.reconnect.status).toBe('done');
    expect((await new RepoStore(h.hub.db.db).list('org_01TISKET')).every((p) => p.accessState === 'reachable')).toBe(true);
    await cleanup(h, ada);
  });

  it('reports a repository deleted meanwhile as deleted, not restored', async () => {
    const { ada, sim } = await tenantWithProjects(h, ['kept.tickets', 'gone.tickets']);
    await h.api(ada, 'POST', '/api/github/disconnect', { uninstall: true });
    await settle(h);
    const pat = sim.world.addPersonalAccessToken(sim.store.requireUser('ada'), ['repo', 'delete_repo']);
    expect((await fetch(`${sim.apiUrl}/repos/tisket-com/gone.tickets`, { method: 'DELETE', headers: { authorization: `token ${pat}` } })).status).toBe(204);
    await h.connect(ada, 'ada', 'tisket-com', 'selected');
    await settle(h);
    const result = (await h.api(ada, 'GET', '/api/github/reconnect')).body;
    expect(Object.fromEntries(result.items.map((i: { name: string; result: string }) => [i.name, i.result]))).toEqual({
      'kept.tickets': 'restored',
      'gone.tickets': 'deleted',
    });
    await cleanup(h, ada);
  });

  it('keeps the projects of the earlier account as in another account when reconnecting to a different one', async () => {
    const { ada } = await tenantWithProjects(h, ['org-only.tickets']);
    await h.api(ada, 'POST', '/api/github/disconnect', {});
    await settle(h);
    await h.connect(ada, 'ada', 'ada', 'selected');
    await settle(h);
    const connection = (await h.api(ada, 'GET', '/api/github/connection')).body;
    expect(connection.account.login).toBe('ada');
    const result = (await h.api(ada, 'GET', '/api/github/reconnect')).body;
    expect(result.items.map((i: { result: string }) => i.result)).toEqual(['moved']);
    expect((await new RepoStore(h.hub.db.db).list('org_01TISKET'))[0]!.accessState).toBe('moved');
    await cleanup(h, ada);
  });
});

describe('reconnect of 1,000 repositories inside modelled secondary limits', () => {
  let h: Harness;
  // 900 points a minute per endpoint at 5 a write is GitHub's rule; scaled 100x so the test takes seconds.
  const pointsPerMinute = 90_000;
  const writesPerMinute = pointsPerMinute / 5;
  beforeAll(async () => {
    h = await startHarness({
      sim: { behaviour: { allowUserTokensForInstallationRepos: true }, rateLimits: { pointsPerMinutePerEndpoint: pointsPerMinute } },
      restore: { writesPerMinute },
    });
  }, 120_000);
  afterAll(() => h.close());

  it('restores all of them paced under the limit, and a new instance resumes a restore stopped in the middle', async () => {
    const total = Number(process.env.RESTORE_TEST_COUNT ?? 1000);
    const names = Array.from({ length: total }, (_, i) => `p${i}.tickets`);
    const { ada } = await tenantWithProjects(h, names);
    await h.api(ada, 'POST', '/api/github/disconnect', { uninstall: true });
    await settle(h);
    const started = performance.now();
    await h.connect(ada, 'ada', 'tisket-com', 'selected');
    // Stop the restore part-way, as a process stopping would; its progress is in the database.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await h.hub.restore.stop();
    const midway = (await h.api(ada, 'GET', '/api/github/reconnect')).body;
    expect(midway.status).toBe('running');
    expect(midway.progress.done).toBeGreaterThan(0);
    expect(midway.progress.done).toBeLessThan(total);

    const next = new RestoreAccess(h.hub.db.db, h.hub.apps, h.hub.sealer, h.hub.logger, () => new Date(), { writesPerMinute });
    expect(await next.resumeAll()).toBe(1);
    await next.settle();
    const elapsedMs = performance.now() - started;
    const result = await next.result('org_01TISKET');
    expect(result.status).toBe('done');
    expect(result.items.filter((i) => i.result === 'restored')).toHaveLength(total);
    // Never faster than the limit allows (1,000 writes at writesPerMinute), and no secondary-limit refusal slowed it.
    expect(elapsedMs).toBeGreaterThanOrEqual((total / writesPerMinute) * 60_000 * 0.9);
  }, 400_000);
});
