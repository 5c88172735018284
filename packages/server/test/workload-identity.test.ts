import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { runGitCredential } from '@hubgate/github-auth';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { auditEvents } from '../src/db/schema/index.js';
import { acme, connected, createProject, tisket } from './broker-fixtures.js';
import { hs256WithPublicKey, LocalIssuer, unsignedToken } from './local-issuer.js';
import { type Harness, startHarness } from './service-harness.js';

const run = promisify(execFile);
const helperBin = resolve(import.meta.dirname, '../../github-auth/bin/hubgate-git-credential.mjs');
let counter = 0;
const unique = (base: string) => `${base}-${Date.now().toString(36)}-${counter++}`;

/**
 * Workload identity: ID tokens from a local OpenID issuer (shaped like GitHub Actions' and Kubernetes') exchanged at
 * POST /api/v1/tokens/exchange for repository tokens, under the tenants' trust policies.
 */
describe('token exchange under trust policies', () => {
  let h: Harness;
  let issuer: LocalIssuer;
  let rotating: LocalIssuer;
  let installationId: number;
  let tisketAudience: string;
  let acmeAudience: string;
  // The service's clock, moved ahead by the rotation test (the issuer keys' refetch cooldown runs on it).
  let offsetMs = 0;
  const clock = { now: () => Date.now() + offsetMs };

  beforeAll(async () => {
    issuer = await LocalIssuer.start();
    rotating = await LocalIssuer.start();
    h = await startHarness({ clock, env: { HUBGATE_ALLOWED_PRIVATE_HOSTS: `${issuer.host},${rotating.host}` } });
    installationId = await connected(h, await h.signIn('user_ada'), 'ada', 'tisket-com');
    tisketAudience = `${h.hub.url}/tenants/${tisket}`;
    acmeAudience = `${h.hub.url}/tenants/${acme}`;
  });
  afterAll(async () => {
    await h.close();
    await issuer.close();
    await rotating.close();
  });

  const sim = () => h.hub.sandbox!.sim;
  const newPolicy = async (body: Record<string, unknown>, who: 'user_ada' | 'user_cyd' = 'user_ada') =>
    h.api(await h.signIn(who), 'POST', '/api/trust-policies', { name: unique('policy'), issuer: issuer.url, ...body });
  const exchange = async (subjectToken: string, repository: string, extra: Record<string, string> = {}, as: 'form' | 'json' = 'form') => {
    const fields = {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      subject_token: subjectToken,
      ...(repository ? { resource: repository } : {}),
      ...extra,
    };
    const response = await fetch(`${h.hub.url}/api/v1/tokens/exchange`, {
      method: 'POST',
      headers: { 'content-type': as === 'form' ? 'application/x-www-form-urlencoded' : 'application/json' },
      body: as === 'form' ? new URLSearchParams(fields).toString() : JSON.stringify(fields),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  it('exchanges a GitHub Actions ID token for a token to one project, within the policy grant, and audits it without the ID token', async () => {
    const name = unique('ci-target');
    const { repo } = await createProject(h, tisket, 'tisket-com', name, { installationId });
    const policy = await newPolicy({
      subject: 'repo:tisket-com/app:ref:refs/heads/*',
      claims: { job_workflow_ref: 'tisket-com/app/.github/workflows/*@refs/heads/main', repository_owner: 'tisket-com' },
      grant: { permissions: { contents: 'read' }, maxTokenLifetimeSeconds: 600 },
    });
    expect(policy.status).toBe(201);
    expect(policy.body.audience).toBe(tisketAudience);
    const idToken = await issuer.idToken(LocalIssuer.githubActionsClaims('tisket-com', 'app', tisketAudience));
    const answer = await exchange(idToken, `tisket-com/${name}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      repository: { id: repo.id, fullName: `tisket-com/${name}` },
      permissions: { contents: 'read', metadata: 'read' },
      policy: { id: policy.body.id },
    });
    expect(answer.body.access_token).toMatch(/^ghs_/);
    expect(answer.body.expires_in).toBeGreaterThan(500);
    expect(answer.body.expires_in).toBeLessThanOrEqual(600);
    const reached = await fetch(`${sim().apiUrl}/repos/tisket-com/${name}`, { headers: { authorization: `token ${answer.body.access_token}` } });
    expect(reached.status).toBe(200);

    const [audit] = await h.hub.db.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.organizationId, tisket), eq(auditEvents.target, `repo:${repo.id}`)));
    expect(audit!.detail).toMatchObject({ exchange: { policyId: policy.body.id, issuer: issuer.url, subject: 'repo:tisket-com/app:ref:refs/heads/main' } });
    expect(JSON.stringify(audit!.detail)).not.toContain(idToken.split('.')[2]!);
    expect((audit!.detail as any).tokenHash).toBe(createHash('sha256').update(answer.body.access_token).digest('base64url'));
  });

  it('answers the same ID token exchanged again with the same lease and mints nothing', async () => {
    const name = unique('again');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    await newPolicy({ subject: 'repo:tisket-com/again:*' });
    const idToken = await issuer.idToken(LocalIssuer.githubActionsClaims('tisket-com', 'again', tisketAudience));
    const first = await exchange(idToken, `tisket-com/${name}`);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const mints = sim().mintCount();
    const second = await exchange(idToken, `tisket-com/${name}`, {}, 'json');
    expect(second.status).toBe(200);
    expect(second.body.lease.id).toBe(first.body.lease.id);
    expect(second.body.access_token).toBe(first.body.access_token);
    expect(sim().mintCount()).toBe(mints);
    // A new ID token of the same job is a new lease (on the policy's cached token).
    const fresh = await exchange(await issuer.idToken({ ...LocalIssuer.githubActionsClaims('tisket-com', 'again', tisketAudience), jti: 'other' }), `tisket-com/${name}`);
    expect(fresh.body.lease.id).not.toBe(first.body.lease.id);
  });

  it('matches a claim without * exactly: environment production, not production-eu nor a missing one', async () => {
    const name = unique('deploy');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    await newPolicy({ subject: 'repo:tisket-com/deploy:environment:*', claims: { environment: 'production' } });
    const token = (environment?: string) => issuer.idToken(LocalIssuer.githubActionsClaims('tisket-com', 'deploy', tisketAudience, 'refs/heads/main', environment));
    expect((await exchange(await token('production'), `tisket-com/${name}`)).status).toBe(200);
    for (const environment of ['production-eu', 'Production']) {
      const refused = await exchange(await token(environment), `tisket-com/${name}`);
      expect(refused.status, environment).toBe(401);
      expect(refused.body.error.message).toBe('No trust policy of this organization matches this ID token (its subject and claims).');
    }
    const missing = await exchange(await issuer.idToken({ ...LocalIssuer.githubActionsClaims('tisket-com', 'deploy', tisketAudience), sub: 'repo:tisket-com/deploy:environment:production' }), `tisket-com/${name}`);
    expect(missing.status).toBe(401);
  });

  it('exchanges a Kubernetes service-account token matched by its subject', async () => {
    const name = unique('k8s');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    await newPolicy({ subject: 'system:serviceaccount:agents:*' });
    const allowed = await exchange(await issuer.idToken(LocalIssuer.kubernetesClaims('agents', 'reviewer', tisketAudience)), `tisket-com/${name}`);
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(200);
    const otherNamespace = await exchange(await issuer.idToken(LocalIssuer.kubernetesClaims('default', 'reviewer', tisketAudience)), `tisket-com/${name}`);
    expect(otherNamespace.status).toBe(401);
    expect(otherNamespace.body.error.message).toBe('No trust policy of this organization matches this ID token (its subject and claims).');
  });

  it('refuses an ID token minted for another tenant: its audience names that tenant, whose policies are the only ones read', async () => {
    const name = unique('replay');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    // Acme trusts the issuer for every service account; Tisket trusts nothing of it for this subject.
    expect((await newPolicy({ subject: 'system:serviceaccount:acme:*' }, 'user_cyd')).status).toBe(201);
    const forAcme = await issuer.idToken(LocalIssuer.kubernetesClaims('acme', 'bot', acmeAudience));
    const atTisket = await exchange(forAcme, `tisket-com/${name}`);
    expect(atTisket.status).toBe(404);
    expect(atTisket.body.error.message).toMatch(/not one of your organization’s projects/);
    const noTenant = await exchange(await issuer.idToken(LocalIssuer.kubernetesClaims('acme', 'bot', 'https://somewhere.example')), `tisket-com/${name}`);
    expect(noTenant.status).toBe(401);
    expect(noTenant.body.error.message).toBe(
      `The ID token's audience must be ${h.hub.url}/tenants/<your organization id> (one tenant, exactly); ask your CI for an ID token with that audience.`,
    );
    const twoTenants = await exchange(await issuer.idToken({ ...LocalIssuer.kubernetesClaims('acme', 'bot', acmeAudience), aud: [acmeAudience, tisketAudience] }), `tisket-com/${name}`);
    expect(twoTenants.status).toBe(401);
    expect(twoTenants.body.error.message).toMatch(/one tenant, exactly/);
  });

  it('refuses each bad ID token with its own reason', async () => {
    const name = unique('refusals');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    await newPolicy({ subject: 'repo:tisket-com/refusals:*' });
    const claims = LocalIssuer.githubActionsClaims('tisket-com', 'refusals', tisketAudience);
    const repository = `tisket-com/${name}`;
    const cases: [string, string, RegExp | string][] = [
      ['unknown issuer', await issuer.idToken({ ...claims, iss: 'https://issuer.unknown.example' }), "The ID token's issuer is not trusted by any policy of this organization."],
      ['bad signature', await issuer.idToken(claims, { unpublishedKey: true }), "The ID token's signature does not verify with its issuer's keys."],
      ['alg none', unsignedToken({ ...claims, iss: issuer.url, exp: Math.floor(Date.now() / 1000) + 300 }), 'The ID token is unsigned (alg: none); refused.'],
      ['HS256 with the public key', await hs256WithPublicKey({ ...claims, iss: issuer.url }, issuer.publicJwk), /signed with HS256; only the issuer's private key is accepted/],
      ['expired', await issuer.idToken(claims, { lifetimeSeconds: -60 }), 'The ID token has expired; ask for a fresh one.'],
      ['not yet valid', await issuer.idToken(claims, { notBefore: Math.floor(Date.now() / 1000) + 600, lifetimeSeconds: 1200 }), 'The ID token is not valid yet (nbf or iat in the future).'],
      ['another ref', await issuer.idToken({ ...claims, sub: 'repo:tisket-com/other:ref:refs/heads/main' }), 'No trust policy of this organization matches this ID token (its subject and claims).'],
      ['not a JWT', 'not-a-jwt', 'subject_token: not a JWT (an OpenID ID token is three base64url parts).'],
    ];
    const mints = sim().mintCount();
    for (const [what, token, message] of cases) {
      const answer = await exchange(token, repository);
      expect(answer.status, what).toBeGreaterThanOrEqual(400);
      if (typeof message === 'string') expect(answer.body.error.message, what).toBe(message);
      else expect(answer.body.error.message, what).toMatch(message);
    }
    const huge = await exchange(`${'a'.repeat(17 * 1024)}.b.c`, repository);
    expect(huge.status).toBe(413);
    expect(huge.body.error.message).toBe('subject_token: larger than 16 KB; an ID token is a few KB.');
    const wrongGrant = await exchange(await issuer.idToken(claims), repository, { grant_type: 'client_credentials' });
    expect(wrongGrant.status).toBe(400);
    expect(wrongGrant.body.error.message).toBe('grant_type: must be urn:ietf:params:oauth:grant-type:token-exchange');
    expect(sim().mintCount()).toBe(mints);
  });

  it('holds the policy grant: a project outside it is refused, a permission beyond it too', async () => {
    const inside = unique('granted');
    const outside = unique('ungranted');
    const listed = await createProject(h, tisket, 'tisket-com', inside, { installationId });
    await createProject(h, tisket, 'tisket-com', outside, { installationId });
    await newPolicy({ subject: 'system:serviceaccount:granted:*', grant: { projects: { ids: [listed.project.id] }, permissions: { contents: 'read' } } });
    const idToken = await issuer.idToken(LocalIssuer.kubernetesClaims('granted', 'bot', tisketAudience));
    const refused = await exchange(idToken, `tisket-com/${outside}`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe(`The project tisket-com/${outside} is outside this agent key's grant.`);
    const write = await exchange(idToken, `tisket-com/${inside}`, { scope: 'contents:write' });
    expect(write.status).toBe(403);
    expect(write.body.error.message).toMatch(/contents: write \(the key's grant allows read\)/);
    expect((await exchange(idToken, '', { scope: `repo:tisket-com/${inside} contents:read` })).status).toBe(200);
  });

  it('fetches an issuer only through the outbound guard: a policy naming an inside address gets nothing from it', async () => {
    const name = unique('inside');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const inside = 'https://169.254.169.254';
    expect((await newPolicy({ issuer: inside, subject: 'system:serviceaccount:meta:*' })).status).toBe(201);
    const answer = await exchange(await issuer.idToken({ ...LocalIssuer.kubernetesClaims('meta', 'bot', tisketAudience), iss: inside }), `tisket-com/${name}`);
    expect(answer.status).toBe(401);
    expect(answer.body.error.message).toBe(
      "The ID token's issuer cannot be reached: 169.254.169.254 does not resolve to a public address; the operator must allow it (HUBGATE_ALLOWED_PRIVATE_HOSTS).",
    );
  });

  it('gives git a token through the helper in Kubernetes, from the projected token file, with no key stored anywhere', async () => {
    const name = unique('pod-clone');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    await newPolicy({ subject: 'system:serviceaccount:builds:runner' });
    const work = mkdtempSync(join(tmpdir(), 'hubgate-pod-'));
    onTestFinished(() => rmSync(work, { recursive: true, force: true }));
    const tokenFile = join(work, 'token');
    writeFileSync(tokenFile, await issuer.idToken(LocalIssuer.kubernetesClaims('builds', 'runner', tisketAudience)));
    const env = { PATH: process.env.PATH, HOME: work, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', HUBGATE_URL: h.hub.url, HUBGATE_ID_TOKEN_FILE: tokenFile, HUBGATE_ALLOW_HTTP_REMOTES: '1', HUBGATE_GIT_MIN_VALIDITY_SECONDS: '60' };
    const cloned = await run(
      'git',
      ['-c', `credential.helper=!node ${helperBin}`, '-c', 'credential.useHttpPath=true', 'clone', '-q', `${sim().webUrl}/tisket-com/${name}.git`, join(work, 'clone')],
      { env },
    ).catch((error: { stderr: string }) => error);
    expect((cloned as { stderr: string }).stderr ?? '').not.toMatch(/fatal/);
    expect(existsSync(join(work, 'clone', '.git'))).toBe(true);
    // A token for another pod's service account gets nothing.
    writeFileSync(tokenFile, await issuer.idToken(LocalIssuer.kubernetesClaims('builds', 'intruder', tisketAudience)));
    const refused = await runGitCredential('get', { stdin: `protocol=http\nhost=${new URL(sim().webUrl).host}\npath=tisket-com/${name}.git\n\n`, env: { ...env, HUBGATE_CACHE_DIR: join(work, 'fresh-cache') } });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain("hubgate refused the workload's ID token (HTTP 401: No trust policy of this organization matches this ID token (its subject and claims).)");
  });

  it('gives the helper a token in GitHub Actions, asking the runner for an ID token with the tenant audience', async () => {
    const name = unique('actions');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    await newPolicy({ subject: 'repo:tisket-com/actions-app:ref:refs/heads/main', claims: { repository_owner: 'tisket-com' } });
    issuer.actionsJob = LocalIssuer.githubActionsClaims('tisket-com', 'actions-app', 'set-by-the-endpoint');
    const work = mkdtempSync(join(tmpdir(), 'hubgate-actions-'));
    onTestFinished(() => rmSync(work, { recursive: true, force: true }));
    const env = {
      HOME: work,
      HUBGATE_URL: h.hub.url,
      HUBGATE_TENANT: tisket,
      ACTIONS_ID_TOKEN_REQUEST_URL: issuer.actionsRequestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: issuer.actionsRequestToken,
      HUBGATE_ALLOW_HTTP_REMOTES: '1',
      HUBGATE_GIT_MIN_VALIDITY_SECONDS: '60',
      HUBGATE_CACHE_DIR: join(work, 'cache'),
    };
    const stdin = `protocol=http\nhost=${new URL(sim().webUrl).host}\npath=tisket-com/${name}.git\n\n`;
    const answer = await runGitCredential('get', { stdin, env });
    expect(answer.stderr).toBe('');
    expect(answer.stdout).toMatch(/^username=x-access-token\npassword=ghs_/);
    const withoutTenant = await runGitCredential('get', { stdin, env: { ...env, HUBGATE_TENANT: '', HUBGATE_CACHE_DIR: join(work, 'other-cache') } });
    expect(withoutTenant.stderr).toContain('in GitHub Actions, set HUBGATE_TENANT (your organization id in hubgate) or HUBGATE_AUDIENCE');
  });

  it("works end to end in the sandbox with its demo issuer: the helper asks /sandbox/workload/token as a runner asks GitHub", async () => {
    const name = unique('sandbox-demo');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const created = await newPolicy({ issuer: `${h.hub.url}/sandbox/workload`, subject: 'repo:tisket-com/app:ref:refs/heads/*', claims: { repository_owner: 'tisket-com' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const work = mkdtempSync(join(tmpdir(), 'hubgate-sandbox-wi-'));
    onTestFinished(() => rmSync(work, { recursive: true, force: true }));
    const answer = await runGitCredential('get', {
      stdin: `protocol=http\nhost=${new URL(sim().webUrl).host}\npath=tisket-com/${name}.git\n\n`,
      env: {
        HOME: work,
        HUBGATE_CACHE_DIR: join(work, 'cache'),
        HUBGATE_URL: h.hub.url,
        HUBGATE_TENANT: tisket,
        ACTIONS_ID_TOKEN_REQUEST_URL: `${h.hub.url}/sandbox/workload/token?subject=${encodeURIComponent('repo:tisket-com/app:ref:refs/heads/main')}`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'sandbox-workload',
        HUBGATE_ALLOW_HTTP_REMOTES: '1',
        HUBGATE_GIT_MIN_VALIDITY_SECONDS: '60',
      },
    });
    expect(answer.stderr).toBe('');
    expect(answer.stdout).toMatch(/password=ghs_/);
    const noRequestToken = await fetch(`${h.hub.url}/sandbox/workload/token?subject=x&audience=y`);
    expect(noRequestToken.status).toBe(401);
  });

  it('never lets a policy name another tenant\'s projects', async () => {
    const name = unique('theirs');
    const theirs = await createProject(h, acme, 'acme-corp', name);
    const created = await newPolicy({ subject: 'system:serviceaccount:x:*', grant: { projects: { ids: [theirs.project.id] } } });
    expect(created.status).toBe(400);
    expect(created.body.error.message).toBe(`grant.projects.ids: ${theirs.project.id} is not a project here`);
  });

  it('refuses a policy that would trust every GitHub repository in the world, or any subject', async () => {
    const wide = await newPolicy({ issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:*' });
    expect(wide.status).toBe(400);
    expect(wide.body.error.message).toMatch(/^subject: a GitHub Actions policy must name the repository owner exactly/);
    const pinned = await newPolicy({ issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:*', claims: { repository_owner: 'tisket-com' } });
    expect(pinned.status).toBe(201);
    const anything = await newPolicy({ subject: '*' });
    expect(anything.status).toBe(400);
    expect(anything.body.error.message).toBe('subject: must not start with *: name what the subject begins with');
    const plainHttp = await newPolicy({ issuer: 'http://issuer.example', subject: 'x' });
    expect(plainHttp.status).toBe(400);
    expect(plainHttp.body.error.message).toBe('issuer: must be an https URL');
  });

  it('lets members see the policies but not change them; deleting one revokes its tokens and ends its exchanges', async () => {
    const name = unique('deleted');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const policy = await newPolicy({ subject: 'system:serviceaccount:doomed:*' });
    const bob = await h.signIn('user_bob');
    const listed = await h.api(bob, 'GET', '/api/trust-policies');
    expect(listed.status).toBe(200);
    expect(listed.body.audience).toBe(tisketAudience);
    expect(listed.body.policies.map((p: any) => p.id)).toContain(policy.body.id);
    expect((await h.api(bob, 'POST', '/api/trust-policies', { name: 'mine', issuer: issuer.url, subject: 'x' })).status).toBe(403);
    expect((await h.api(bob, 'DELETE', `/api/trust-policies/${policy.body.id}`)).status).toBe(403);
    // Cyd (another tenant) cannot delete it either, nor see it.
    const cyd = await h.signIn('user_cyd');
    expect((await h.api(cyd, 'DELETE', `/api/trust-policies/${policy.body.id}`)).status).toBe(404);
    expect((await h.api(cyd, 'GET', '/api/trust-policies')).body.policies.map((p: any) => p.id)).not.toContain(policy.body.id);
    // Policies are not agent keys: the keys list does not show them.
    expect((await h.api(bob, 'GET', '/api/agent-keys')).body.keys.map((k: any) => k.name)).not.toContain(`trust policy: ${policy.body.name}`);

    const idToken = await issuer.idToken(LocalIssuer.kubernetesClaims('doomed', 'bot', tisketAudience));
    const issued = await exchange(idToken, `tisket-com/${name}`);
    expect(issued.status).toBe(200);
    const deleted = await h.api(await h.signIn('user_ada'), 'DELETE', `/api/trust-policies/${policy.body.id}`);
    expect(deleted.body).toMatchObject({ deleted: true, tokensRevoked: 1 });
    const dead = await fetch(`${sim().apiUrl}/repos/tisket-com/${name}`, { headers: { authorization: `token ${issued.body.access_token}` } });
    expect(dead.status).toBe(401);
    const after = await exchange(await issuer.idToken({ ...LocalIssuer.kubernetesClaims('doomed', 'bot', tisketAudience), jti: 'later' }), `tisket-com/${name}`);
    expect(after.status).toBe(401);
    // Other tests' policies may trust the same issuer: either way, this subject no longer matches any.
    expect(after.body.error.message).toMatch(/^(The ID token's issuer is not trusted by any policy|No trust policy of this organization matches)/);
  });

  it('refuses at once a policy another replica deleted, though this replica still holds it in its cache', async () => {
    const name = unique('elsewhere');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const policy = await newPolicy({ subject: 'system:serviceaccount:elsewhere:*' });
    const claims = LocalIssuer.kubernetesClaims('elsewhere', 'bot', tisketAudience);
    expect((await exchange(await issuer.idToken(claims), `tisket-com/${name}`)).status).toBe(200);
    // What another replica's delete writes (this process's cache is not told).
    await h.hub.db.db.execute(sql`update trust_policies set deleted_at = now() where id = ${policy.body.id}`);
    await h.hub.db.db.execute(sql`update agent_keys set revoked_at = now() where id = (select key_id from trust_policies where id = ${policy.body.id})`);
    const after = await exchange(await issuer.idToken({ ...claims, jti: 'after-delete' }), `tisket-com/${name}`);
    expect(after.status).toBe(401);
    expect(after.body.error.message).toBe('The trust policy that matched this ID token was deleted.');
  });

  it('follows a key rotation, and refetches the issuer keys for an unknown kid at most once a minute', async () => {
    const name = unique('rotation');
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    await newPolicy({ issuer: rotating.url, subject: 'system:serviceaccount:rot:*' });
    const claims = LocalIssuer.kubernetesClaims('rot', 'bot', tisketAudience);
    expect((await exchange(await rotating.idToken(claims), `tisket-com/${name}`)).status).toBe(200);
    expect(rotating.jwksFetches).toBe(1);
    await rotating.rotate();
    // Within the minute after a fetch, a new kid is not fetched for (at most one fetch a minute).
    const tooSoon = await exchange(await rotating.idToken({ ...claims, jti: 'r0' }), `tisket-com/${name}`);
    expect(tooSoon.body.error?.message).toBe('The ID token is signed with a key its issuer does not publish.');
    expect(rotating.jwksFetches).toBe(1);
    offsetMs += 61_000;
    const rotated = await exchange(await rotating.idToken({ ...claims, jti: 'r1' }), `tisket-com/${name}`);
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    expect(rotating.jwksFetches).toBe(2);
    // Tokens naming kids the issuer never published: refused, and the JWKS is not fetched again within the minute.
    for (let i = 0; i < 3; i++) {
      const unknown = await exchange(await rotating.idToken({ ...claims, jti: `u${i}` }, { kid: `nobody-${i}` }), `tisket-com/${name}`);
      expect(unknown.status).toBe(401);
      expect(unknown.body.error.message).toBe('The ID token is signed with a key its issuer does not publish.');
    }
    expect(rotating.jwksFetches).toBe(2);
  });
});
