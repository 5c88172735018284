import { describe, expect, it } from 'vitest';
import { GitHubSim } from '../src/index.js';
import { api, type BasicWorld, useBasicWorld } from './helpers.js';

describe('repositories', () => {
  let sim: GitHubSim;
  let w: BasicWorld;
  useBasicWorld((s, world) => {
    sim = s;
    w = world;
  });

  it('lets an installation token create an org repository, and the app gains access on "selected"', async () => {
    const token = await w.mint();
    const created = await api(sim, 'POST', '/orgs/octo-org/repos', {
      token,
      body: { name: 'developer-guide', private: true, auto_init: true },
    });
    expect(created.status).toBe(201);
    expect(created.body.full_name).toBe('octo-org/developer-guide');
    expect(sim.store.installations.get(w.installation.id)!.repositoryIds.has(created.body.id)).toBe(true);
    // The token minted before the repository existed reaches it too (it was not narrowed).
    expect((await api(sim, 'GET', '/repos/octo-org/developer-guide', { token })).status).toBe(200);
  });

  it('refuses a duplicate or invalid repository name with 422', async () => {
    const token = await w.mint();
    const dup = await api(sim, 'POST', '/orgs/octo-org/repos', { token, body: { name: 'made-by-app' } });
    expect(dup.status).toBe(422);
    expect(dup.body.errors[0].message).toMatch(/already exists/);
    expect(
      (await api(sim, 'POST', '/orgs/octo-org/repos', { token, body: { name: 'bad name!' } })).status,
    ).toBe(422);
  });

  it('refuses repository creation without administration:write', async () => {
    const token = await w.mint({ permissions: { contents: 'write' } });
    expect((await api(sim, 'POST', '/orgs/octo-org/repos', { token, body: { name: 'x' } })).status).toBe(403);
  });

  it('refuses POST /user/repos with an installation token: only user tokens create in personal accounts', async () => {
    const token = await w.mint();
    const answer = await api(sim, 'POST', '/user/repos', { token, body: { name: 'mine' } });
    expect(answer.status).toBe(403);
  });

  it('renames a repository and keeps its id', async () => {
    const token = await w.mint();
    const renamed = await api(sim, 'PATCH', '/repos/octo-org/made-by-app', {
      token,
      body: { name: 'renamed' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.id).toBe(w.inRepo.id);
    expect((await api(sim, 'GET', '/repos/octo-org/renamed', { token })).body.id).toBe(w.inRepo.id);
    // The old name redirects (301) to the same repository, as on GitHub (moved-repositories.test.ts).
    expect((await api(sim, 'GET', '/repos/octo-org/made-by-app', { token })).body.id).toBe(w.inRepo.id);
  });

  it('creates, updates and reads a file through the contents API', async () => {
    const token = await w.mint();
    const content = Buffer.from('# Guide\n').toString('base64');
    const created = await api(sim, 'PUT', '/repos/octo-org/made-by-app/contents/docs/guide.md', {
      token,
      body: { message: 'add guide', content },
    });
    expect(created.status).toBe(201);
    const read = await api(sim, 'GET', '/repos/octo-org/made-by-app/contents/docs/guide.md', { token });
    expect(Buffer.from(read.body.content, 'base64').toString()).toBe('# Guide\n');
    const noSha = await api(sim, 'PUT', '/repos/octo-org/made-by-app/contents/docs/guide.md', {
      token,
      body: { message: 'again', content },
    });
    expect(noSha.status).toBe(422);
    const updated = await api(sim, 'PUT', '/repos/octo-org/made-by-app/contents/docs/guide.md', {
      token,
      body: { message: 'update', content: Buffer.from('v2').toString('base64'), sha: read.body.sha },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.commit.parents).toHaveLength(1);
  });

  it('deletes a repository silently: later requests get 404', async () => {
    const token = await w.mint();
    await sim.world.deleteRepository(sim.store.repos.get(w.inRepo.id)!);
    expect((await api(sim, 'GET', '/repos/octo-org/made-by-app', { token })).status).toBe(404);
  });
});

describe('users and repository selection', () => {
  let sim: GitHubSim;
  let w: BasicWorld;
  useBasicWorld((s, world) => {
    sim = s;
    w = world;
  });

  it('adds a repository to an installation with a classic PAT of an admin, and refuses app user tokens by default', async () => {
    const pat = sim.world.addPersonalAccessToken(sim.store.requireUser('octo-admin'), ['repo']);
    const path = `/user/installations/${w.installation.id}/repositories/${w.otherRepo.id}`;
    const { access } = sim.world.issueUserTokens(w.app, sim.store.requireUser('octo-admin'));
    expect((await api(sim, 'PUT', path, { token: access.value })).status).toBe(403);
    expect((await api(sim, 'PUT', path, { token: pat })).status).toBe(204);
    expect(sim.store.installations.get(w.installation.id)!.repositoryIds.has(w.otherRepo.id)).toBe(true);
  });

  it('allows app user tokens when switched to the newer announced behaviour', async () => {
    sim.behaviour.allowUserTokensForInstallationRepos = true;
    const { access } = sim.world.issueUserTokens(w.app, sim.store.requireUser('octo-admin'));
    const path = `/user/installations/${w.installation.id}/repositories/${w.otherRepo.id}`;
    // The user must still administer the repository: a member's app user token is refused.
    const memberToken = sim.world.issueUserTokens(w.app, sim.store.requireUser('octo-member')).access.value;
    expect((await api(sim, 'PUT', path, { token: memberToken })).status).toBe(403);
    expect((await api(sim, 'PUT', path, { token: access.value })).status).toBe(204);
  });

  it('refuses a member who is not an admin of the repository', async () => {
    const pat = sim.world.addPersonalAccessToken(sim.store.requireUser('octo-member'), ['repo']);
    const answer = await api(
      sim,
      'PUT',
      `/user/installations/${w.installation.id}/repositories/${w.otherRepo.id}`,
      { token: pat },
    );
    expect(answer.status).toBe(403);
  });

  it('refuses to remove the last repository (422) and any repository of an "all" installation', async () => {
    const pat = sim.world.addPersonalAccessToken(sim.store.requireUser('octo-admin'), ['repo']);
    const last = await api(
      sim,
      'DELETE',
      `/user/installations/${w.installation.id}/repositories/${w.inRepo.id}`,
      { token: pat },
    );
    expect(last.status).toBe(422);
    sim.store.installations.get(w.installation.id)!.selection = 'all';
    const all = await api(
      sim,
      'DELETE',
      `/user/installations/${w.installation.id}/repositories/${w.inRepo.id}`,
      { token: pat },
    );
    expect(all.status).toBe(422);
  });

  it('lists the installations a user token reaches, and refuses a PAT there', async () => {
    const { access } = sim.world.issueUserTokens(w.app, sim.store.requireUser('octo-member'));
    const list = await api(sim, 'GET', '/user/installations', { token: access.value });
    expect(list.body.installations.map((i: { id: number }) => i.id)).toEqual([w.installation.id]);
    const stranger = sim.addUser('stranger');
    const strangerToken = sim.world.issueUserTokens(w.app, stranger).access.value;
    expect((await api(sim, 'GET', '/user/installations', { token: strangerToken })).body.total_count).toBe(0);
    const pat = sim.world.addPersonalAccessToken(stranger);
    expect((await api(sim, 'GET', '/user/installations', { token: pat })).status).toBe(403);
    const repos = await api(sim, 'GET', `/user/installations/${w.installation.id}/repositories`, {
      token: access.value,
    });
    expect(repos.body.repositories.map((r: { name: string }) => r.name)).toEqual(['made-by-app']);
  });

  it('creates a personal repository with a user token', async () => {
    const user = sim.store.requireUser('octo-admin');
    sim.install(w.app, 'octo-admin', { selection: 'selected' });
    const { access } = sim.world.issueUserTokens(w.app, user);
    const created = await api(sim, 'POST', '/user/repos', {
      token: access.value,
      body: { name: 'personal-guide' },
    });
    expect(created.status).toBe(201);
    expect(created.body.owner.login).toBe('octo-admin');
    expect((await api(sim, 'GET', '/user', { token: access.value })).body.login).toBe('octo-admin');
  });
});
