import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, githubInstallations, repos } from '../src/db/schema/index.js';
import { creationMarker } from '../src/projects/project-service.js';
import { RepoStore } from '../src/stores/repo-store.js';
import { drivers } from './db-harness.js';
import { cloneWith } from './git-clone.js';
import { capturedLogs, type Harness, startHarness } from './service-harness.js';

const org = 'org_01TISKET';

describe.each(drivers)('project creation failures leave nothing half made (%s)', (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ driver });
    const ada = await h.signIn('user_ada');
    await h.connect(ada, 'ada', 'tisket-com');
  });
  afterAll(() => h.close());
  afterEach(() => sim().faults.clear());

  const sim = () => h.hub.sandbox!.sim;
  const settle = async () => {
    await sim().webhooks.settle();
    await h.hub.receiver.settle();
  };
  const rows = () => h.hub.db.db.select().from(repos).where(eq(repos.organizationId, org));
  const installation = () => [...sim().store.installations.values()].find((i) => i.accountId === sim().store.requireAccount('tisket-com').id)!;
  const manageUrl = () => `${sim().webUrl}/organizations/tisket-com/settings/installations/${installation().id}`;
  const tisketApp = () => sim().store.appBySlug('tisket')!;

  it('answers 422 with a free name as suggestion when the repository name is taken on GitHub', async () => {
    await sim().createRepository('tisket-com', 'billing.tickets', { autoInit: true });
    const ada = await h.signIn('user_ada');
    const before = await rows();
    const taken = await h.api(ada, 'POST', '/api/projects', { name: 'Billing' });
    expect(taken.status).toBe(422);
    expect(taken.body.error.message).toMatch(/tisket-com\/billing\.tickets already exists on GitHub/);
    expect(taken.body.error.suggestion).toBe('Billing 2');
    expect(taken.body.error.field).toBe('name');
    expect(await rows()).toEqual(before);
    const suggested = await h.api(ada, 'POST', '/api/projects', { name: taken.body.error.suggestion });
    expect(suggested.status).toBe(201);
    expect(suggested.body.repository.fullName).toBe('tisket-com/billing-2.tickets');
  });

  it('answers 409 while the installation is suspended, and GitHub is not asked', async () => {
    const ada = await h.signIn('user_ada');
    sim().suspend(installation());
    await settle();
    try {
      const creates = sim().requestCount('POST /orgs/{org}/repos');
      const before = await rows();
      const refused = await h.api(ada, 'POST', '/api/projects', { name: 'While suspended' });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('suspended');
      expect(refused.body.error.message).toMatch(/suspended/);
      expect(await rows()).toEqual(before);
      expect(sim().requestCount('POST /orgs/{org}/repos')).toBe(creates);
    } finally {
      sim().unsuspend(installation());
      await settle();
    }
  });

  it('answers 409 when GitHub suspended the installation before its webhook arrived (the mint is refused)', async () => {
    const ada = await h.signIn('user_ada');
    const inst = installation();
    inst.suspendedAt = sim().clock.now();
    // tokens cached before the suspension die with it on GitHub; ours must not be used either
    await h.hub.apps.system.tokens.revokeInstallation(inst.id).catch(() => 0);
    try {
      const before = await rows();
      const refused = await h.api(ada, 'POST', '/api/projects', { name: 'Suspended unnoticed' });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('suspended');
      expect(await rows()).toEqual(before);
    } finally {
      inst.suspendedAt = null;
    }
  });

  it('answers 403 with the installation page when the app lacks Administration: write', async () => {
    const ada = await h.signIn('user_ada');
    const inst = installation();
    const granted = { ...inst.permissions };
    const { administration: _dropped, ...without } = granted;
    inst.permissions = without;
    await h.hub.apps.system.tokens.revokeInstallation(inst.id).catch(() => 0);
    try {
      const before = await rows();
      const refused = await h.api(ada, 'POST', '/api/projects', { name: 'No permission' });
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toMatch(/Administration: write/);
      expect(refused.body.error.acceptUrl).toBe(manageUrl());
      expect(await rows()).toEqual(before);
      expect(sim().store.findRepo('tisket-com', 'no-permission.tickets')).toBeUndefined();

      // The stored permissions say so too (after a webhook): refused before GitHub is asked.
      await h.hub.db.db.update(githubInstallations).set({ permissions: without }).where(eq(githubInstallations.organizationId, org));
      const creates = sim().requestCount('POST /orgs/{org}/repos');
      const again = await h.api(ada, 'POST', '/api/projects', { name: 'No permission' });
      expect(again.status).toBe(403);
      expect(again.body.error.acceptUrl).toBe(manageUrl());
      expect(sim().requestCount('POST /orgs/{org}/repos')).toBe(creates);
    } finally {
      inst.permissions = granted;
      await h.hub.db.db.update(githubInstallations).set({ permissions: granted }).where(eq(githubInstallations.organizationId, org));
    }
  });

  it('answers 429 with Retry-After when GitHub rate limits the creation', async () => {
    const ada = await h.signIn('user_ada');
    const reset = Math.floor(sim().clock.now() / 1000) + 42;
    sim().faults.add({
      route: 'POST /orgs/{org}/repos',
      status: 403,
      body: { message: 'API rate limit exceeded for installation ID 1.' },
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      times: 1,
    });
    const before = await rows();
    const limited = await ada.request('POST', `${h.hub.url}/api/projects`, {
      json: { name: 'Limited' },
      headers: { 'x-csrf-token': ada.csrf, accept: 'application/json' },
      follow: false,
    });
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(40);
    expect(retryAfter).toBeLessThanOrEqual(43);
    const body = (await limited.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.message).toMatch(/try again in 4\d s/);
    expect(await rows()).toEqual(before);
  });

  it('answers 429 for both shapes of GitHub\'s secondary limit: with retry-after, and content creation\'s 403 with none (at least a minute)', async () => {
    const ada = await h.signIn('user_ada');
    for (const [kind, wait] of [
      ['secondary', String(sim().limits.settings.secondaryRetryAfterSeconds)],
      ['content-creation', '60'],
    ] as const) {
      sim().faults.add({ route: 'POST /orgs/{org}/repos', kind, ...(kind === 'secondary' ? { status: 403 } : {}), times: 1 });
      const before = await rows();
      const limited = await ada.request('POST', `${h.hub.url}/api/projects`, {
        json: { name: `Secondary ${kind}` },
        headers: { 'x-csrf-token': ada.csrf, accept: 'application/json' },
        follow: false,
      });
      expect(limited.status, kind).toBe(429);
      expect(limited.headers.get('retry-after'), kind).toBe(wait);
      const body = (await limited.json()) as { error: { code: string; message: string } };
      expect(body.error.message).toBe(`GitHub asks us to slow down creating repositories; try again in ${wait} s.`);
      expect(await rows()).toEqual(before);
      // The account waits out GitHub's minute in the fleet's pacing ledger; the other tests here must not.
      await h.hub.db.db.execute(sql`delete from job_state where name like 'pace:%'`);
    }
  });

  it('answers 503 when GitHub fails the creation, after checking that it created nothing', async () => {
    const ada = await h.signIn('user_ada');
    sim().faults.add({ route: 'POST /orgs/{org}/repos', status: 503, times: 1 });
    const before = await rows();
    const down = await h.api(ada, 'POST', '/api/projects', { name: 'Outage' });
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe('github_unavailable');
    expect(await rows()).toEqual(before);
    expect(sim().store.findRepo('tisket-com', 'outage.tickets')).toBeUndefined();
    // GitHub is back: the same name works at once.
    expect((await h.api(ada, 'POST', '/api/projects', { name: 'Outage' })).status).toBe(201);
  });

  it('answers 503 when GitHub is down altogether, shows no project, and creates it once GitHub is back', async () => {
    const ada = await h.signIn('user_ada');
    await h.hub.apps.system.tokens.revokeInstallation(installation().id).catch(() => 0);
    sim().faults.add({ route: '*', status: 503 });
    const down = await h.api(ada, 'POST', '/api/projects', { name: 'Blackout' });
    sim().faults.clear();
    expect(down.status).toBe(503);
    expect(sim().store.findRepo('tisket-com', 'blackout.tickets')).toBeUndefined();
    const list = (await h.api(ada, 'GET', '/api/projects')).body.projects as { slug: string }[];
    expect(list.map((p) => p.slug)).not.toContain('blackout');
    expect((await rows()).some((r) => r.slug === 'blackout')).toBe(false);
    expect((await h.api(ada, 'POST', '/api/projects', { name: 'Blackout' })).status).toBe(201);
  });

  it('adopts the repository of a creation that crashed after GitHub created it, instead of creating another', async () => {
    const ada = await h.signIn('user_ada');
    const account = sim().store.requireAccount('tisket-com');
    // The state a crash leaves: our `creating` row (its creator gone for minutes) and the repository on GitHub.
    const crashed = await new RepoStore(h.hub.db.db).insert({
      organizationId: org,
      slug: 'crashed',
      name: 'Crashed',
      kind: 'project',
      accountId: account.id,
      fullName: 'tisket-com/crashed.tickets',
      accessState: 'creating',
      createdBy: 'user_ada',
      updatedAt: new Date(Date.now() - 10 * 60_000),
    });
    // The crashed creation got as far as GitHub: the repository carries the marker it wrote in its description.
    const onGitHub = await sim().createRepository('tisket-com', 'crashed.tickets', { autoInit: false, creatorApp: tisketApp(), description: `Tisket: tickets ${creationMarker(crashed.id)}` });
    expect((await h.api(ada, 'GET', '/api/projects')).body.projects.some((p: { slug: string }) => p.slug === 'crashed')).toBe(false);

    const creates = sim().requestCount('POST /orgs/{org}/repos');
    const retried = await h.api(ada, 'POST', '/api/projects', { name: 'Crashed' });
    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({ id: crashed.id, repository: { id: onGitHub.id, fullName: 'tisket-com/crashed.tickets', access: 'reachable' } });
    expect(sim().requestCount('POST /orgs/{org}/repos')).toBe(creates);
    const token = await h.hub.projects.tokenFor(org, crashed.id, { contents: 'read' });
    const clone = await cloneWith(token.remoteUrl, token.token);
    expect(clone.ok && clone.files).toEqual(['README.md', 'tickets/.gitkeep']);
    const audit = await h.hub.db.db.select().from(auditEvents).where(eq(auditEvents.target, crashed.id));
    expect(audit.map((a) => a.action)).toEqual(['project.adopted']);
  });

  it('never adopts a repository of the same name that it did not create: the crashed creation asks for another name', async () => {
    const ada = await h.signIn('user_ada');
    const account = sim().store.requireAccount('tisket-com');
    const crashed = await new RepoStore(h.hub.db.db).insert({
      organizationId: org,
      slug: 'payroll',
      name: 'Payroll',
      accountId: account.id,
      fullName: 'tisket-com/payroll.tickets',
      accessState: 'creating',
      updatedAt: new Date(Date.now() - 10 * 60_000),
    });
    // The customer's own repository, reached by the installation, named as the project's would be, with no marker.
    const theirs = await sim().createRepository('tisket-com', 'payroll.tickets', { autoInit: true, creatorApp: tisketApp(), description: 'Payroll service (production)' });
    const retried = await h.api(ada, 'POST', '/api/projects', { name: 'Payroll' });
    expect(retried.status).toBe(422);
    expect(retried.body.error.message).toMatch(/tisket-com\/payroll\.tickets already exists on GitHub/);
    const row = await new RepoStore(h.hub.db.db).get(org, crashed.id);
    expect(row?.githubRepoId ?? null).not.toBe(theirs.id);
    expect((await h.api(ada, 'GET', '/api/projects')).body.projects.some((p: { repository?: { id: number } }) => p.repository?.id === theirs.id)).toBe(false);
  });

  it('adopts a crashed creation whose content was already pushed without pushing again', async () => {
    const ada = await h.signIn('user_ada');
    const account = sim().store.requireAccount('tisket-com');
    const crashed = await new RepoStore(h.hub.db.db).insert({
      organizationId: org,
      slug: 'pushed',
      name: 'Pushed',
      accountId: account.id,
      fullName: 'tisket-com/pushed.tickets',
      accessState: 'creating',
      updatedAt: new Date(Date.now() - 10 * 60_000),
    });
    await sim().createRepository('tisket-com', 'pushed.tickets', { autoInit: true, creatorApp: tisketApp(), description: creationMarker(crashed.id) });
    const retried = await h.api(ada, 'POST', '/api/projects', { name: 'Pushed' });
    expect(retried.status).toBe(201);
    const token = await h.hub.projects.tokenFor(org, crashed.id, { contents: 'read' });
    const clone = await cloneWith(token.remoteUrl, token.token);
    // the simulator's own first commit, untouched
    expect(clone.ok && clone.files).toEqual(['README.md']);
  });

  it('keeps a creation parked after its repository was made out of every list and lifecycle change, and completes it by id', async () => {
    const ada = await h.signIn('user_ada');
    const account = sim().store.requireAccount('tisket-com');
    // A creation that stored the repository id, then failed to push: parked (its lease released).
    const onGitHub = await sim().createRepository('tisket-com', 'parked.tickets', { autoInit: false, creatorApp: tisketApp() });
    const parked = await new RepoStore(h.hub.db.db).insert({
      organizationId: org,
      slug: 'parked',
      name: 'Parked',
      accountId: account.id,
      githubRepoId: onGitHub.id,
      fullName: 'tisket-com/parked.tickets',
      accessState: 'creating',
      updatedAt: new Date(0),
    });
    const names = () => sim().store.installationRepos(installation()).map((r) => r.name);
    const all = names();
    sim().setRepositorySelection(installation(), 'selected', all.filter((n) => n !== 'parked.tickets'));
    await settle();
    sim().setRepositorySelection(installation(), 'selected', all);
    await settle();
    expect((await new RepoStore(h.hub.db.db).get(org, parked.id))!.accessState).toBe('creating');
    expect((await h.api(ada, 'GET', '/api/projects')).body.projects.some((p: { slug: string }) => p.slug === 'parked')).toBe(false);

    const creates = sim().requestCount('POST /orgs/{org}/repos');
    const retried = await h.api(ada, 'POST', '/api/projects', { name: 'Parked' });
    expect(retried.status).toBe(201);
    expect(retried.body.repository).toMatchObject({ id: onGitHub.id, access: 'reachable' });
    expect(sim().requestCount('POST /orgs/{org}/repos')).toBe(creates);
    const token = await h.hub.projects.tokenFor(org, parked.id, { contents: 'read' });
    const clone = await cloneWith(token.remoteUrl, token.token);
    expect(clone.ok && clone.files).toEqual(['README.md', 'tickets/.gitkeep']);
  });

  it('tells a second request for a creation still under way to wait (409), without touching its row', async () => {
    const ada = await h.signIn('user_ada');
    const account = sim().store.requireAccount('tisket-com');
    const underWay = await new RepoStore(h.hub.db.db).insert({
      organizationId: org,
      slug: 'under-way',
      name: 'Under way',
      accountId: account.id,
      fullName: 'tisket-com/under-way.tickets',
      accessState: 'creating',
    });
    const second = await h.api(ada, 'POST', '/api/projects', { name: 'Under way' });
    expect(second.status).toBe(409);
    expect(second.body.error.message).toMatch(/being created right now/);
    expect(await new RepoStore(h.hub.db.db).get(org, underWay.id)).toEqual(underWay);
    await new RepoStore(h.hub.db.db).releaseCreating(org, underWay.id);
  });

  it('makes one project of two admins creating the same name at once, and tells the other 409', async () => {
    const [first, second] = [await h.signIn('user_ada'), await h.signIn('user_ada')];
    const answers = await Promise.all([
      h.api(first, 'POST', '/api/projects', { name: 'Race' }),
      h.api(second, 'POST', '/api/projects', { name: 'Race' }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    const loser = answers.find((a) => a.status === 409)!;
    expect(loser.body.error.message).toMatch(/Race/);
    expect((await rows()).filter((r) => r.slug === 'race')).toHaveLength(1);
    expect(sim().store.reposOf(sim().store.requireAccount('tisket-com').id).filter((r) => r.name === 'race.tickets')).toHaveLength(1);
  });

  it('logged no token, refresh token or credential while creating, failing and adopting (last in this file)', async () => {
    const all = capturedLogs.join('\n');
    expect(all).toMatch(/api\/projects/);
    expect(all).not.toMatch(/gh[suor]_[A-Za-z0-9]{20,}/);
    expect(all).not.toMatch(/password=/);
    expect(all).not.toContain('HUBGATE_GIT_CREDENTIAL=');
  });
});
