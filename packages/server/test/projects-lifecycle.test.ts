import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drivers } from './db-harness.js';
import { cloneWith } from './git-clone.js';
import { type Harness, startHarness } from './service-harness.js';

const org = 'org_01TISKET';

describe.each(drivers)('what GitHub does to a project repository shows in GET /api/projects (%s)', (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ driver });
    await h.connect(await h.signIn('user_ada'), 'ada', 'tisket-com');
    // acme-corp has the app on all its repositories (another tenant): a repository moved there is no longer ours.
    await h.connect(await h.signIn('user_cyd'), 'cyd', 'acme-corp', 'all');
  });
  afterAll(() => h.close());

  const sim = () => h.hub.sandbox!.sim;
  const settle = async () => {
    await sim().webhooks.settle();
    await h.hub.receiver.settle();
  };
  const installation = () => [...sim().store.installations.values()].find((i) => i.accountId === sim().store.requireAccount('tisket-com').id)!;
  async function project(slug: string) {
    const bob = await h.signIn('user_bob');
    const { body } = await h.api(bob, 'GET', '/api/projects');
    return (body.projects as { slug: string; id: string; repository: { fullName: string; access: string; checkedAt: string | null } }[]).find(
      (p) => p.slug === slug,
    )!;
  }
  async function create(name: string) {
    const created = await h.api(await h.signIn('user_ada'), 'POST', '/api/projects', { name });
    if (created.status !== 201) throw new Error(JSON.stringify(created.body));
    return created.body as { id: string; slug: string; repository: { id: number; fullName: string } };
  }

  it('follows a rename on GitHub by the repository id: new full name, and git reaches it under that name', async () => {
    const made = await create('Ops');
    sim().renameRepository('tisket-com', 'ops.tickets', 'operations.tickets');
    await settle();
    const seen = await project('ops');
    expect(seen.repository).toMatchObject({ fullName: 'tisket-com/operations.tickets', access: 'reachable' });
    const token = await h.hub.projects.tokenFor(org, made.id, { contents: 'read' });
    expect(token.remoteUrl).toBe(`${sim().webUrl}/tisket-com/operations.tickets.git`);
    expect((await cloneWith(token.remoteUrl, token.token)).ok).toBe(true);
  });

  it('shows a repository removed from the installation as missing, and reachable again once added back', async () => {
    await create('Support');
    const inst = installation();
    const others = sim().store.installationRepos(inst).map((r) => r.name).filter((n) => n !== 'support.tickets');
    sim().setRepositorySelection(inst, 'selected', others);
    await settle();
    const missing = await project('support');
    expect(missing.repository.access).toBe('missing');
    expect(missing.repository.checkedAt).not.toBeNull();
    // The product's own code is told so, and the reconcile job is asked to look.
    await expect(h.hub.projects.tokenFor(org, missing.id, { contents: 'read' })).rejects.toMatchObject({ code: 'not_found' });

    sim().setRepositorySelection(inst, 'selected', [...others, 'support.tickets']);
    await settle();
    expect((await project('support')).repository.access).toBe('reachable');
    const token = await h.hub.projects.tokenFor(org, missing.id, { contents: 'read' });
    expect((await cloneWith(token.remoteUrl, token.token)).ok).toBe(true);
  });

  it('shows a repository transferred out of the connected account as moved, and hands out no token for it', async () => {
    const made = await create('Legal');
    sim().transferRepository('tisket-com', 'legal.tickets', 'acme-corp');
    await settle();
    const moved = await project('legal');
    expect(moved.repository).toMatchObject({ fullName: 'acme-corp/legal.tickets', access: 'moved' });
    await expect(h.hub.projects.tokenFor(org, made.id, { contents: 'read' })).rejects.toMatchObject({ code: 'not_found' });
    // The other tenant has no project for it: nothing of ours leaks into its list.
    const acme = (await h.api(await h.signIn('user_cyd'), 'GET', '/api/projects')).body.projects as { repository: { fullName: string } }[];
    expect(acme.map((p) => p.repository.fullName)).not.toContain('acme-corp/legal.tickets');
  });

  it('scopes tokens to the project repository on an "All repositories" installation too, and to the tenant', async () => {
    const cyd = await h.signIn('user_cyd');
    const created = await h.api(cyd, 'POST', '/api/projects', { name: 'Acme plans' });
    expect(created.status).toBe(201);
    await sim().createRepository('acme-corp', 'codebase', { autoInit: true });
    const token = await h.hub.projects.tokenFor('org_02ACME', created.body.id, { contents: 'read' });
    expect((await cloneWith(token.remoteUrl, token.token)).ok).toBe(true);
    // The installation reaches every acme-corp repository; this token reaches one.
    expect((await cloneWith(`${sim().webUrl}/acme-corp/codebase.git`, token.token)).ok).toBe(false);
    // Another tenant cannot get a token for it by its id.
    await expect(h.hub.projects.tokenFor(org, created.body.id, { contents: 'read' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
