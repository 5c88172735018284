import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { agentKeys, auditEvents } from '../src/db/schema/index.js';
import { newAgentKeySecret } from '../src/broker/agent-key-secret.js';
import { sha256 } from '../src/sealing/sha256.js';
import { AgentKeyStore } from '../src/stores/agent-key-store.js';
import { acme, askToken, connected, createAgentKey, createLooseRepository, createProject, revokeToken, tisket } from './broker-fixtures.js';
import { drivers } from './db-harness.js';
import { capturedLogs, type Harness, startHarness } from './service-harness.js';

let counter = 0;
const unique = (base: string) => `${base}-${Date.now().toString(36)}-${counter++}`;

describe.each(drivers)('the token broker (%s)', (driver) => {
  let h: Harness;
  let tisketInstallation: number;
  let acmeInstallation: number;
  beforeAll(async () => {
    h = await startHarness({ driver });
    tisketInstallation = await connected(h, await h.signIn('user_ada'), 'ada', 'tisket-com');
    acmeInstallation = await connected(h, await h.signIn('user_cyd'), 'cyd', 'acme-corp');
  });
  afterAll(() => h.close());

  const sim = () => h.hub.sandbox!.sim;
  const githubGet = (path: string, token: string) =>
    fetch(`${sim().apiUrl}${path}`, { headers: { authorization: `token ${token}`, accept: 'application/vnd.github+json' } });

  describe('agent keys (/api/agent-keys)', () => {
    it('shows a new key once: the list and the database hold its prefix and hash, never the key', async () => {
      const ada = await h.signIn('user_ada');
      const created = await h.api(ada, 'POST', '/api/agent-keys', { name: 'release runner' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'release runner', id: expect.any(String), createdAt: expect.any(String) });
      const key: string = created.body.key;
      expect(key).toMatch(/^hgk_[A-Za-z0-9_-]{43}$/);
      expect(key.startsWith(created.body.prefix)).toBe(true);

      const listed = await h.api(ada, 'GET', '/api/agent-keys');
      expect(listed.status).toBe(200);
      const mine = listed.body.keys.find((k: { id: string }) => k.id === created.body.id);
      expect(mine).toEqual({
        id: created.body.id,
        name: 'release runner',
        prefix: created.body.prefix,
        createdAt: created.body.createdAt,
        lastUsedAt: null,
        revokedAt: null,
        expiresAt: null,
        // A key that names no grant gets what every key had before grants: every project, contents write, one hour.
        grant: { projects: { all: true }, permissions: { contents: 'write', metadata: 'read' }, maxTokenLifetimeSeconds: 3600 },
      });
      expect(JSON.stringify(listed.body)).not.toContain(key.slice(created.body.prefix.length));

      const [row] = await h.hub.db.db.select().from(agentKeys).where(eq(agentKeys.id, created.body.id));
      expect(row!.keyHash).toBe(sha256(key));
      expect(JSON.stringify(row)).not.toContain(key);
      const audit = await h.hub.db.db.select().from(auditEvents).where(eq(auditEvents.action, 'agent_key.created'));
      expect(JSON.stringify(audit)).not.toContain(key);
    });

    it('lets a member list the keys but not create or revoke one', async () => {
      const ada = await h.signIn('user_ada');
      const key = await createAgentKey(h, ada, 'listed for bob');
      const bob = await h.signIn('user_bob');
      const listed = await h.api(bob, 'GET', '/api/agent-keys');
      expect(listed.status).toBe(200);
      expect(listed.body.keys.map((k: { id: string }) => k.id)).toContain(key.id);
      const before = await h.hub.db.db.select().from(agentKeys);
      const create = await h.api(bob, 'POST', '/api/agent-keys', { name: 'bob wants one' });
      expect(create.status).toBe(403);
      expect(create.body.error.message).toMatch(/Only organization admins/);
      expect((await h.api(bob, 'DELETE', `/api/agent-keys/${key.id}`)).status).toBe(403);
      expect(await h.hub.db.db.select().from(agentKeys)).toEqual(before);
    });

    it('refuses a change without the CSRF token, a bad name, and another tenant’s key id, storing nothing', async () => {
      const ada = await h.signIn('user_ada');
      const key = await createAgentKey(h, ada, 'csrf target');
      const before = await h.hub.db.db.select().from(agentKeys);
      const noCsrf = await ada.post(`${h.hub.url}/api/agent-keys`, { json: { name: 'sneaky' }, follow: false });
      expect(noCsrf.status).toBe(403);
      const blank = await h.api(ada, 'POST', '/api/agent-keys', { name: '   ' });
      expect(blank.status).toBe(400);
      expect(blank.body.error).toMatchObject({ code: 'bad_request', field: 'name' });
      expect((await h.api(ada, 'POST', '/api/agent-keys', { name: 'x', extra: 1 })).status).toBe(400);
      const cyd = await h.signIn('user_cyd');
      const foreign = await h.api(cyd, 'DELETE', `/api/agent-keys/${key.id}`);
      expect(foreign.status).toBe(404);
      expect((await h.api(cyd, 'DELETE', '/api/agent-keys/not-a-uuid')).status).toBe(404);
      expect(await h.hub.db.db.select().from(agentKeys)).toEqual(before);
      expect((await h.api(cyd, 'GET', '/api/agent-keys')).body.keys.map((k: { id: string }) => k.id)).not.toContain(key.id);
    });

    it('refuses a key beyond the tenant’s live-key limit, storing nothing; a revoked key frees a place', async () => {
      const cyd = await h.signIn('user_cyd');
      const live = async () =>
        (await h.hub.db.db.select().from(agentKeys).where(eq(agentKeys.organizationId, acme))).filter((k) => !k.revokedAt);
      // The tenant's other keys, put in through our own store (a hundred API calls would only be slower).
      const store = new AgentKeyStore(h.hub.db.db);
      const made: string[] = [];
      for (let n = (await live()).length; n < 99; n++) {
        const secret = newAgentKeySecret();
        made.push((await store.insert({ organizationId: acme, name: `pool ${n}`, prefix: secret.prefix, keyHash: secret.hash, createdBy: 'user_cyd' })).id);
      }
      try {
        made.push((await createAgentKey(h, cyd, 'the hundredth')).id);
        const before = await h.hub.db.db.select().from(agentKeys);
        const refused = await h.api(cyd, 'POST', '/api/agent-keys', { name: 'one too many' });
        expect(refused.status).toBe(409);
        expect(refused.body.error.message).toMatch(/100 live agent keys/);
        expect(await h.hub.db.db.select().from(agentKeys)).toEqual(before);
        expect((await h.api(cyd, 'DELETE', `/api/agent-keys/${made.pop()}`)).status).toBe(200);
        const inItsPlace = await createAgentKey(h, cyd, 'in its place');
        made.push(inItsPlace.id);
      } finally {
        for (const id of made) await store.revoke(acme, id, new Date());
      }
    });

    it('stops a revoked key at once, and records the last use at most once a minute', async () => {
      const ada = await h.signIn('user_ada');
      const name = unique('revoked-key');
      await createProject(h, tisket, 'tisket-com', name, { installationId: tisketInstallation });
      const key = await createAgentKey(h, ada);
      expect((await askToken(h.hub.url, key.key, { repository: `tisket-com/${name}` })).status).toBe(200);
      // The last use is written beside the call, not before its answer.
      const used = await vi.waitFor(async () => {
        const [row] = await h.hub.db.db.select().from(agentKeys).where(eq(agentKeys.id, key.id));
        expect(row!.lastUsedAt).toBeInstanceOf(Date);
        return row!;
      });
      expect((await askToken(h.hub.url, key.key, { repository: `tisket-com/${name}` })).status).toBe(200);
      const [again] = await h.hub.db.db.select().from(agentKeys).where(eq(agentKeys.id, key.id));
      expect(again!.lastUsedAt).toEqual(used!.lastUsedAt);

      // The key held one live token: revoked with it.
      expect((await h.api(ada, 'DELETE', `/api/agent-keys/${key.id}`)).body).toEqual({ revoked: true, tokensRevoked: 1, tokensFailed: 0 });
      const refused = await askToken(h.hub.url, key.key, { repository: `tisket-com/${name}` });
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('unauthenticated');
      const listed = (await h.api(ada, 'GET', '/api/agent-keys')).body.keys.find((k: { id: string }) => k.id === key.id);
      expect(listed.revokedAt).toEqual(expect.any(String));
      expect((await h.api(ada, 'DELETE', `/api/agent-keys/${key.id}`)).status).toBe(404);
    });
  });

  describe('POST /api/v1/tokens', () => {
    it('answers a token for one of the tenant’s projects, scoped to that repository, whatever form names it', async () => {
      const ada = await h.signIn('user_ada');
      const name = unique('Widget-App');
      const { repo } = await createProject(h, tisket, 'tisket-com', name, { installationId: tisketInstallation });
      const other = await createLooseRepository(h, 'tisket-com', unique('neighbour'), tisketInstallation);
      const key = await createAgentKey(h, ada);

      const answer = await askToken(h.hub.url, key.key, { repository: `tisket-com/${name}` });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.body).toEqual({
        token: expect.stringMatching(/^ghs_/),
        expiresAt: expect.any(String),
        repository: { id: repo.id, fullName: `tisket-com/${name}`, url: `${sim().webUrl}/tisket-com/${name}.git` },
        permissions: { contents: 'write', metadata: 'read' },
        lease: { id: expect.any(String), expiresAt: answer.body.expiresAt, job: null, exclusive: false },
      });
      expect(Date.parse(answer.body.expiresAt)).toBeGreaterThan(Date.now() + 50 * 60_000);
      const token: string = answer.body.token;
      expect((await githubGet(`/repos/tisket-com/${name}`, token)).status).toBe(200);
      // The installation reaches the neighbour; this token does not.
      expect((await githubGet(`/repos/tisket-com/${other.name}`, token)).status).toBe(404);
      const listed = (await (await githubGet('/installation/repositories', token)).json()) as { repositories: { id: number }[] };
      expect(listed.repositories.map((r) => r.id)).toEqual([repo.id]);

      const web = sim().webUrl;
      for (const form of [
        `${web}/tisket-com/${name}.git`,
        `${web}/TISKET-COM/${name.toLowerCase()}`,
        `git@${new URL(web).hostname}:tisket-com/${name}.git`,
        `ssh://git@${new URL(web).hostname}/tisket-com/${name}`,
        `tisket-com/${name}.git`,
      ]) {
        const same = await askToken(h.hub.url, key.key, { repository: form });
        expect(same.status, form).toBe(200);
        // One cached token for every form: the fleet-wide cache is keyed by repository id and permissions.
        expect(same.body.token, form).toBe(token);
      }
    });

    it('mints once for many calls (the fleet-wide cache), and audits every issuance by the token’s hash only', async () => {
      const ada = await h.signIn('user_ada');
      const name = unique('audited');
      const { repo } = await createProject(h, tisket, 'tisket-com', name, { installationId: tisketInstallation });
      const key = await createAgentKey(h, ada);
      const mintsBefore = sim().mintCount(tisketInstallation);
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => askToken(h.hub.url, key.key, { repository: `tisket-com/${name}` })),
      );
      const token: string = answers[0]!.body.token;
      expect(answers.every((a) => a.status === 200 && a.body.token === token)).toBe(true);
      expect(sim().mintCount(tisketInstallation) - mintsBefore).toBe(1);
      const readOnly = await askToken(h.hub.url, key.key, { repository: `tisket-com/${name}`, permissions: { contents: 'read' } });
      expect(readOnly.body.token).not.toBe(token);

      const rows = (await h.hub.db.db.select().from(auditEvents).where(eq(auditEvents.action, 'broker.token_issued'))).filter(
        (r) => (r.detail as { keyId?: string }).keyId === key.id,
      );
      expect(rows).toHaveLength(6);
      expect(rows.find((r) => (r.detail as { tokenHash: string }).tokenHash === sha256(token))).toMatchObject({
        organizationId: tisket,
        actor: `agent_key:${key.id}`,
        target: `repo:${repo.id}`,
        detail: {
          tokenHash: sha256(token),
          keyId: key.id,
          repository: { id: repo.id, fullName: `tisket-com/${name}` },
          permissions: { contents: 'write', metadata: 'read' },
        },
      });
      expect(rows.filter((r) => (r.detail as { tokenHash: string }).tokenHash === sha256(readOnly.body.token))).toEqual([
        expect.objectContaining({ detail: expect.objectContaining({ permissions: { contents: 'read', metadata: 'read' } }) }),
      ]);
      const everything = JSON.stringify(await h.hub.db.db.select().from(auditEvents));
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(readOnly.body.token);
      expect(everything).not.toContain(key.key);
    });

    it('answers the same 404 for another tenant’s project, a repository of the account that is no project, and none at all', async () => {
      const ada = await h.signIn('user_ada');
      const theirs = unique('acme-secret');
      await createProject(h, acme, 'acme-corp', theirs, { installationId: acmeInstallation });
      const loose = await createLooseRepository(h, 'tisket-com', unique('not-a-project'), tisketInstallation);
      const key = await createAgentKey(h, ada);
      const mintsBefore = sim().mintCount();
      const answers = [
        await askToken(h.hub.url, key.key, { repository: `acme-corp/${theirs}` }),
        await askToken(h.hub.url, key.key, { repository: `${sim().webUrl}/acme-corp/${theirs}.git` }),
        await askToken(h.hub.url, key.key, { repository: `tisket-com/${loose.name}` }),
        await askToken(h.hub.url, key.key, { repository: 'tisket-com/no-such-repository' }),
        await askToken(h.hub.url, key.key, { repository: 'nobody/nothing' }),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(404);
        expect(answer.body).toEqual(answers[0]!.body);
      }
      expect(answers[0]!.body.error.code).toBe('not_found');
      expect(JSON.stringify(answers[0]!.body)).not.toMatch(/acme/i);
      expect(sim().mintCount() - mintsBefore).toBe(0);
      const issued = await h.hub.db.db.select().from(auditEvents).where(eq(auditEvents.action, 'broker.token_issued'));
      expect(issued.filter((r) => (r.detail as { keyId?: string }).keyId === key.id)).toEqual([]);
    });

    it('refuses a missing, malformed or unknown key with a 401', async () => {
      const body = { repository: 'tisket-com/anything' };
      const missing = await askToken(h.hub.url, null, body);
      expect(missing.status).toBe(401);
      expect(missing.body.error).toMatchObject({ code: 'unauthenticated', message: expect.stringMatching(/Bearer/) });
      const unknown = await askToken(h.hub.url, `hgk_${'A'.repeat(43)}`, body);
      expect(unknown.status).toBe(401);
      expect(unknown.body.error.message).toMatch(/unknown, revoked or expired/);
      expect((await askToken(h.hub.url, 'not-a-key', body)).status).toBe(401);
      const basic = await fetch(`${h.hub.url}/api/v1/tokens`, {
        method: 'POST',
        headers: { authorization: 'Basic eDp5', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(basic.status).toBe(401);
      // A signed-in browser is no agent: its session cookie does not open the broker.
      const ada = await h.signIn('user_ada');
      const viaCookie = await h.api(ada, 'POST', '/api/v1/tokens', body);
      expect(viaCookie.status).toBe(401);
    });

    it('refuses permissions beyond contents and metadata, and malformed requests, naming the problem', async () => {
      const ada = await h.signIn('user_ada');
      const name = unique('strict');
      await createProject(h, tisket, 'tisket-com', name, { installationId: tisketInstallation });
      const key = await createAgentKey(h, ada);
      const repository = `tisket-com/${name}`;
      const mintsBefore = sim().mintCount();
      const admin = await askToken(h.hub.url, key.key, { repository, permissions: { contents: 'write', administration: 'write' } });
      expect(admin.status).toBe(400);
      expect(admin.body.error.message).toMatch(/administration refused/);
      expect(admin.body.error.field).toBe('permissions');
      const level = await askToken(h.hub.url, key.key, { repository, permissions: { contents: 'admin' } });
      expect(level.status).toBe(400);
      expect(level.body.error.field).toBe('permissions.contents');
      expect((await askToken(h.hub.url, key.key, { repository, minValidityMs: 2 * 3600_000 })).body.error.field).toBe('minValidityMs');
      expect((await askToken(h.hub.url, key.key, {})).body.error.field).toBe('repository');
      const huge = await askToken(h.hub.url, key.key, { repository, padding: 'x'.repeat(20_000) });
      expect(huge.status).toBe(413);
      const badUrl = await askToken(h.hub.url, key.key, { repository: 'ftp://example.com/a/b' });
      expect(badUrl.status).toBe(400);
      expect(badUrl.body.error.field).toBe('repository');
      expect(sim().mintCount() - mintsBefore).toBe(0);
    });
  });

  it('keeps agent keys and issued tokens out of every log line, and masks a key logged by mistake', async () => {
    const ada = await h.signIn('user_ada');
    const name = unique('logged');
    await createProject(h, tisket, 'tisket-com', name, { installationId: tisketInstallation });
    const key = await createAgentKey(h, ada);
    const token = (await askToken(h.hub.url, key.key, { repository: `tisket-com/${name}` })).body.token as string;
    await askToken(h.hub.url, key.key, { repository: 'acme-corp/anything' });
    await revokeToken(h.hub.url, token);
    await h.api(ada, 'DELETE', `/api/agent-keys/${key.id}`);
    await askToken(h.hub.url, key.key, { repository: `tisket-com/${name}` });
    h.hub.logger.warn({ note: `agent sent ${key.key}` }, `retrying with ${key.key}`);
    const all = capturedLogs.join('\n');
    expect(all).toContain('/api/v1/tokens');
    expect(all).not.toContain(key.key);
    expect(all).not.toContain(key.key.slice(key.prefix.length));
    expect(all).not.toContain(token);
  });

  describe('metrics', () => {
    const counted = async (name: string, outcome: string) => {
      const text = await (await fetch(`${h.hub.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name}{outcome="${outcome}"}`));
      return line ? Number(line.split(' ').pop()) : 0;
    };

    it('counts token requests and revocations by outcome, naming no key or repository', async () => {
      const ada = await h.signIn('user_ada');
      const name = unique('metered');
      await createProject(h, tisket, 'tisket-com', name, { installationId: tisketInstallation });
      const key = await createAgentKey(h, ada);
      const requests = 'hubgate_broker_token_requests_total';
      const before = {
        issued: await counted(requests, 'issued'),
        notFound: await counted(requests, 'not_found'),
        unauthenticated: await counted(requests, 'unauthenticated'),
        revoked: await counted('hubgate_broker_revocations_total', 'revoked'),
      };
      const token = (await askToken(h.hub.url, key.key, { repository: `tisket-com/${name}` })).body.token as string;
      await askToken(h.hub.url, key.key, { repository: 'tisket-com/nothing-here' });
      await askToken(h.hub.url, null, { repository: `tisket-com/${name}` });
      expect((await revokeToken(h.hub.url, token)).status).toBe(204);
      expect(await counted(requests, 'issued')).toBe(before.issued + 1);
      expect(await counted(requests, 'not_found')).toBe(before.notFound + 1);
      expect(await counted(requests, 'unauthenticated')).toBe(before.unauthenticated + 1);
      expect(await counted('hubgate_broker_revocations_total', 'revoked')).toBe(before.revoked + 1);
      const text = await (await fetch(`${h.hub.url}/metrics`)).text();
      expect(text).not.toContain(name);
      expect(text).not.toContain(key.prefix);
    });
  });

  describe('DELETE /api/v1/tokens/current', () => {
    it('revokes an issued token at GitHub and in every cache; the next call gets a new one', async () => {
      const ada = await h.signIn('user_ada');
      const name = unique('job-end');
      await createProject(h, tisket, 'tisket-com', name, { installationId: tisketInstallation });
      const key = await createAgentKey(h, ada);
      const first = (await askToken(h.hub.url, key.key, { repository: `tisket-com/${name}` })).body.token as string;
      expect((await githubGet(`/repos/tisket-com/${name}`, first)).status).toBe(200);

      const revoked = await revokeToken(h.hub.url, first);
      expect(revoked.status).toBe(204);
      expect((await githubGet(`/repos/tisket-com/${name}`, first)).status).toBe(401);
      const next = (await askToken(h.hub.url, key.key, { repository: `tisket-com/${name}` })).body.token as string;
      expect(next).not.toBe(first);
      expect((await githubGet(`/repos/tisket-com/${name}`, next)).status).toBe(200);
      const rows = await h.hub.db.db.select().from(auditEvents).where(eq(auditEvents.action, 'broker.token_revoked'));
      expect(rows.some((r) => (r.detail as { tokenHash: string }).tokenHash === sha256(first))).toBe(true);
      expect(JSON.stringify(rows)).not.toContain(first);
    });

    it('is no open revocation proxy: a token the broker did not issue is refused and stays valid', async () => {
      const name = unique('foreign-token');
      await createProject(h, tisket, 'tisket-com', name, { installationId: tisketInstallation });
      // A token minted by the service for itself, not through the broker.
      const own = await h.hub.apps.system.tokens.getToken({ installationId: tisketInstallation });
      const refused = await revokeToken(h.hub.url, own.token);
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.text).error.code).toBe('unauthenticated');
      expect((await githubGet(`/repos/tisket-com/${name}`, own.token)).status).toBe(200);
      const missing = await fetch(`${h.hub.url}/api/v1/tokens/current`, { method: 'DELETE' });
      expect(missing.status).toBe(401);
    });
  });
});
