import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/core';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubSim, type SimApp } from '../src/index.js';
import { routeTemplates } from '../src/define-route.js';
import { problemsWith, spec } from './openapi-schemas.js';

const violations: string[] = [];
const validated = new Set<string>();
const headerViolations: string[] = [];
/** the routes that answered a 2xx somewhere in this file (every route the simulator has must) */
const answered = new Set<string>();

/** GitHub's headers on every REST answer (checked on each response the clients see). */
function checkHeaders(route: string, status: number, headers: Record<string, unknown>) {
  if (status === 204 || status === 304) return;
  if (headers['content-type'] !== 'application/json; charset=utf-8')
    headerViolations.push(`${route} ${status}: content-type ${String(headers['content-type'])}`);
  if (!/^[0-9A-F:]+$/.test(String(headers['x-github-request-id'])))
    headerViolations.push(`${route} ${status}: no x-github-request-id`);
  if (!String(headers['x-github-media-type']).startsWith('github.v3;'))
    headerViolations.push(`${route} ${status}: no x-github-media-type`);
}

/** Checks a response body against the schema GitHub publishes for that route and status. */
function check(route: string, status: number, data: unknown) {
  const [method, path] = route.split(' ') as [string, string];
  const operation = spec.paths[path]?.[method.toLowerCase()];
  if (!operation) throw new Error(`no such route in GitHub's description: ${route}`);
  const response = operation.responses[String(status)];
  if (!response) {
    violations.push(`${route}: status ${status} is not in GitHub's description`);
    return;
  }
  const schema = response.content?.['application/json']?.schema;
  validated.add(route);
  if (!schema) return;
  const problems = problemsWith(schema, data);
  if (problems) violations.push(`${route} ${status}: ${problems}`);
}

describe("the simulator under the real Octokit client, against GitHub's OpenAPI description", () => {
  let sim: GitHubSim;
  let appOctokit: Octokit;
  let installationOctokit: Octokit;
  let userOctokit: Octokit;
  let plainOctokit: Octokit;
  let installationId: number;
  let app: SimApp;

  // A fresh simulator per test: tests revoke the user's token, rename and delete repositories.
  beforeEach(async () => {
    sim = await GitHubSim.start({ record: true });
    sim.addUser('octo-admin');
    sim.addOrg('octo-org', { 'octo-admin': 'admin' });
    const seeded = sim.addApp({
      slug: 'openapi-app',
      ownerLogin: 'octo-org',
      webhookUrl: 'http://127.0.0.1:9/unreachable',
      permissions: { contents: 'write', metadata: 'read', administration: 'write', pull_requests: 'write' },
    });
    app = seeded.app;
    const privateKey = seeded.privateKey;
    await sim.createRepository('octo-org', 'seeded');
    installationId = sim.install(app, 'octo-org', { selection: 'selected', repositories: ['seeded'] }).id;
    sim.install(app, 'octo-admin', { selection: 'selected' });
    appOctokit = new Octokit({
      baseUrl: sim.apiUrl,
      authStrategy: createAppAuth,
      auth: { appId: app.id, privateKey: privateKey! },
    });
    installationOctokit = new Octokit({
      baseUrl: sim.apiUrl,
      authStrategy: createAppAuth,
      auth: { appId: app.id, privateKey: privateKey!, installationId },
    });
    userOctokit = new Octokit({
      baseUrl: sim.apiUrl,
      auth: sim.world.issueUserTokens(app, sim.store.requireUser('octo-admin')).access.value,
    });
    plainOctokit = new Octokit({ baseUrl: sim.apiUrl });
    for (const client of [appOctokit, installationOctokit, userOctokit, plainOctokit]) {
      client.hook.after('request', (response, options) => {
        check(`${options.method} ${options.url}`, response.status, response.data);
        checkHeaders(`${options.method} ${options.url}`, response.status, response.headers);
      });
      client.hook.error('request', (error: any, options) => {
        if (error.status) {
          check(`${options.method} ${options.url}`, error.status, error.response?.data);
          checkHeaders(`${options.method} ${options.url}`, error.status, error.response?.headers ?? {});
        }
        throw error;
      });
    }
  });
  // Each test is checked on its own (any order): the routes it called answered in GitHub's shapes and headers.
  let testsRun = 0;
  afterEach(async () => {
    await sim.close();
    testsRun++;
    // The simulator's own record of every exchange (Octokit's and plain fetches alike), checked the same way.
    for (const exchange of sim.exchanges) {
      check(exchange.route, exchange.status, exchange.body);
      checkHeaders(exchange.route, exchange.status, exchange.headers);
      if (exchange.status >= 200 && exchange.status < 300) answered.add(exchange.route);
    }
    expect(violations.splice(0)).toEqual([]);
    expect(headerViolations.splice(0)).toEqual([]);
  });
  // Once every test above has run (not under a -t filter), the routes they validated cover the ones the product uses.
  afterAll(() => {
    if (testsRun < 4) return;
    expect(routeTemplates().filter((route) => !answered.has(route))).toEqual([]);
    expect(validated.size).toBeGreaterThanOrEqual(27);
    for (const route of [
      'GET /user/memberships/orgs/{org}',
      'GET /rate_limit',
      'DELETE /applications/{client_id}/token',
      'DELETE /applications/{client_id}/grant',
      'POST /app-manifests/{code}/conversions',
      'GET /repos/{owner}/{repo}/git/ref/{ref}',
      'POST /repos/{owner}/{repo}/git/refs',
      'POST /repos/{owner}/{repo}/pulls',
      'GET /repos/{owner}/{repo}/branches',
      'GET /repos/{owner}/{repo}/commits',
      'GET /repos/{owner}/{repo}/git/matching-refs/{ref}',
      'GET /repos/{owner}/{repo}/pulls',
      'GET /repos/{owner}/{repo}/pulls/{pull_number}',
      'PATCH /repos/{owner}/{repo}/pulls/{pull_number}',
      'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
      'DELETE /repos/{owner}/{repo}/contents/{path}',
    ])
      expect(validated).toContain(route);
  });

  it('walks the app -> installation -> repository path with @octokit/auth-app', async () => {
    const { data: app } = await appOctokit.request('GET /app');
    expect(app?.slug).toBe('openapi-app');
    const { data: installations } = await appOctokit.request('GET /app/installations');
    expect(installations.map((i) => i.id)).toContain(installationId);
    await appOctokit.request('GET /app/installations/{installation_id}', { installation_id: installationId });
    await appOctokit.request('GET /repos/{owner}/{repo}/installation', { owner: 'octo-org', repo: 'seeded' });
    await appOctokit.request('GET /orgs/{org}/installation', { org: 'octo-org' });
    await appOctokit.request('GET /users/{username}/installation', { username: 'octo-admin' });
    const scoped = await appOctokit.request('POST /app/installations/{installation_id}/access_tokens', {
      installation_id: installationId,
      repositories: ['seeded'],
      permissions: { contents: 'read' },
    });
    expect(scoped.data.repositories?.[0]?.name).toBe('seeded');

    const created = await installationOctokit.request('POST /orgs/{org}/repos', {
      org: 'octo-org',
      name: 'engineering.tickets',
      private: true,
      auto_init: true,
    });
    expect(created.status).toBe(201);
    const { data: listed } = await installationOctokit.request('GET /installation/repositories');
    expect(listed.repositories.map((r) => r.name).sort()).toEqual(['engineering.tickets', 'seeded']);
    await installationOctokit.request('GET /repos/{owner}/{repo}', { owner: 'octo-org', repo: 'seeded' });
    await installationOctokit.request('PATCH /repos/{owner}/{repo}', {
      owner: 'octo-org',
      repo: 'seeded',
      description: 'made by hubgate',
    });
    await installationOctokit.request('PUT /repos/{owner}/{repo}/contents/{path}', {
      owner: 'octo-org',
      repo: 'seeded',
      path: 'docs/a.md',
      message: 'add',
      content: Buffer.from('a').toString('base64'),
    });
    await installationOctokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
      owner: 'octo-org',
      repo: 'seeded',
      path: 'docs/a.md',
    });
    await expect(
      installationOctokit.request('GET /repos/{owner}/{repo}', { owner: 'octo-org', repo: 'missing' }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("answers the user routes in GitHub's shapes", async () => {
    await userOctokit.request('GET /user');
    const { data } = await userOctokit.request('GET /user/installations');
    expect(data.total_count).toBe(2);
    await userOctokit.request('GET /user/installations/{installation_id}/repositories', {
      installation_id: installationId,
    });
    await userOctokit.request('POST /user/repos', { name: 'personal' });
  });

  it("answers the webhook delivery routes in GitHub's shapes", async () => {
    await sim.webhooks.settle();
    const { data } = await appOctokit.request('GET /app/hook/deliveries');
    expect(data.length).toBeGreaterThan(0);
    await appOctokit.request('GET /app/hook/deliveries/{delivery_id}', { delivery_id: Number(data[0]!.id) });
    await appOctokit.request('POST /app/hook/deliveries/{delivery_id}/attempts', {
      delivery_id: Number(data[0]!.id),
    });
    await appOctokit.request('PUT /app/installations/{installation_id}/suspended', {
      installation_id: installationId,
    });
    await appOctokit.request('DELETE /app/installations/{installation_id}/suspended', {
      installation_id: installationId,
    });
  });

  it("answers branches, commits, matching refs, file deletion and the pull request life in GitHub's shapes", async () => {
    const repo = { owner: 'octo-org', repo: 'seeded' };
    const main = await installationOctokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { ...repo, ref: 'heads/main' });
    await installationOctokit.request('POST /repos/{owner}/{repo}/git/refs', { ...repo, ref: 'refs/heads/feature', sha: main.data.object.sha });
    const put = await installationOctokit.request('PUT /repos/{owner}/{repo}/contents/{path}', { ...repo, path: 'c.md', message: 'add c', branch: 'feature', content: Buffer.from('c').toString('base64') });

    const branches = await installationOctokit.request('GET /repos/{owner}/{repo}/branches', repo);
    expect(branches.data.map((b) => `${b.name}@${b.commit.sha}`)).toEqual([`feature@${put.data.commit.sha}`, `main@${main.data.object.sha}`]);
    const matching = await installationOctokit.request('GET /repos/{owner}/{repo}/git/matching-refs/{ref}', { ...repo, ref: 'heads/feat' });
    expect(matching.data.map((r) => r.ref)).toEqual(['refs/heads/feature']);
    // unencoded, as curl or fetch send it
    const raw = await fetch(`${sim.apiUrl}/repos/octo-org/seeded/git/ref/heads/feature`, { headers: { authorization: `Bearer ${sim.world.mintInstallationToken(app, sim.store.installations.get(installationId)!).value}` } });
    expect(((await raw.json()) as { ref: string }).ref).toBe('refs/heads/feature');
    const none = await installationOctokit.request('GET /repos/{owner}/{repo}/git/matching-refs/{ref}', { ...repo, ref: 'tags/' });
    expect(none.data).toEqual([]);
    const commits = await installationOctokit.request('GET /repos/{owner}/{repo}/commits', { ...repo, sha: 'feature' });
    expect(commits.data.map((c) => c.commit.message)).toEqual(['add c', expect.any(String)]);
    expect(commits.data[0]!.parents.map((parent) => parent.sha)).toEqual([main.data.object.sha]);
    const onePage = await installationOctokit.request('GET /repos/{owner}/{repo}/commits', { ...repo, sha: 'feature', per_page: 1 });
    expect(onePage.data).toHaveLength(1);
    expect(onePage.headers.link).toContain('rel="next"');
    const unknownRef = await installationOctokit.request('GET /repos/{owner}/{repo}/commits', { ...repo, sha: 'no-such-branch' }).catch((e) => e);
    expect(unknownRef.status).toBe(404);

    const opened = await installationOctokit.request('POST /repos/{owner}/{repo}/pulls', { ...repo, title: 'Add c', head: 'feature', base: 'main' });
    const number = opened.data.number;
    const listed = await installationOctokit.request('GET /repos/{owner}/{repo}/pulls', repo);
    expect(listed.data.map((pull) => pull.number)).toEqual([number]);
    const edited = await installationOctokit.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', { ...repo, pull_number: number, title: 'Add c.md', state: 'closed' });
    expect(edited.data).toMatchObject({ title: 'Add c.md', state: 'closed', merged: false });
    expect((await installationOctokit.request('GET /repos/{owner}/{repo}/pulls', repo)).data).toEqual([]);
    expect((await installationOctokit.request('GET /repos/{owner}/{repo}/pulls', { ...repo, state: 'closed' })).data).toHaveLength(1);
    const closedMerge = await installationOctokit.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge', { ...repo, pull_number: number }).catch((e) => e);
    expect(closedMerge.status).toBe(405);
    await installationOctokit.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', { ...repo, pull_number: number, state: 'open' });
    const stale = await installationOctokit.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge', { ...repo, pull_number: number, sha: main.data.object.sha }).catch((e) => e);
    expect(stale.status).toBe(409);
    const merged = await installationOctokit.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge', { ...repo, pull_number: number, sha: put.data.commit.sha });
    expect(merged.data).toMatchObject({ merged: true, message: 'Pull Request successfully merged' });
    const read = await installationOctokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...repo, pull_number: number });
    expect(read.data).toMatchObject({ state: 'closed', merged: true, merge_commit_sha: merged.data.sha, merged_by: { login: 'openapi-app[bot]' } });
    const onMain = await installationOctokit.request('GET /repos/{owner}/{repo}/commits', repo);
    expect(onMain.data[0]!.sha).toBe(merged.data.sha);
    expect(onMain.data[0]!.parents.map((parent) => parent.sha)).toEqual([main.data.object.sha, put.data.commit.sha]);
    const file = await installationOctokit.request('GET /repos/{owner}/{repo}/contents/{path}', { ...repo, path: 'c.md' });
    const reopen = await installationOctokit.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', { ...repo, pull_number: number, state: 'open' }).catch((e) => e);
    expect(reopen.status).toBe(422);

    const wrongSha = await installationOctokit.request('DELETE /repos/{owner}/{repo}/contents/{path}', { ...repo, path: 'c.md', message: 'rm', sha: main.data.object.sha }).catch((e) => e);
    expect(wrongSha.status).toBe(409);
    const deleted = await installationOctokit.request('DELETE /repos/{owner}/{repo}/contents/{path}', { ...repo, path: 'c.md', message: 'remove c', sha: (file.data as { sha: string }).sha });
    expect(deleted.data.content).toBeNull();
    expect(deleted.data.commit.parents?.map((parent) => parent.sha)).toEqual([merged.data.sha]);
    const gone = await installationOctokit.request('GET /repos/{owner}/{repo}/contents/{path}', { ...repo, path: 'c.md' }).catch((e) => e);
    expect(gone.status).toBe(404);
  });

  it("answers the API root, /meta, the README, transfers, selection by a classic token and the deletions in GitHub's shapes", async () => {
    await plainOctokit.request('GET /');
    await plainOctokit.request('GET /meta');
    const repo = { owner: 'octo-org', repo: 'seeded' };
    const readme = await installationOctokit.request('GET /repos/{owner}/{repo}/readme', repo);
    expect(readme.data.name).toBe('README.md');
    const admin = sim.store.requireUser('octo-admin');
    const pat = new Octokit({ baseUrl: sim.apiUrl, auth: sim.world.addPersonalAccessToken(admin, ['repo', 'delete_repo']) });
    for (const client of [pat]) {
      client.hook.after('request', (response, options) => check(`${options.method} ${options.url}`, response.status, response.data));
    }
    const spare = await sim.createRepository('octo-org', 'spare');
    await pat.request('PUT /user/installations/{installation_id}/repositories/{repository_id}', { installation_id: installationId, repository_id: spare.id });
    await pat.request('DELETE /user/installations/{installation_id}/repositories/{repository_id}', { installation_id: installationId, repository_id: spare.id });
    sim.addOrg('second-org', { 'octo-admin': 'admin' });
    const moved = await pat.request('POST /repos/{owner}/{repo}/transfer', { owner: 'octo-org', repo: 'spare', new_owner: 'second-org' });
    expect(moved.status).toBe(202);
    await pat.request('DELETE /repos/{owner}/{repo}', { owner: 'second-org', repo: 'spare' });
    const revoked = await installationOctokit.request('DELETE /installation/token');
    expect(revoked.status).toBe(204);
    await appOctokit.request('DELETE /app/installations/{installation_id}', { installation_id: installationId });
    expect(sim.store.installations.has(installationId)).toBe(false);
  });

  it("answers the routes added for the next features in GitHub's shapes", async () => {
    sim.world.acceptNewPermissions(
      sim.store.installations.get(installationId)!,
      { ...app.permissions, members: 'read' },
      sim.store.requireUser('octo-admin'),
    );
    const membership = await userOctokit.request('GET /user/memberships/orgs/{org}', { org: 'octo-org' });
    expect(membership.data.role).toBe('admin');
    await installationOctokit.request('GET /rate_limit');
    await installationOctokit.request('PUT /repos/{owner}/{repo}/contents/{path}', {
      owner: 'octo-org',
      repo: 'seeded',
      path: 'dir/b.md',
      message: 'add',
      content: Buffer.from('b').toString('base64'),
    });
    const listing = await installationOctokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
      owner: 'octo-org',
      repo: 'seeded',
      path: 'dir',
    });
    expect(Array.isArray(listing.data)).toBe(true);
    await installationOctokit.request('PATCH /repos/{owner}/{repo}', { owner: 'octo-org', repo: 'seeded', archived: true });
    await installationOctokit.request('PATCH /repos/{owner}/{repo}', {
      owner: 'octo-org',
      repo: 'seeded',
      archived: false,
      name: 'seeded-renamed',
    });
    // The old name redirects (301) and the client lands on the repository.
    const moved = await installationOctokit.request('GET /repos/{owner}/{repo}', { owner: 'octo-org', repo: 'seeded' });
    expect(moved.data.name).toBe('seeded-renamed');
    // A branch and a pull request, as the MCP server's tools make them.
    const repo = { owner: 'octo-org', repo: 'seeded-renamed' };
    const main = await installationOctokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', { ...repo, ref: 'heads/main' });
    await installationOctokit.request('POST /repos/{owner}/{repo}/git/refs', { ...repo, ref: 'refs/heads/feature', sha: main.data.object.sha });
    const existing = await installationOctokit.request('POST /repos/{owner}/{repo}/git/refs', { ...repo, ref: 'refs/heads/feature', sha: main.data.object.sha }).catch((e) => e);
    expect(existing.status).toBe(422);
    expect(existing.response.data.message).toBe('Reference already exists');
    await installationOctokit.request('PUT /repos/{owner}/{repo}/contents/{path}', { ...repo, path: 'c.md', message: 'c', branch: 'feature', content: Buffer.from('c').toString('base64') });
    const pull = await installationOctokit.request('POST /repos/{owner}/{repo}/pulls', { ...repo, title: 'Add c', head: 'feature', base: 'main' });
    expect(pull.data).toMatchObject({ number: 1, state: 'open', user: { login: 'openapi-app[bot]', type: 'Bot' }, head: { ref: 'feature' }, base: { ref: 'main' } });
    const again = await installationOctokit.request('POST /repos/{owner}/{repo}/pulls', { ...repo, title: 'Add c', head: 'feature', base: 'main' }).catch((e) => e);
    expect(again.status).toBe(422);
    await sim.webhooks.settle();
    await appOctokit.request('GET /app/hook/deliveries', { status: 'failure', per_page: 2 });

    // User-token revocation with the app's client credentials.
    const basic = `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`;
    const user = sim.store.requireUser('octo-admin');
    for (const route of ['DELETE /applications/{client_id}/token', 'DELETE /applications/{client_id}/grant'] as const) {
      const answer = await plainOctokit.request(route, {
        client_id: app.clientId,
        access_token: sim.world.issueUserTokens(app, user).access.value,
        headers: { authorization: basic },
      });
      expect(answer.status).toBe(204);
    }

    // The manifest flow's conversion.
    const posted = await fetch(`${sim.webUrl}/settings/apps/new?state=s`, {
      method: 'POST',
      body: new URLSearchParams({ manifest: JSON.stringify({ name: 'From Manifest', url: 'https://x.example', redirect_url: 'https://x.example/back' }) }),
      redirect: 'manual',
    });
    const cookie = sim.sessionCookieFor('octo-admin');
    const confirmed = await fetch(`${sim.webUrl}${posted.headers.get('location')}`, {
      method: 'POST',
      headers: { cookie },
      redirect: 'manual',
    });
    const code = new URL(confirmed.headers.get('location')!).searchParams.get('code')!;
    const converted = await plainOctokit.request('POST /app-manifests/{code}/conversions', { code });
    expect(converted.data.slug).toBe('from-manifest');
  });
});
