import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentTokens, auditEvents, tokenLeases } from '../src/db/schema/index.js';
import { askToken, connected, createAgentKey, createProject, tisket } from './broker-fixtures.js';
import { drivers } from './db-harness.js';
import { type Harness, startHarness } from './service-harness.js';

let counter = 0;
const unique = (base: string) => `${base}-${Date.now().toString(36)}-${counter++}`;

/** `DELETE /api/v1/tokens/current` with the token as bearer, naming the lease when given. */
async function endLease(url: string, token: string, lease?: string) {
  const response = await fetch(`${url}/api/v1/tokens/current${lease ? `?lease=${lease}` : ''}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, text: await response.text() };
}

describe.each(drivers)('tokens per key and hand-outs as leases (%s)', (driver) => {
  let h: Harness;
  let installationId: number;
  beforeAll(async () => {
    h = await startHarness({ driver });
    installationId = await connected(h, await h.signIn('user_ada'), 'ada', 'tisket-com');
  });
  afterAll(() => h.close());

  const sim = () => h.hub.sandbox!.sim;
  const works = async (token: string, name: string) =>
    (await fetch(`${sim().apiUrl}/repos/tisket-com/${name}`, { headers: { authorization: `token ${token}` } })).status;

  it('never gives two keys the same token: one job’s end leaves the other key’s job working', async () => {
    const ada = await h.signIn('user_ada');
    const name = unique('two-keys');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const a = await createAgentKey(h, ada, 'pool a');
    const b = await createAgentKey(h, ada, 'pool b');
    const jobA = await askToken(h.hub.url, a.key, { repository: `tisket-com/${name}` });
    const jobB = await askToken(h.hub.url, b.key, { repository: `tisket-com/${name}` });
    expect(jobA.body.token).not.toBe(jobB.body.token);
    expect((await endLease(h.hub.url, jobA.body.token)).status).toBe(204);
    expect(await works(jobA.body.token, name)).toBe(401);
    expect(await works(jobB.body.token, name)).toBe(200);
  });

  it('revokes a shared token only when its last live lease ends', async () => {
    const ada = await h.signIn('user_ada');
    const name = unique('shared');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const key = await createAgentKey(h, ada, 'runner pool');
    const first = await askToken(h.hub.url, key.key, { repository: `tisket-com/${name}`, job: 'job 1' });
    const second = await askToken(h.hub.url, key.key, { repository: `tisket-com/${name}`, job: 'job 2' });
    expect(second.body.token).toBe(first.body.token);
    expect(second.body.lease.id).not.toBe(first.body.lease.id);
    const token = first.body.token as string;
    expect((await endLease(h.hub.url, token, first.body.lease.id)).status).toBe(204);
    expect(await works(token, name)).toBe(200);
    const [leaseOne] = await h.hub.db.db.select().from(tokenLeases).where(eq(tokenLeases.id, first.body.lease.id));
    expect(leaseOne!.endedAt).toBeInstanceOf(Date);
    expect((await endLease(h.hub.url, token, second.body.lease.id)).status).toBe(204);
    expect(await works(token, name)).toBe(401);
    const [row] = await h.hub.db.db.select().from(agentTokens).where(eq(agentTokens.tokenHash, leaseOne!.tokenHash));
    expect(row!.revokedAt).toBeInstanceOf(Date);
    // Ending it again changes nothing and is no error; a lease id that is not one is named.
    expect((await endLease(h.hub.url, token)).status).toBe(204);
    const bad = await endLease(h.hub.url, token, 'not-a-lease');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error).toMatchObject({ field: 'lease', message: expect.stringMatching(/lease id/) });
    const next = await askToken(h.hub.url, key.key, { repository: `tisket-com/${name}` });
    expect(next.body.token).not.toBe(token);
    expect(await works(next.body.token, name)).toBe(200);
  });

  it('gives a job that asks a token of its own (one more mint), whose end leaves the shared one working', async () => {
    const ada = await h.signIn('user_ada');
    const name = unique('exclusive');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const key = await createAgentKey(h, ada, 'mixed');
    const shared = await askToken(h.hub.url, key.key, { repository: `tisket-com/${name}` });
    const mints = sim().mintCount(installationId);
    const own = await askToken(h.hub.url, key.key, { repository: `tisket-com/${name}`, exclusive: true });
    expect(sim().mintCount(installationId) - mints).toBe(1);
    expect(own.body.token).not.toBe(shared.body.token);
    expect(own.body.lease.exclusive).toBe(true);
    expect((await endLease(h.hub.url, own.body.token)).status).toBe(204);
    expect(await works(own.body.token, name)).toBe(401);
    expect(await works(shared.body.token, name)).toBe(200);
  });

  it('commits a lease and an audit row for every token it answers, also for concurrent calls', async () => {
    const ada = await h.signIn('user_ada');
    const name = unique('grouped');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const key = await createAgentKey(h, ada, 'busy');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => askToken(h.hub.url, key.key, { repository: `tisket-com/${name}`, job: `j${i}` })));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const leases = await h.hub.db.db.select().from(tokenLeases).where(eq(tokenLeases.keyId, key.id));
    expect(new Set(leases.map((l) => l.id))).toEqual(new Set(answers.map((a) => a.body.lease.id)));
    const audit = (await h.hub.db.db.select().from(auditEvents).where(eq(auditEvents.action, 'broker.token_issued'))).filter(
      (r) => (r.detail as { keyId?: string }).keyId === key.id,
    );
    expect(audit).toHaveLength(20);
    const [stored] = await h.hub.db.db.select().from(agentTokens).where(eq(agentTokens.keyId, key.id));
    expect(stored!.token).not.toContain(answers[0]!.body.token);
    expect(JSON.stringify(stored)).not.toContain(answers[0]!.body.token);
  });

  it('revokes every token a key holds when the key is revoked, and says how many', async () => {
    const ada = await h.signIn('user_ada');
    const one = unique('key-one');
    const two = unique('key-two');
    await createProject(h, tisket, 'tisket-com', one, { installationId });
    await createProject(h, tisket, 'tisket-com', two, { installationId });
    const key = await createAgentKey(h, ada, 'to revoke');
    const other = await createAgentKey(h, ada, 'bystander');
    const t1 = (await askToken(h.hub.url, key.key, { repository: `tisket-com/${one}` })).body.token as string;
    const t2 = (await askToken(h.hub.url, key.key, { repository: `tisket-com/${two}`, permissions: { contents: 'read' } })).body.token as string;
    const t3 = (await askToken(h.hub.url, key.key, { repository: `tisket-com/${two}`, exclusive: true })).body.token as string;
    const kept = (await askToken(h.hub.url, other.key, { repository: `tisket-com/${one}` })).body.token as string;
    const revoked = await h.api(ada, 'DELETE', `/api/agent-keys/${key.id}`);
    expect(revoked.body).toEqual({ revoked: true, tokensRevoked: 3, tokensFailed: 0 });
    expect(await works(t1, one)).toBe(401);
    expect(await works(t2, two)).toBe(401);
    expect(await works(t3, two)).toBe(401);
    expect(await works(kept, one)).toBe(200);
  });

  it('revokes every live agent token of the organization at once with the kill switch, audited, and keeps the connection', async () => {
    const ada = await h.signIn('user_ada');
    const name = unique('kill-switch');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const a = await createAgentKey(h, ada, 'ks a');
    const b = await createAgentKey(h, ada, 'ks b');
    const ta = (await askToken(h.hub.url, a.key, { repository: `tisket-com/${name}` })).body.token as string;
    const tb = (await askToken(h.hub.url, b.key, { repository: `tisket-com/${name}` })).body.token as string;
    const bob = await h.signIn('user_bob');
    const member = await h.api(bob, 'DELETE', '/api/agent-tokens');
    expect(member.status).toBe(403);
    expect(member.body.error.message).toMatch(/Only organization admins/);
    expect(await works(ta, name)).toBe(200);
    const killed = await h.api(ada, 'DELETE', '/api/agent-tokens');
    expect(killed.status).toBe(200);
    expect(killed.body.tokensRevoked).toBeGreaterThanOrEqual(2);
    expect(killed.body.tokensFailed).toBe(0);
    expect(await works(ta, name)).toBe(401);
    expect(await works(tb, name)).toBe(401);
    const [audit] = await h.hub.db.db.select().from(auditEvents).where(eq(auditEvents.action, 'broker.all_tokens_revoked'));
    expect(audit).toMatchObject({ organizationId: tisket, actor: 'user_ada' });
    expect((await h.api(ada, 'GET', '/api/github/connection')).body.connected).toBe(true);
    const again = await askToken(h.hub.url, a.key, { repository: `tisket-com/${name}` });
    expect(again.status).toBe(200);
    expect(await works(again.body.token, name)).toBe(200);
  });

  it('revokes a short-lived grant’s token at GitHub once its leases have all expired, and prunes the log past its retention', async () => {
    const ada = await h.signIn('user_ada');
    const name = unique('sweep');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const created = await h.api(ada, 'POST', '/api/agent-keys', { name: 'short', grant: { maxTokenLifetimeSeconds: 60 } });
    const answer = await askToken(h.hub.url, created.body.key, { repository: `tisket-com/${name}` });
    expect((await h.hub.retention.sweep()).revoked).toBe(0);
    expect(await works(answer.body.token, name)).toBe(200);
    // The minute passes: the lease's end is behind us.
    await h.hub.db.db.execute(sql`update token_leases set expires_at = now() - interval '1 second' where id = ${answer.body.lease.id}`);
    expect((await h.hub.retention.sweep()).revoked).toBe(1);
    expect(await works(answer.body.token, name)).toBe(401);

    // Rows older than the retention (90 days by default) go; younger ones stay.
    await h.hub.db.db.execute(sql`update token_leases set created_at = now() - interval '91 days' where id = ${answer.body.lease.id}`);
    await h.hub.db.db.execute(sql`
      update audit_events set created_at = now() - interval '91 days'
      where action = 'broker.token_issued' and detail->>'leaseId' = ${answer.body.lease.id}`);
    const swept = await h.hub.retention.sweep();
    expect(swept.pruned).toBeGreaterThanOrEqual(2);
    expect(await h.hub.db.db.select().from(tokenLeases).where(eq(tokenLeases.id, answer.body.lease.id))).toEqual([]);
    const issued = await h.hub.db.db.select().from(auditEvents).where(sql`detail->>'leaseId' = ${answer.body.lease.id}`);
    expect(issued).toEqual([]);
  });
});
