import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubSim } from '../src/index.js';

/** Answers GitHub gives that the simulator once got wrong (docs/github-sim.md, "GitHub's own answers"). */
describe('the simulator answers as GitHub does', () => {
  let sim: GitHubSim;
  let installationOctokit: Octokit;
  let userToken: string;
  beforeAll(async () => {
    sim = await GitHubSim.start();
    sim.addUser('owner-user');
    sim.addOrg('answers-org', { 'owner-user': 'admin' });
    sim.addOrg('other-org', { 'owner-user': 'admin' });
    const { app, privateKey } = sim.addApp({ slug: 'answers-app', ownerLogin: 'answers-org', webhookUrl: 'http://127.0.0.1:9/unreachable' });
    await sim.createRepository('answers-org', 'moving');
    const installation = sim.install(app, 'answers-org', { selection: 'all' });
    installationOctokit = new Octokit({ baseUrl: sim.apiUrl, authStrategy: createAppAuth, auth: { appId: app.id, privateKey: privateKey!, installationId: installation.id } });
    userToken = sim.world.issueUserTokens(app, sim.store.requireUser('owner-user')).access.value;
  });
  afterAll(() => sim.close());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${sim.apiUrl}${path}`, { headers });

  it('refuses an API version GitHub does not have with 400, and serves 2022-11-28 and 2026-03-10', async () => {
    const refused = await get('/rate_limit', { 'x-github-api-version': '1999-01-01' });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toBe(
      "Unsupported 'X-GitHub-Api-Version' header: 1999-01-01. The supported versions are 2022-11-28, 2026-03-10.",
    );
    for (const version of ['2022-11-28', '2026-03-10']) expect((await get('/rate_limit', { 'x-github-api-version': version })).status).toBe(200);
  });

  it('answers GET /rate_limit without a credential with the address budget, for free', async () => {
    const first = await get('/rate_limit');
    expect(first.status).toBe(200);
    const body = (await first.json()) as { resources: { core: { limit: number; remaining: number } } };
    expect(body.resources.core.limit).toBe(60);
    const again = (await (await get('/rate_limit')).json()) as typeof body;
    expect(again.resources.core.remaining).toBe(body.resources.core.remaining);
    expect((await get('/rate_limit', { authorization: 'Bearer ghs_unknown' })).status).toBe(401);
  });

  it('does not let an installation token transfer a repository (no GitHub App access), and lets its owner', async () => {
    const refused = await installationOctokit
      .request('POST /repos/{owner}/{repo}/transfer', { owner: 'answers-org', repo: 'moving', new_owner: 'other-org' })
      .catch((error: { status: number; response: { data: { message: string } } }) => error);
    expect((refused as { status: number }).status).toBe(403);
    expect((refused as { response: { data: { message: string } } }).response.data.message).toBe('Resource not accessible by integration');
    const moved = await fetch(`${sim.apiUrl}/repos/answers-org/moving/transfer`, {
      method: 'POST',
      headers: { authorization: `token ${userToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ new_owner: 'other-org' }),
    });
    expect(moved.status).toBe(202);
  });
});
