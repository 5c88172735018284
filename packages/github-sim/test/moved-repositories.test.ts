import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { GitHubSim } from '../src/index.js';
import { api, type BasicWorld, useBasicWorld } from './helpers.js';

const exec = promisify(execFile);

/** A request that does not follow redirects, to see GitHub's answer itself. */
async function raw(sim: GitHubSim, method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${sim.apiUrl}${path}`, {
    method,
    redirect: 'manual',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, location: response.headers.get('location'), body: await response.json() };
}

describe('renamed and transferred repositories', () => {
  let sim: GitHubSim;
  let w: BasicWorld;
  useBasicWorld((s, world) => {
    sim = s;
    w = world;
  });

  it('answers 301 to GETs under the old name (repository, contents), and the redirect leads to the repository', async () => {
    const token = await w.mint();
    sim.world.renameRepository(w.inRepo, 'renamed-guide', w.admin);
    const moved = await raw(sim, 'GET', '/repos/octo-org/made-by-app', token);
    expect(moved.status).toBe(301);
    expect(moved.location).toBe(`${sim.apiUrl}/repositories/${w.inRepo.id}`);
    expect(moved.body).toMatchObject({ message: 'Moved Permanently', url: moved.location });
    const followed = await api(sim, 'GET', '/repos/octo-org/made-by-app', { token });
    expect(followed.status).toBe(200);
    expect(followed.body.full_name).toBe('octo-org/renamed-guide');
    const contents = await raw(sim, 'GET', '/repos/octo-org/made-by-app/contents/README.md?ref=main', token);
    expect(contents.status).toBe(301);
    expect(contents.location).toBe(`${sim.apiUrl}/repositories/${w.inRepo.id}/contents/README.md?ref=main`);
    const file = await api(sim, 'GET', '/repos/octo-org/made-by-app/contents/README.md', { token });
    expect(Buffer.from(file.body.content, 'base64').toString()).toBe('# made-by-app\n');
  });

  it('answers 307 to other methods, which a client repeats at the new place', async () => {
    const token = await w.mint();
    sim.world.renameRepository(w.inRepo, 'renamed-guide', w.admin);
    const moved = await raw(sim, 'PATCH', '/repos/octo-org/made-by-app', token, { description: 'x' });
    expect(moved.status).toBe(307);
    const followed = await api(sim, 'PATCH', '/repos/octo-org/made-by-app', {
      token,
      body: { description: 'moved along' },
    });
    expect(followed.status).toBe(200);
    expect(w.inRepo.description).toBe('moved along');
  });

  it('redirects GET /repos/{o}/{r}/installation (JWT) after a transfer, and answers 404 to callers that cannot see the repository', async () => {
    const other = sim.addOrg('other-org', { 'octo-admin': 'admin' });
    sim.install(w.app, 'other-org', { selection: 'all' });
    sim.world.transferRepository(w.inRepo, other, w.admin);
    const moved = await raw(sim, 'GET', '/repos/octo-org/made-by-app/installation', w.jwt());
    expect(moved.status).toBe(301);
    const followed = await api(sim, 'GET', '/repos/octo-org/made-by-app/installation', { token: w.jwt() });
    expect(followed.body.account.login).toBe('other-org');
    // A PAT of a stranger learns nothing about the move.
    const stranger = sim.world.addPersonalAccessToken(sim.addUser('stranger'), ['repo']);
    expect((await raw(sim, 'GET', '/repos/octo-org/made-by-app', stranger)).status).toBe(404);
  });

  it('ends the redirect when a new repository takes the old name, and after an account rename redirects its repositories', async () => {
    sim.world.renameAccount(w.org, 'octo-renamed', w.admin);
    const token = await w.mint();
    expect((await raw(sim, 'GET', '/repos/octo-org/made-by-app', token)).status).toBe(301);
    sim.world.renameRepository(w.inRepo, 'second-name', w.admin);
    const newcomer = await sim.createRepository('octo-renamed', 'made-by-app');
    const pat = sim.world.addPersonalAccessToken(w.admin, ['repo']);
    const answer = await raw(sim, 'GET', '/repos/octo-renamed/made-by-app', pat);
    expect(answer.status).toBe(200);
    expect(answer.body.id).toBe(newcomer.id);
  });

  it('lets git clone under the old name (git follows the redirect of its first request)', async () => {
    const token = await w.mint();
    sim.world.renameRepository(w.inRepo, 'renamed-guide', w.admin);
    const work = mkdtempSync(join(tmpdir(), 'sim-moved-'));
    try {
      const url = new URL(`${sim.webUrl}/octo-org/made-by-app.git`);
      url.username = 'x-access-token';
      url.password = token;
      await exec('git', ['-c', 'credential.helper=', 'clone', '--quiet', url.toString(), join(work, 'c')], {
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
      });
      expect(readFileSync(join(work, 'c', 'README.md'), 'utf8')).toBe('# made-by-app\n');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
