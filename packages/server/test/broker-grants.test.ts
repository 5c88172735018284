import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentKeys, auditEvents } from '../src/db/schema/index.js';
import { askToken, connected, createProject, tisket } from './broker-fixtures.js';
import { type Harness, startHarness } from './service-harness.js';

let counter = 0;
const unique = (base: string) => `${base}-${Date.now().toString(36)}-${counter++}`;

describe('agent key grants', () => {
  let h: Harness;
  let installationId: number;
  beforeAll(async () => {
    h = await startHarness();
    installationId = await connected(h, await h.signIn('user_ada'), 'ada', 'tisket-com');
  });
  afterAll(() => h.close());

  const sim = () => h.hub.sandbox!.sim;
  const githubGet = (path: string, token: string) =>
    fetch(`${sim().apiUrl}${path}`, { headers: { authorization: `token ${token}`, accept: 'application/vnd.github+json' } });
  const newKey = async (body: Record<string, unknown>) => {
    const ada = await h.signIn('user_ada');
    const created = await h.api(ada, 'POST', '/api/agent-keys', body);
    return created;
  };

  it('reaches only the projects the grant lists, and names the project it refuses', async () => {
    const inGrant = unique('listed');
    const outside = unique('not-listed');
    const listed = await createProject(h, tisket, 'tisket-com', inGrant, { installationId });
    await createProject(h, tisket, 'tisket-com', outside, { installationId });
    const created = await newKey({ name: 'one project', grant: { projects: { ids: [listed.project.id] } } });
    expect(created.status).toBe(201);
    expect(created.body.grant.projects).toEqual({ ids: [listed.project.id] });
    const mints = sim().mintCount();
    expect((await askToken(h.hub.url, created.body.key, { repository: `tisket-com/${inGrant}` })).status).toBe(200);
    const refused = await askToken(h.hub.url, created.body.key, { repository: `tisket-com/${outside}` });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe(`The project tisket-com/${outside} is outside this agent key's grant.`);
    expect(sim().mintCount() - mints).toBe(1);
  });

  it('reaches the projects of the kinds it names', async () => {
    const guide = unique('guide-kind');
    const plain = unique('project-kind');
    const g = await createProject(h, tisket, 'tisket-com', guide, { installationId });
    await h.hub.db.db.execute(sql`update repos set kind = 'guide' where id = ${g.project.id}`);
    await createProject(h, tisket, 'tisket-com', plain, { installationId });
    const created = await newKey({ name: 'guides only', grant: { projects: { kinds: ['guide'] } } });
    expect((await askToken(h.hub.url, created.body.key, { repository: `tisket-com/${guide}` })).status).toBe(200);
    const refused = await askToken(h.hub.url, created.body.key, { repository: `tisket-com/${plain}` });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/outside this agent key's grant/);
  });

  it('gives a read-only grant read-only tokens, and refuses a write naming the permission and what the grant allows', async () => {
    const name = unique('read-only');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const created = await newKey({ name: 'reader', grant: { permissions: { contents: 'read' } } });
    expect(created.body.grant.permissions).toEqual({ contents: 'read', metadata: 'read' });
    const answer = await askToken(h.hub.url, created.body.key, { repository: `tisket-com/${name}` });
    expect(answer.status).toBe(200);
    expect(answer.body.permissions).toEqual({ contents: 'read', metadata: 'read' });
    const listed = await githubGet('/installation/repositories', answer.body.token);
    expect(listed.status).toBe(200);
    const mints = sim().mintCount();
    const write = await askToken(h.hub.url, created.body.key, { repository: `tisket-com/${name}`, permissions: { contents: 'write' } });
    expect(write.status).toBe(403);
    expect(write.body.error).toMatchObject({
      code: 'forbidden',
      field: 'permissions',
      message: "Outside this agent key's grant: contents: write (the key's grant allows read).",
    });
    const issues = await askToken(h.hub.url, created.body.key, { repository: `tisket-com/${name}`, permissions: { issues: 'read' } });
    expect(issues.status).toBe(403);
    expect(issues.body.error.message).toMatch(/issues: read \(the key's grant allows none\)/);
    expect(sim().mintCount()).toBe(mints);
  });

  it('asks GitHub for a granted permission the installation lacks, and says so as a conflict', async () => {
    const name = unique('pr-agent');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const created = await newKey({ name: 'pull requests', grant: { permissions: { contents: 'write', pull_requests: 'write' } } });
    expect(created.status).toBe(201);
    const answer = await askToken(h.hub.url, created.body.key, { repository: `tisket-com/${name}`, permissions: { pull_requests: 'write' } });
    expect(answer.status).toBe(409);
    expect(answer.body.error.message).toMatch(/does not grant pull_requests as asked/);
  });

  it('bounds a hand-out by the grant’s longest lifetime, and refuses a longer minimum validity naming it', async () => {
    const name = unique('short-lived');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const created = await newKey({ name: 'ten minutes', grant: { maxTokenLifetimeSeconds: 600 } });
    const before = Date.now();
    const answer = await askToken(h.hub.url, created.body.key, { repository: `tisket-com/${name}` });
    expect(answer.status).toBe(200);
    const ends = Date.parse(answer.body.expiresAt);
    expect(ends).toBeGreaterThanOrEqual(before + 600_000 - 1_000);
    expect(ends).toBeLessThanOrEqual(Date.now() + 600_000 + 1_000);
    expect(answer.body.lease.expiresAt).toBe(answer.body.expiresAt);
    const longer = await askToken(h.hub.url, created.body.key, { repository: `tisket-com/${name}`, minValidityMs: 900_000 });
    expect(longer.status).toBe(403);
    expect(longer.body.error).toMatchObject({ field: 'minValidityMs', message: expect.stringMatching(/at most 600 s/) });
  });

  it('stops a key at its expiry with the same 401 as a revoked one', async () => {
    const name = unique('expiring');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const soon = new Date(Date.now() + 3600_000).toISOString();
    const created = await newKey({ name: 'expires', expiresAt: soon });
    expect(created.body.expiresAt).toBe(soon);
    expect((await askToken(h.hub.url, created.body.key, { repository: `tisket-com/${name}` })).status).toBe(200);
    // The hour passes (written as the clock would make it: the key's expiry now behind us).
    await h.hub.db.db.update(agentKeys).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(agentKeys.id, created.body.id));
    const refused = await askToken(h.hub.url, created.body.key, { repository: `tisket-com/${name}` });
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toBe('The agent key is unknown, revoked or expired.');
  });

  it('refuses a bad grant, a past expiry, another tenant’s project and control characters in a name, storing nothing', async () => {
    const theirs = await createProject(h, 'org_02ACME', 'acme-corp', unique('acme-only'));
    const before = await h.hub.db.db.select().from(agentKeys);
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ name: 'a\u0000b' }, 'name', /control or bidirectional/],
      [{ name: 'evil\u202egnp.exe' }, 'name', /control or bidirectional/],
      [{ name: 'x', grant: { permissions: { administration: 'write' } } }, 'grant.permissions', /administration refused/],
      [{ name: 'x', grant: { permissions: { contents: 'admin' } } }, 'grant.permissions.contents', /./],
      [{ name: 'x', grant: { permissions: { metadata: 'read' } } }, 'grant.permissions', /name at least one of contents, pull_requests, issues/],
      [{ name: 'x', grant: { projects: { ids: [] } } }, 'grant.projects.ids', /name at least one project/],
      [{ name: 'x', grant: { projects: { ids: [theirs.project.id] } } }, 'grant.projects.ids', /is not a project here/],
      [{ name: 'x', grant: { maxTokenLifetimeSeconds: 7200 } }, 'grant.maxTokenLifetimeSeconds', /at most 3600 seconds/],
      [{ name: 'x', expiresAt: new Date(Date.now() - 60_000).toISOString() }, 'expiresAt', /in the future/],
    ];
    for (const [body, field, message] of cases) {
      const refused = await newKey(body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error.field, JSON.stringify(body)).toBe(field);
      expect(refused.body.error.message, JSON.stringify(body)).toMatch(message);
    }
    expect(await h.hub.db.db.select().from(agentKeys)).toEqual(before);
  });

  it('gives a key stored before grants existed the grant it had in effect', async () => {
    // A row as the previous version wrote it: no grant column in its insert.
    await h.hub.db.db.execute(sql`
      insert into agent_keys (organization_id, name, prefix, key_hash, created_by)
      values (${tisket}, 'from before', 'hgk_old00000', ${unique('hash')}, 'user_ada')`);
    const [row] = await h.hub.db.db.select().from(agentKeys).where(eq(agentKeys.name, 'from before'));
    expect(row!.grant).toEqual({ projects: { all: true }, permissions: { contents: 'write', metadata: 'read' }, maxTokenLifetimeSeconds: 3600 });
    expect(row!.expiresAt).toBeNull();
  });

  it('names the grant in the audit of every hand-out', async () => {
    const name = unique('audited-grant');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const created = await newKey({ name: 'audited', grant: { permissions: { contents: 'read' }, maxTokenLifetimeSeconds: 900 } });
    const answer = await askToken(h.hub.url, created.body.key, { repository: `tisket-com/${name}`, job: 'build 42' });
    expect(answer.body.lease.job).toBe('build 42');
    const rows = (await h.hub.db.db.select().from(auditEvents).where(eq(auditEvents.action, 'broker.token_issued'))).filter(
      (r) => (r.detail as { keyId?: string }).keyId === created.body.id,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.detail).toMatchObject({
      leaseId: answer.body.lease.id,
      job: 'build 42',
      grant: { projects: { all: true }, permissions: { contents: 'read', metadata: 'read' }, maxTokenLifetimeSeconds: 900 },
    });
  });
});
