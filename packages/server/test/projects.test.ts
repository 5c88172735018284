import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, repos } from '../src/db/schema/index.js';
import { drivers } from './db-harness.js';
import { cloneWith, run } from './git-clone.js';
import { type Harness, startHarness } from './service-harness.js';

describe.each(drivers)('projects in an organization account (%s)', (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ driver });
    const ada = await h.signIn('user_ada');
    await h.connect(ada, 'ada', 'tisket-com');
  });
  afterAll(() => h.close());

  const sim = () => h.hub.sandbox!.sim;
  const rows = () => h.hub.db.db.select().from(repos).where(eq(repos.organizationId, 'org_01TISKET'));

  it('creates a private repository named from the slug, stores its GitHub id and pushes the README and ticket folder', async () => {
    const ada = await h.signIn('user_ada');
    const created = await h.api(ada, 'POST', '/api/projects', { name: 'Engineering' });
    expect(created.status).toBe(201);
    const repo = sim().store.findRepo('tisket-com', 'engineering.tickets')!;
    expect(repo).toBeDefined();
    expect(repo.private).toBe(true);
    expect(created.body).toMatchObject({
      name: 'Engineering',
      slug: 'engineering',
      kind: 'project',
      repository: {
        id: repo.id,
        fullName: 'tisket-com/engineering.tickets',
        htmlUrl: `${sim().webUrl}/tisket-com/engineering.tickets`,
        private: true,
        access: 'reachable',
      },
    });
    expect(created.body.repository.checkedAt).not.toBeNull();

    const token = await h.hub.projects.tokenFor('org_01TISKET', created.body.id, { contents: 'read' });
    const clone = await cloneWith(token.remoteUrl, token.token);
    expect(clone.ok).toBe(true);
    if (!clone.ok) return;
    expect(clone.files).toEqual(['README.md', 'tickets/.gitkeep']);
    const readme = await readFile(join(clone.dir, 'README.md'), 'utf8');
    expect(readme).toMatch(/created by Tisket/);
    expect(readme).toMatch(/`tickets\/`/);
    // One push: the repository holds exactly one commit.
    const { stdout } = await run('git', ['-C', clone.dir, 'rev-list', '--count', 'HEAD']);
    expect(stdout.trim()).toBe('1');
    await rm(join(clone.dir, '..'), { recursive: true, force: true });

    const audit = await h.hub.db.db.select().from(auditEvents).where(eq(auditEvents.action, 'project.created'));
    expect(audit.some((a) => a.target === created.body.id)).toBe(true);
  });

  it('names guides by their slug alone: "Developer guide" becomes developer-guide', async () => {
    const ada = await h.signIn('user_ada');
    const created = await h.api(ada, 'POST', '/api/projects', { name: 'Developer guide', kind: 'guide' });
    expect(created.status).toBe(201);
    expect(created.body.repository.fullName).toBe('tisket-com/developer-guide');
  });

  it('lets a member see the list and refuses them a creation', async () => {
    const ada = await h.signIn('user_ada');
    expect((await h.api(ada, 'POST', '/api/projects', { name: 'Members read' })).status).toBe(201);
    const bob = await h.signIn('user_bob');
    const before = (await rows()).length;
    const refused = await h.api(bob, 'POST', '/api/projects', { name: 'Bobs project' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/Only organization admins/);
    expect(await rows()).toHaveLength(before);
    expect(sim().store.findRepo('tisket-com', 'bobs-project.tickets')).toBeUndefined();
    const list = await h.api(bob, 'GET', '/api/projects');
    expect(list.status).toBe(200);
    expect(list.body.projects.map((p: { slug: string }) => p.slug)).toContain('members-read');
  });

  it('names the problem of a bad request and stores nothing', async () => {
    const ada = await h.signIn('user_ada');
    const before = (await rows()).length;
    const empty = await h.api(ada, 'POST', '/api/projects', { name: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/name/);
    const kind = await h.api(ada, 'POST', '/api/projects', { name: 'X', kind: 'repo' });
    expect(kind.status).toBe(400);
    expect(kind.body.error.message).toMatch(/kind/);
    const symbols = await h.api(ada, 'POST', '/api/projects', { name: '!!!' });
    expect(symbols.status).toBe(400);
    expect(symbols.body.error.field).toBe('name');
    expect(await rows()).toHaveLength(before);
  });

  it('refuses a second project with the same name here (409) without asking GitHub', async () => {
    const ada = await h.signIn('user_ada');
    const first = await h.api(ada, 'POST', '/api/projects', { name: 'Design' });
    expect(first.status).toBe(201);
    const creates = sim().requestCount('POST /orgs/{org}/repos');
    const again = await h.api(ada, 'POST', '/api/projects', { name: 'design' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already exists here/);
    expect(sim().requestCount('POST /orgs/{org}/repos')).toBe(creates);
  });

  it('gives a token scoped to the project repository: git clones it, the simulator refuses it for another repository of the account', async () => {
    const ada = await h.signIn('user_ada');
    const a = (await h.api(ada, 'POST', '/api/projects', { name: 'Scoped A' })).body;
    const b = (await h.api(ada, 'POST', '/api/projects', { name: 'Scoped B' })).body;
    const token = await h.hub.projects.tokenFor('org_01TISKET', a.id, { contents: 'read' });
    expect(token.username).toBe('x-access-token');
    expect(token.repository).toEqual({ id: a.repository.id, fullName: 'tisket-com/scoped-a.tickets' });
    expect(token.expiresAt.getTime()).toBeGreaterThan(Date.now() + 10 * 60_000);
    expect((await cloneWith(token.remoteUrl, token.token)).ok).toBe(true);
    const other = await cloneWith(`${sim().webUrl}/tisket-com/scoped-b.tickets.git`, token.token);
    expect(other.ok).toBe(false);
    const api = await fetch(`${sim().apiUrl}/repos/tisket-com/scoped-b.tickets`, { headers: { authorization: `token ${token.token}` } });
    expect(api.status).toBe(404);
    expect(b.repository.id).not.toBe(a.repository.id);
    // Read only: a push with it is refused.
    const clone = await cloneWith(token.remoteUrl, token.token);
    if (!clone.ok) throw new Error(clone.stderr);
    const push = await run('git', ['-C', clone.dir, '-c', 'credential.helper=', '-c', `credential.helper=!f() { echo username=x-access-token; echo "password=$CLONE_TOKEN"; }; f`, 'push', 'origin', 'HEAD:refs/heads/other'], {
      env: { PATH: process.env.PATH!, HOME: clone.dir, GIT_TERMINAL_PROMPT: '0', CLONE_TOKEN: token.token },
    }).then(
      () => 'pushed',
      () => 'refused',
    );
    expect(push).toBe('refused');
  });
});
