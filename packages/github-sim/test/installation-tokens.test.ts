import { describe, expect, it } from 'vitest';
import { createSimClock, GitHubSim } from '../src/index.js';
import { api, type BasicWorld, basicWorld, useBasicWorld, goodJwt } from './helpers.js';

describe('installation access tokens', () => {
  let sim: GitHubSim;
  let w: BasicWorld;
  useBasicWorld((s, world) => {
    sim = s;
    w = world;
  });

  const mintAnswer = (body: unknown, headers?: Record<string, string>) =>
    api(sim, 'POST', `/app/installations/${w.installation.id}/access_tokens`, {
      token: w.jwt(),
      body,
      headers,
    });

  it("mints a one-hour ghs_ token of 40 characters with the installation's permissions", async () => {
    const answer = await mintAnswer({});
    expect(answer.status).toBe(201);
    expect(answer.body.token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    const lifetime = Date.parse(answer.body.expires_at) - Date.now();
    expect(lifetime).toBeGreaterThan(59 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(60 * 60_000);
    expect(answer.body.permissions).toEqual(w.installation.permissions);
    expect(answer.body.repository_selection).toBe('selected');
    expect(sim.mintCount(w.installation.id)).toBe(1);
  });

  it('issues the long stateless format when asked by header, or by default when switched on', async () => {
    const forced = await mintAnswer({}, { 'x-github-stateless-s2s-token': 'enabled' });
    expect(forced.body.token.startsWith(`ghs_${w.app.id}_`)).toBe(true);
    expect(forced.body.token.length).toBeGreaterThan(400);
    const repo = await api(sim, 'GET', '/repos/octo-org/made-by-app', { token: forced.body.token });
    expect(repo.status).toBe(200);
    sim.behaviour.statelessTokens = true;
    expect((await mintAnswer({})).body.token.length).toBeGreaterThan(400);
    expect((await mintAnswer({}, { 'x-github-stateless-s2s-token': 'disabled' })).body.token).toHaveLength(
      40,
    );
  });

  it('narrows a token to repository ids and lists only those repositories', async () => {
    const answer = await mintAnswer({ repository_ids: [w.inRepo.id], permissions: { contents: 'read' } });
    expect(answer.status).toBe(201);
    expect(answer.body.repositories.map((r: { id: number }) => r.id)).toEqual([w.inRepo.id]);
    expect(answer.body.permissions).toEqual({ contents: 'read' });
    const listed = await api(sim, 'GET', '/installation/repositories', { token: answer.body.token });
    expect(listed.body.total_count).toBe(1);
  });

  it('narrows by repository names', async () => {
    const answer = await mintAnswer({ repositories: ['made-by-app'] });
    expect(answer.body.repositories[0].full_name).toBe('octo-org/made-by-app');
  });

  it('refuses repositories the installation does not reach', async () => {
    const answer = await mintAnswer({ repository_ids: [w.otherRepo.id] });
    expect(answer.status).toBe(422);
    expect(answer.body.message).toMatch(/does not exist or is not accessible/);
  });

  it('refuses more than 500 repositories', async () => {
    sim.store.installations.get(w.installation.id)!.selection = 'all';
    for (let i = 0; i < 501; i++) sim.store.createRepoRecord(w.org, `r${i}`, '/nonexistent');
    const names = Array.from({ length: 501 }, (_, i) => `r${i}`);
    const answer = await mintAnswer({ repositories: names });
    expect(answer.status).toBe(422);
    expect(answer.body.message).toMatch(/maximum of 500/);
  });

  it("refuses permissions wider than the installation's", async () => {
    const answer = await mintAnswer({ permissions: { issues: 'write' } });
    expect(answer.status).toBe(422);
    expect(answer.body.message).toMatch(/not granted/);
    expect((await mintAnswer({ permissions: { contents: 'admin' } })).status).toBe(422);
  });

  it('refuses malformed bodies with 400 and wrong types with 422', async () => {
    expect((await mintAnswer('{not json')).status).toBe(400);
    expect((await mintAnswer({ repository_ids: 'nope' })).status).toBe(422);
  });

  it("refuses to mint for a suspended installation (403) and for another app's installation (404)", async () => {
    await api(sim, 'PUT', `/app/installations/${w.installation.id}/suspended`, { token: w.jwt() });
    expect((await mintAnswer({})).status).toBe(403);
    const other = sim.addApp({ slug: 'other-app', ownerLogin: 'octo-org' });
    const inst = sim.install(other.app, 'octo-org', { selection: 'all' });
    const foreign = await api(sim, 'POST', `/app/installations/${inst.id}/access_tokens`, { token: w.jwt() });
    expect(foreign.status).toBe(404);
    expect((await api(sim, 'GET', '/app', { token: goodJwt(other.privateKey!, other.app.id) })).status).toBe(
      200,
    );
  });

  it("checks every later use against the token's repositories and permissions", async () => {
    const readOnly = (await mintAnswer({ permissions: { contents: 'read', metadata: 'read' } })).body.token;
    const write = await api(sim, 'PUT', '/repos/octo-org/made-by-app/contents/x.txt', {
      token: readOnly,
      body: { message: 'x', content: Buffer.from('x').toString('base64') },
    });
    expect(write.status).toBe(403);
    const outside = await api(sim, 'GET', '/repos/octo-org/customer-code', { token: readOnly });
    expect(outside.status).toBe(404);
  });

  it('revokes a token with DELETE /installation/token', async () => {
    const token = await w.mint();
    expect((await api(sim, 'DELETE', '/installation/token', { token })).status).toBe(204);
    const after = await api(sim, 'GET', '/installation/repositories', { token });
    expect(after.status).toBe(401);
    expect(after.body.message).toBe('Bad credentials');
  });

  it('answers 401 for a token just minted while replication lags', async () => {
    sim.behaviour.newTokenLagMs = 300;
    const token = await w.mint();
    expect((await api(sim, 'GET', '/installation/repositories', { token })).status).toBe(401);
    await new Promise((r) => setTimeout(r, 350));
    expect((await api(sim, 'GET', '/installation/repositories', { token })).status).toBe(200);
  });
});

describe('token expiry on a manual clock', () => {
  it('answers 401 once the hour is over', async () => {
    const clock = createSimClock({ manual: true });
    const sim = await GitHubSim.start({ clock });
    try {
      const w = await basicWorld(sim);
      const token = await w.mint();
      clock.advance(59 * 60_000);
      expect((await api(sim, 'GET', '/installation/repositories', { token })).status).toBe(200);
      clock.advance(61_000);
      expect((await api(sim, 'GET', '/installation/repositories', { token })).status).toBe(401);
    } finally {
      await sim.close();
    }
  });
});

describe('installation lookups and administration', () => {
  let sim: GitHubSim;
  let w: BasicWorld;
  useBasicWorld((s, world) => {
    sim = s;
    w = world;
  });

  it('finds the installation by repository, org and user, and 404s for repositories it does not reach', async () => {
    expect(
      (await api(sim, 'GET', '/repos/octo-org/made-by-app/installation', { token: w.jwt() })).body.id,
    ).toBe(w.installation.id);
    expect((await api(sim, 'GET', '/orgs/octo-org/installation', { token: w.jwt() })).body.id).toBe(
      w.installation.id,
    );
    expect((await api(sim, 'GET', '/users/octo-org/installation', { token: w.jwt() })).body.id).toBe(
      w.installation.id,
    );
    expect(
      (await api(sim, 'GET', '/repos/octo-org/customer-code/installation', { token: w.jwt() })).status,
    ).toBe(404);
    expect(
      (await api(sim, 'GET', '/repos/octo-org/no-such-repo/installation', { token: w.jwt() })).status,
    ).toBe(404);
    expect((await api(sim, 'GET', '/orgs/octo-admin/installation', { token: w.jwt() })).status).toBe(404);
  });

  it('lists installations with pagination and deletes one, revoking its tokens', async () => {
    const list = await api(sim, 'GET', '/app/installations?per_page=1', { token: w.jwt() });
    expect(list.body).toHaveLength(1);
    const token = await w.mint();
    expect(
      (await api(sim, 'DELETE', `/app/installations/${w.installation.id}`, { token: w.jwt() })).status,
    ).toBe(204);
    expect(
      (await api(sim, 'GET', `/app/installations/${w.installation.id}`, { token: w.jwt() })).status,
    ).toBe(404);
    expect((await api(sim, 'GET', '/installation/repositories', { token })).status).toBe(401);
  });

  it('suspends and unsuspends: tokens of a suspended installation are refused', async () => {
    const token = await w.mint();
    await api(sim, 'PUT', `/app/installations/${w.installation.id}/suspended`, { token: w.jwt() });
    const got = await api(sim, 'GET', `/app/installations/${w.installation.id}`, { token: w.jwt() });
    expect(got.body.suspended_at).not.toBeNull();
    expect((await api(sim, 'GET', '/installation/repositories', { token })).status).toBe(403);
    await api(sim, 'DELETE', `/app/installations/${w.installation.id}/suspended`, { token: w.jwt() });
    expect((await api(sim, 'GET', '/installation/repositories', { token })).status).toBe(200);
  });
});
