import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GitHubSim } from '@hubgate/github-sim';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubApps, githubInstallations, webhookDeliveries } from '../src/db/schema/index.js';
import { savedTenantAppSchema } from '@hubgate/contract';
import { askToken, createAgentKey } from './broker-fixtures.js';
import { cloneWith } from './git-clone.js';
import { type Harness, startHarness } from './service-harness.js';

const needed = { administration: 'write', contents: 'write', metadata: 'read', members: 'read' } as const;

/**
 * A tenant brings its own GitHub App on its own GitHub Enterprise Server: a second simulator stands in for that host
 * (GHES URL shapes, and the app-id-only JWT issuer of GHES 3.12/3.13). The operator allows that private host.
 */
describe('tenant-provided GitHub Apps on a GHES host', () => {
  let ghes: GitHubSim;
  let h: Harness;
  let app: ReturnType<GitHubSim['addApp']>;
  // An allowed private host that sends every request on to an address the operator did not allow.
  let redirector: Server;
  const webhookSecret = randomBytes(20).toString('hex');

  beforeAll(async () => {
    ghes = await GitHubSim.start({ behaviour: { appIdOnlyIssuer: true } });
    ghes.addUser('ada');
    ghes.addUser('cyd');
    ghes.addOrg('ghe-tisket', { ada: 'admin' });
    ghes.addOrg('ghe-acme', { cyd: 'admin' });
    redirector = createServer((req, res) => res.writeHead(307, { location: `https://127.0.0.2:9${req.url}` }).end());
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    const redirectorHost = `127.0.0.1:${(redirector.address() as AddressInfo).port}`;
    h = await startHarness({ env: { HUBGATE_ALLOWED_PRIVATE_HOSTS: `${new URL(ghes.apiUrl).host},${redirectorHost}` } });
    app = ghes.addApp({
      slug: 'tisket-ghes',
      ownerLogin: 'ghe-tisket',
      permissions: { ...needed },
      setupUrl: `${h.hub.url}/github/setup`,
      callbackUrls: [`${h.hub.url}/github/callback`],
      webhookSecret,
    });
  });
  afterAll(async () => {
    await h.close();
    await ghes.close();
    redirector.close();
  });

  const body = (over: Record<string, unknown> = {}) => ({
    appId: app.app.id,
    issuerIsAppId: true,
    clientId: app.app.clientId,
    clientSecret: app.app.clientSecret,
    slug: 'tisket-ghes',
    privateKey: app.privateKey,
    apiUrl: ghes.apiUrl,
    webUrl: ghes.webUrl,
    webhookSecret,
    ...over,
  });

  it('refuses a key of another app, a wrong app id, a missing permission and the client id as issuer, storing nothing', async () => {
    const ada = await h.signIn('user_ada');
    const stored = await h.hub.db.db.select().from(githubApps);
    const other = ghes.addApp({ slug: 'someone-else', ownerLogin: 'ghe-tisket', permissions: { ...needed } });
    const weak = ghes.addApp({ slug: 'weak', ownerLogin: 'ghe-tisket', permissions: { contents: 'write', metadata: 'read' } });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ privateKey: other.privateKey }, /key belongs to another app/],
      [{ appId: other.app.id }, /another app/],
      [{ appId: weak.app.id, clientId: weak.app.clientId, privateKey: weak.privateKey }, /no administration: write/],
      [{ issuerIsAppId: false }, /GHES 3\.12 and 3\.13 want the app id as issuer/],
      [{ privateKey: '-----BEGIN RSA PRIVATE KEY-----' }, /privateKey/],
    ];
    for (const [over, message] of cases) {
      const answer = await h.api(ada, 'PUT', '/api/github/app', body(over));
      expect(answer.status, JSON.stringify(over)).toBeGreaterThanOrEqual(400);
      expect(answer.body.error.message).toMatch(message);
    }
    expect(await h.hub.db.db.select().from(githubApps)).toEqual(stored);
  });

  it('refuses a host on a private or loopback address unless the operator allows it, plain http, and a redirect of an allowed host to one not allowed', async () => {
    const ada = await h.signIn('user_ada');
    const stored = await h.hub.db.db.select().from(githubApps);
    const loopback = await h.api(ada, 'PUT', '/api/github/app', body({ apiUrl: 'https://127.0.0.2:9/api/v3' }));
    expect(loopback.status).toBe(422);
    expect(loopback.body.error.message).toBe('127.0.0.2 does not resolve to a public address; the operator must allow it (HUBGATE_ALLOWED_PRIVATE_HOSTS).');
    const http = await h.api(ada, 'PUT', '/api/github/app', body({ apiUrl: 'http://ghes.example.com/api/v3' }));
    expect(http.status).toBe(422);
    expect(http.body.error.message).toMatch(/not https/);
    const cloud = await h.api(ada, 'PUT', '/api/github/app', body({ apiUrl: 'https://169.254.169.254/api/v3' }));
    expect(cloud.status).toBe(422);
    expect(cloud.body.error.message).toBe('169.254.169.254 does not resolve to a public address; the operator must allow it (HUBGATE_ALLOWED_PRIVATE_HOSTS).');
    const mapped = await h.api(ada, 'PUT', '/api/github/app', body({ apiUrl: 'https://[::ffff:127.0.0.1]/api/v3' }));
    expect(mapped.body.error.message).toMatch(/does not resolve to a public address/);
    // An allowed host's redirect is checked again: it may not lead to an address the operator did not allow.
    const allowedHost = `http://${(redirector.address() as AddressInfo).address}:${(redirector.address() as AddressInfo).port}`;
    const redirected = await h.api(ada, 'PUT', '/api/github/app', body({ apiUrl: `${allowedHost}/api/v3`, webUrl: allowedHost }));
    expect(redirected.status).toBe(422);
    expect(redirected.body.error.message).toBe('127.0.0.2 does not resolve to a public address; the operator must allow it (HUBGATE_ALLOWED_PRIVATE_HOSTS).');
    expect(await h.hub.db.db.select().from(githubApps)).toEqual(stored);
  });

  it('is saved by an admin only, shown by fingerprints, and connects, receives webhooks at its own URL, creates a project on its host and hands out tokens for it', async () => {
    const bob = await h.signIn('user_bob');
    expect((await h.api(bob, 'PUT', '/api/github/app', body())).status).toBe(403);
    const ada = await h.signIn('user_ada');
    const saved = await h.api(ada, 'PUT', '/api/github/app', body());
    expect(saved.status).toBe(200);
    const view = savedTenantAppSchema.parse(saved.body).app;
    expect(view).toMatchObject({ appId: app.app.id, apiUrl: ghes.apiUrl, issuerIsAppId: true, problems: [] });
    expect(view.keyFingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    expect(view.webhookUrl).toBe(`${h.hub.url}/webhooks/github/${view.key}`);
    const shown = JSON.stringify((await h.api(bob, 'GET', '/api/github/app')).body);
    expect(shown).toContain(view.keyFingerprint);
    for (const secret of [app.privateKey!, webhookSecret, app.app.clientSecret]) expect(shown).not.toContain(secret.slice(0, 40));
    // The admin puts the webhook URL in the app's settings on the GHES host.
    app.app.webhookUrl = view.webhookUrl;

    // Connect on the GHES host: its install page (/github-apps/<slug>), then its OAuth, then our callback.
    const { body: start } = await h.api(ada, 'POST', '/api/github/connect', {});
    expect(start.installUrl).toMatch(new RegExp(`^${ghes.webUrl}/github-apps/tisket-ghes/installations/new\\?state=`));
    await ada.post(`${ghes.webUrl}/session`, { form: { login: 'ada', return_to: '/' }, follow: false });
    const state = new URL(start.installUrl).searchParams.get('state')!;
    const done = await ada.post(`${ghes.webUrl}/github-apps/tisket-ghes/installations`, {
      form: { account_id: String(ghes.store.requireAccount('ghe-tisket').id), repository_selection: 'selected', state },
    });
    expect(done.finalUrl).toMatch(/connected=1/);
    const connection = (await h.api(ada, 'GET', '/api/github/connection')).body;
    expect(connection).toMatchObject({ connected: true, account: { login: 'ghe-tisket' } });
    expect(connection.manageUrl.startsWith(ghes.webUrl)).toBe(true);
    const [binding] = await h.hub.db.db.select().from(githubInstallations).where(eq(githubInstallations.organizationId, 'org_01TISKET'));
    expect(binding!.appKey).toBe(view.key);

    await ghes.webhooks.settle();
    await h.hub.receiver.settle();
    const deliveries = await h.hub.db.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.appKey, view.key));
    expect(deliveries.map((d) => `${d.event}.${d.action}:${d.status}`)).toContain('installation.created:applied');
    // The system app's secret does not open the tenant app's webhook URL, nor the other way round.
    const probe = JSON.stringify({ zen: 'x' });
    const { sign } = await import('@octokit/webhooks-methods');
    const wrong = await fetch(view.webhookUrl, {
      method: 'POST',
      body: probe,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'ping',
        'x-github-delivery': crypto.randomUUID(),
        'x-hub-signature-256': await sign(h.hub.github.webhookSecrets[0]!, probe),
      },
    });
    expect(wrong.status).toBe(401);

    const tenantApp = await h.hub.apps.byKey(view.key);
    const token = await tenantApp.tokens.getToken({ installationId: binding!.installationId });
    expect(token.token).toMatch(/^ghs_/);
    expect(ghes.mintCount(binding!.installationId)).toBeGreaterThanOrEqual(1);

    // A project: its repository is created on the GHES host, by the tenant app's installation; none on the sandbox's GitHub.
    const sandboxCreates = h.hub.sandbox!.sim.requestCount('POST /orgs/{org}/repos');
    const created = await h.api(ada, 'POST', '/api/projects', { name: 'Engineering' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const repo = ghes.store.findRepo('ghe-tisket', 'engineering.tickets')!;
    expect(repo.private).toBe(true);
    expect(created.body.repository).toMatchObject({ id: repo.id, fullName: 'ghe-tisket/engineering.tickets', htmlUrl: `${ghes.webUrl}/ghe-tisket/engineering.tickets`, access: 'reachable' });
    expect(h.hub.sandbox!.sim.requestCount('POST /orgs/{org}/repos')).toBe(sandboxCreates);
    const projectToken = await h.hub.projects.tokenFor('org_01TISKET', created.body.id, { contents: 'read' });
    expect(projectToken.remoteUrl.startsWith(ghes.webUrl)).toBe(true);
    const cloned = await cloneWith(projectToken.remoteUrl, projectToken.token);
    expect(cloned.ok && cloned.files).toEqual(['README.md', 'tickets/.gitkeep']);

    // An agent of the tenant asks the broker for a token for that project: minted by the tenant app on its host, scoped to the one repository.
    const key = await createAgentKey(h, ada);
    const mintsBefore = ghes.mintCount(binding!.installationId);
    const answer = await askToken(h.hub.url, key.key, { repository: 'ghe-tisket/engineering.tickets' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.repository).toEqual({ id: repo.id, fullName: 'ghe-tisket/engineering.tickets', url: `${ghes.webUrl}/ghe-tisket/engineering.tickets.git` });
    expect(ghes.mintCount(binding!.installationId)).toBe(mintsBefore + 1);
    const listed = await fetch(`${ghes.apiUrl}/installation/repositories`, { headers: { authorization: `token ${answer.body.token}` } });
    expect(((await listed.json()) as { repositories: { id: number }[] }).repositories.map((r) => r.id)).toEqual([repo.id]);
    await h.api(ada, 'POST', '/api/github/disconnect', {});
  });

  it('registers a tenant app on its GHES host in one click with the manifest flow', async () => {
    const cyd = await h.signIn('user_cyd');
    const start = await h.api(cyd, 'POST', '/api/github/app/manifest', { webUrl: ghes.webUrl, apiUrl: ghes.apiUrl, organization: 'ghe-acme' });
    expect(start.status).toBe(200);
    expect(start.body.postUrl).toBe(`${ghes.webUrl}/organizations/ghe-acme/settings/apps/new`);
    expect(start.body.manifest.hook_attributes.url).toMatch(new RegExp(`^${h.hub.url}/webhooks/github/t[0-9a-f]{16}$`));
    await cyd.post(`${ghes.webUrl}/session`, { form: { login: 'cyd', return_to: '/' }, follow: false });
    const confirm = await cyd.post(start.body.postUrl, { form: { manifest: JSON.stringify(start.body.manifest), state: start.body.state } });
    const back = await cyd.post(confirm.finalUrl, { form: { name: 'Acme hubgate' } });
    expect(back.finalUrl, await back.clone().text()).toContain('app=registered');
    const { app: registered } = (await h.api(cyd, 'GET', '/api/github/app')).body;
    expect(registered).toMatchObject({ apiUrl: ghes.apiUrl, slug: 'acme-hubgate', problems: [] });
    expect(start.body.manifest.hook_attributes.url).toBe(registered.webhookUrl);
    // The state was spent: the same return cannot register again.
    const again = await cyd.get(`${h.hub.url}/github/app-manifest?code=abc&state=${start.body.state}`, { follow: false });
    expect(again.status).toBe(400);
  });
});
