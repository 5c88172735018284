import { Octokit } from '@octokit/core';
import { throttling } from '@octokit/plugin-throttling';
import { afterEach, describe, expect, it } from 'vitest';
import { GitHubSim } from '../src/index.js';
import { api, basicWorld } from './helpers.js';

/** Each test starts its own simulator with the settings it is about. */
describe("GitHub's REST conventions: headers, errors, conditional requests, limits", () => {
  let sim: GitHubSim;
  afterEach(() => sim.close());
  const start = async (options: Parameters<typeof GitHubSim.start>[0] = {}) => {
    sim = await GitHubSim.start(options);
    return basicWorld(sim);
  };

  it('answers JSON with charset, x-github-request-id and x-github-media-type, and a JSON 404 for unknown routes', async () => {
    const w = await start();
    const answer = await api(sim, 'GET', '/installation/repositories', { token: await w.mint() });
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(answer.headers.get('x-github-request-id')).toMatch(/^[0-9A-F]{4}:[0-9A-F]{4}:[0-9A-F]{6}:[0-9A-F]{6}:[0-9A-F]{8}$/);
    expect(answer.headers.get('x-github-media-type')).toBe('github.v3; format=json');
    const raw = await api(sim, 'GET', '/app', {
      token: w.jwt(),
      headers: { accept: 'application/vnd.github.raw+json' },
    });
    expect(raw.headers.get('x-github-media-type')).toBe('github.v3; param=raw; format=json');
    const unknown = await api(sim, 'GET', '/no/such/route');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(unknown.body).toMatchObject({ message: 'Not Found', documentation_url: expect.any(String) });
  });

  it('shows a public repository without a credential (from the unauthenticated budget), hides a private one behind a 404', async () => {
    const w = await start();
    await sim.createRepository('octo-org', 'open-source', { private: false });
    const open = await api(sim, 'GET', '/repos/octo-org/open-source');
    expect(open.status).toBe(200);
    expect(open.body).toMatchObject({ full_name: 'octo-org/open-source', private: false });
    expect(open.headers.get('x-ratelimit-limit')).toBe('60');
    expect(open.headers.get('x-ratelimit-remaining')).toBe('59');
    const readme = await api(sim, 'GET', '/repos/octo-org/open-source/contents/README.md');
    expect(readme.status).toBe(200);
    const hidden = await api(sim, 'GET', `/repos/octo-org/${w.inRepo.name}`);
    expect(hidden.status).toBe(404);
    expect(hidden.body).toMatchObject({ message: 'Not Found' });
    expect((await api(sim, 'GET', `/repos/octo-org/${w.inRepo.name}/contents/README.md`)).status).toBe(404);
    // a route that always needs a credential still says so, and a bad credential is still 401
    const listing = await api(sim, 'GET', '/installation/repositories');
    expect(listing.status).toBe(401);
    expect(listing.body).toMatchObject({ message: 'Requires authentication' });
    const bad = await api(sim, 'GET', '/repos/octo-org/open-source', { token: 'ghs_nope' });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ message: 'Bad credentials' });
  });

  it('refuses anonymous reads once the address has spent its 60 requests', async () => {
    await start();
    await sim.createRepository('octo-org', 'open-source', { private: false });
    for (let i = 0; i < 60; i++) expect((await api(sim, 'GET', '/repos/octo-org/open-source')).status).toBe(200);
    const spent = await api(sim, 'GET', '/repos/octo-org/open-source');
    expect(spent.status).toBe(403);
    expect(spent.body.message).toMatch(/^API rate limit exceeded for client\./);
    expect(spent.headers.get('x-ratelimit-remaining')).toBe('0');
  });

  it('sends rate-limit headers on 401s (the unauthenticated budget of 60) and on the early 403 of a suspended installation', async () => {
    const w = await start();
    const unauthenticated = await api(sim, 'GET', '/installation/repositories', { token: 'ghs_nope' });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('x-ratelimit-limit')).toBe('60');
    expect(unauthenticated.headers.get('x-ratelimit-remaining')).toBe('59');
    const token = await w.mint();
    sim.suspend(w.installation);
    const suspended = await api(sim, 'GET', '/installation/repositories', { token });
    expect(suspended.status).toBe(403);
    expect(suspended.headers.get('x-ratelimit-limit')).toBe('5000');
  });

  it('answers GET /rate_limit with core and search; a GHES with rate limiting off answers 404 and sends no rate-limit headers', async () => {
    const w = await start();
    const limits = await api(sim, 'GET', '/rate_limit', { token: await w.mint() });
    expect(limits.body.resources.core.limit).toBe(5000);
    expect(limits.body.resources.search).toMatchObject({ limit: 30, remaining: 30 });
    await sim.close();
    const ghes = await start({ rateLimits: { enabled: false } });
    const token = await ghes.mint();
    const off = await api(sim, 'GET', '/rate_limit', { token });
    expect(off.status).toBe(404);
    expect(off.body.message).toBe('Rate limiting is not enabled.');
    expect((await api(sim, 'GET', '/installation/repositories', { token })).headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('answers 304 to If-None-Match and If-Modified-Since without counting it against the rate limit', async () => {
    const w = await start();
    const token = await w.mint();
    const first = await api(sim, 'GET', '/repos/octo-org/made-by-app', { token });
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
    expect(first.headers.get('last-modified')).toBe(new Date(first.body.updated_at).toUTCString());
    const remaining = first.headers.get('x-ratelimit-remaining');
    const again = await api(sim, 'GET', '/repos/octo-org/made-by-app', { token, headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('x-ratelimit-remaining')).toBe(remaining);
    const since = await api(sim, 'GET', '/repos/octo-org/made-by-app', {
      token,
      headers: { 'if-modified-since': first.headers.get('last-modified')! },
    });
    expect(since.status).toBe(304);
    await api(sim, 'PATCH', '/repos/octo-org/made-by-app', { token, body: { description: 'changed' } });
    const changed = await api(sim, 'GET', '/repos/octo-org/made-by-app', { token, headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('x-ratelimit-remaining')).toBe(String(Number(remaining) - 2));
  });

  it('shapes a 429 fault as a secondary limit and a primary fault with remaining 0, as plugin-throttling recognises them', async () => {
    const w = await start({ rateLimits: { secondaryRetryAfterSeconds: 1 } });
    const token = await w.mint();
    const seen: string[] = [];
    const ThrottledOctokit = Octokit.plugin(throttling);
    const octokit = new ThrottledOctokit({
      baseUrl: sim.apiUrl,
      auth: token,
      throttle: {
        onSecondaryRateLimit: (retryAfter: number) => {
          seen.push(`secondary:${retryAfter}`);
          return true;
        },
        onRateLimit: (retryAfter: number) => {
          seen.push('primary');
          return retryAfter < 3700;
        },
      },
    });
    sim.faults.add({ route: 'GET /installation/repositories', status: 429, times: 1 });
    const retried = await octokit.request('GET /installation/repositories');
    expect(retried.status).toBe(200);
    sim.faults.add({ route: 'GET /installation/repositories', kind: 'primary', times: 1 });
    const afterPrimary = await api(sim, 'GET', '/installation/repositories', { token });
    expect(afterPrimary.status).toBe(403);
    expect(afterPrimary.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(afterPrimary.body.message).toMatch(/^API rate limit exceeded for installation ID \d+\.$/);
    expect(seen).toEqual(['secondary:1']);
  });

  it('limits points per endpoint per minute (writes cost 5) and content creation per minute, with retry-after', async () => {
    const w = await start({ rateLimits: { pointsPerMinutePerEndpoint: 10, contentCreationPerMinute: 2 } });
    const token = await w.mint();
    const patch = () => api(sim, 'PATCH', '/repos/octo-org/made-by-app', { token, body: { description: 'x' } });
    expect((await patch()).status).toBe(200);
    expect((await patch()).status).toBe(200);
    const limited = await patch();
    expect(limited.status).toBe(403);
    expect(limited.body.message).toMatch(/secondary rate limit/);
    // GitHub's message ends with the request's own id, the one in its header
    expect(limited.body.message).toMatch(/please include the request ID [0-9A-F:]+\.$/);
    expect(limited.body.message).toContain(`request ID ${limited.headers.get('x-github-request-id')}.`);
    expect(limited.body.documentation_url).toBe(
      'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits',
    );
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another endpoint has its own points.
    expect((await api(sim, 'GET', '/repos/octo-org/made-by-app', { token })).status).toBe(200);
    const create = (name: string) => api(sim, 'POST', '/orgs/octo-org/repos', { token, body: { name } });
    expect((await create('one')).status).toBe(201);
    expect((await create('two')).status).toBe(201);
    expect((await create('three')).status).toBe(403);
  });

  it('does not count a refused creation (422) toward the content-creation limit', async () => {
    const w = await start({ rateLimits: { contentCreationPerMinute: 2 } });
    const token = await w.mint();
    const create = (name: string) => api(sim, 'POST', '/orgs/octo-org/repos', { token, body: { name } });
    expect((await create('one')).status).toBe(201);
    for (let i = 0; i < 3; i++) {
      const clash = await create('one');
      expect(clash.status).toBe(422);
      expect(clash.body.message).toBe('Repository creation failed.');
    }
    expect((await create('two')).status).toBe(201);
    const limited = await create('three');
    expect(limited.status).toBe(403);
    expect(limited.body.message).toMatch(/secondary rate limit/);
  });

  it('names the permission a 403 lacked (x-accepted-github-permissions), a classic token its scopes, an expiring token its end', async () => {
    const w = await start();
    const readOnly = await w.mint({ permissions: { contents: 'read', metadata: 'read' } });
    const refused = await api(sim, 'PUT', '/repos/octo-org/made-by-app/contents/a.md', {
      token: readOnly,
      body: { message: 'a', content: Buffer.from('a').toString('base64') },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('Resource not accessible by integration');
    expect(refused.headers.get('x-accepted-github-permissions')).toBe('contents=write');
    const pat = sim.world.addPersonalAccessToken(w.admin, ['repo', 'delete_repo']);
    const byPat = await api(sim, 'GET', '/repos/octo-org/made-by-app', { token: pat });
    expect(byPat.headers.get('x-oauth-scopes')).toBe('repo, delete_repo');
    expect(byPat.headers.get('github-authentication-token-expiration')).toBeNull();
    const user = sim.world.issueUserTokens(w.app, w.admin).access;
    const byUser = await api(sim, 'GET', '/user', { token: user.value });
    expect(byUser.status).toBe(200);
    const expiry = byUser.headers.get('github-authentication-token-expiration');
    expect(expiry).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    expect(Date.parse(expiry!.replace(' UTC', 'Z').replace(' ', 'T'))).toBe(Math.floor(user.expiresAt! / 1000) * 1000);
    expect(byUser.headers.get('x-oauth-scopes')).toBeNull();
    // an installation token says nothing of either
    const byInstallation = await api(sim, 'GET', '/repos/octo-org/made-by-app', { token: readOnly });
    expect(byInstallation.headers.get('x-oauth-scopes')).toBeNull();
    expect(byInstallation.headers.get('x-accepted-github-permissions')).toBeNull();
  });

  it("links each error to its endpoint's page in GitHub's reference, as GitHub does", async () => {
    const w = await start();
    const token = await w.mint();
    const missing = await api(sim, 'GET', '/repos/octo-org/no-such-repo', { token });
    expect(missing.status).toBe(404);
    expect(missing.body.documentation_url).toBe('https://docs.github.com/rest/repos/repos#get-a-repository');
    const noFile = await api(sim, 'GET', '/repos/octo-org/made-by-app/contents/nope.md', { token });
    expect(noFile.body.documentation_url).toBe('https://docs.github.com/rest/repos/contents#get-repository-content');
    const unknownRoute = await api(sim, 'GET', '/no/such/route');
    expect(unknownRoute.body.documentation_url).toBe('https://docs.github.com/rest');
  });

  it("grows an installation's hourly budget by 50 per repository above 20, up to 12,500", async () => {
    const w = await start();
    for (let i = 0; i < 24; i++) await sim.createRepository('octo-org', `repo-${i}`, { autoInit: false });
    sim.setRepositorySelection(w.installation, 'all');
    const token = await w.mint();
    const answer = await api(sim, 'GET', '/installation/repositories', { token });
    // 26 repositories: 5,000 + 6 x 50.
    expect(answer.headers.get('x-ratelimit-limit')).toBe('5300');
    sim.limits.settings.installation = 12_450;
    expect((await api(sim, 'GET', '/installation/repositories', { token })).headers.get('x-ratelimit-limit')).toBe(
      '12500',
    );
  });
});
