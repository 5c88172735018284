import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubSim } from '../src/index.js';
import { api, type BasicWorld, basicWorld } from './helpers.js';
import { problemsWith, webhookSchema } from './openapi-schemas.js';

const exec = promisify(execFile);
const gitEnv = {
  ...process.env,
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'Ada',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
};
const git = (args: string[], cwd?: string) => exec('git', ['-c', 'credential.helper=', ...args], { cwd, env: gitEnv });

describe('push, create and delete webhooks from a git push', () => {
  let sim: GitHubSim;
  let w: BasicWorld;
  let work: string;
  beforeEach(async () => {
    sim = await GitHubSim.start();
    w = await basicWorld(sim);
    // Deliveries are recorded even with nobody listening; the URL only has to be set.
    w.app.webhookUrl = 'http://127.0.0.1:9/webhooks/github';
    w.installation.events = [...w.installation.events, 'push', 'create', 'delete'];
    work = mkdtempSync(join(tmpdir(), 'sim-push-'));
  });
  afterEach(async () => {
    await sim.close();
    rmSync(work, { recursive: true, force: true });
  });

  async function cloneWith(repo = 'made-by-app') {
    const url = new URL(`${sim.webUrl}/octo-org/${repo}.git`);
    url.username = 'x-access-token';
    url.password = await w.mint();
    const dir = join(work, repo);
    await git(['clone', '--quiet', url.toString(), dir]);
    return dir;
  }
  const commit = async (dir: string, file: string, message: string) => {
    writeFileSync(join(dir, file), `${message}\n`);
    await git(['add', '.'], dir);
    await git(['commit', '--quiet', '-m', message], dir);
  };
  const payloads = async () => {
    await sim.webhooks.settle();
    return sim.webhooks.deliveries.map((d) => ({ event: d.event, repositoryId: d.repositoryId, body: JSON.parse(d.body) }));
  };

  it('sends one push per moved ref with the commits, before and after, and create/delete for new and removed refs', async () => {
    const dir = await cloneWith();
    const { stdout: start } = await git(['rev-parse', 'HEAD'], dir);
    await commit(dir, 'TKT-1.md', 'open TKT-1');
    await commit(dir, 'TKT-2.md', 'open TKT-2');
    await git(['push', '--quiet', 'origin', 'main'], dir);
    const { stdout: head } = await git(['rev-parse', 'HEAD'], dir);
    await git(['push', '--quiet', 'origin', 'main:refs/heads/draft'], dir);
    await git(['push', '--quiet', 'origin', ':refs/heads/draft'], dir);

    const seen = await payloads();
    expect(seen.map((d) => `${d.event}:${d.body.ref}`)).toEqual([
      'push:refs/heads/main',
      'create:draft',
      'push:refs/heads/draft',
      'delete:draft',
      'push:refs/heads/draft',
    ]);
    const [main, created, draft, , deleted] = seen;
    expect(main!.repositoryId).toBe(w.inRepo.id);
    expect(main!.body).toMatchObject({ before: start.trim(), after: head.trim(), created: false, deleted: false, forced: false });
    expect(main!.body.commits.map((c: { message: string }) => c.message)).toEqual(['open TKT-1', 'open TKT-2']);
    expect(main!.body.commits[0]).toMatchObject({ added: ['TKT-1.md'], author: { name: 'Ada', email: 'ada@example.com' } });
    expect(main!.body.head_commit.id).toBe(head.trim());
    expect(main!.body.pusher.name).toBe('hubgate-test[bot]');
    expect(main!.body.installation.id).toBe(w.installation.id);
    expect(created!.body).toMatchObject({ ref_type: 'branch', master_branch: 'main' });
    // A branch made at an existing commit brings no commits of its own.
    expect(draft!.body).toMatchObject({ created: true, commits: [], before: '0'.repeat(40) });
    expect(deleted!.body).toMatchObject({ deleted: true, after: '0'.repeat(40), head_commit: null });
  });

  it('marks a push that rewrote history as forced', async () => {
    const dir = await cloneWith();
    await commit(dir, 'a.md', 'a');
    await git(['push', '--quiet', 'origin', 'main'], dir);
    await git(['reset', '--quiet', '--hard', 'HEAD~1'], dir);
    await commit(dir, 'b.md', 'b');
    await git(['push', '--quiet', '--force', 'origin', 'main'], dir);
    const pushes = (await payloads()).filter((d) => d.event === 'push');
    expect(pushes.map((d) => d.body.forced)).toEqual([false, true]);
  });

  it('validates against GitHub published push, create and delete schemas', async () => {
    const dir = await cloneWith();
    await commit(dir, 'TKT-1.md', 'open TKT-1');
    await git(['push', '--quiet', 'origin', 'main', 'main:refs/heads/draft'], dir);
    await git(['tag', 'v1'], dir);
    await git(['push', '--quiet', 'origin', 'v1', ':refs/heads/draft'], dir);
    const violations: string[] = [];
    const names = new Set<string>();
    for (const delivery of await payloads()) {
      names.add(delivery.event);
      const problems = problemsWith(webhookSchema(delivery.event, null)!, delivery.body);
      if (problems) violations.push(`${delivery.event} ${delivery.body.ref}: ${problems}`);
    }
    expect(violations).toEqual([]);
    expect([...names].sort()).toEqual(['create', 'delete', 'push']);
  });

  it('sends nothing to an installation that does not subscribe, or does not reach the repository, nor for a push that moved nothing', async () => {
    w.installation.events = w.installation.events.filter((e) => e !== 'push' && e !== 'create' && e !== 'delete');
    const dir = await cloneWith();
    await commit(dir, 'a.md', 'a');
    await git(['push', '--quiet', 'origin', 'main'], dir);
    w.installation.events.push('push');
    await git(['push', '--quiet', 'origin', 'main'], dir);
    sim.setRepositorySelection(w.installation, 'selected', ['customer-code']);
    await commit(dir, 'b.md', 'b');
    const pat = sim.world.addPersonalAccessToken(w.admin);
    const url = new URL(`${sim.webUrl}/octo-org/made-by-app.git`);
    url.username = 'octo-admin';
    url.password = pat;
    await git(['push', '--quiet', url.toString(), 'main'], dir);
    expect((await payloads()).filter((d) => d.event !== 'installation_repositories')).toEqual([]);
  });

  it('sends push for a commit through the contents API and create and push for a ref made through the refs API, valid by the schemas', async () => {
    const token = await w.mint();
    const before = await sim.world.git.headSha(w.inRepo.gitDir, 'main');
    const put = await api(sim, 'PUT', '/repos/octo-org/made-by-app/contents/TKT-9.md', {
      token,
      body: { message: 'open TKT-9', content: Buffer.from('TKT-9\n').toString('base64') },
    });
    expect(put.status).toBe(201);
    const made = await api(sim, 'POST', '/repos/octo-org/made-by-app/git/refs', { token, body: { ref: 'refs/heads/fix', sha: put.body.commit.sha } });
    expect(made.status).toBe(201);
    const seen = await payloads();
    expect(seen.map((d) => `${d.event}:${d.body.ref}`)).toEqual(['push:refs/heads/main', 'create:fix', 'push:refs/heads/fix']);
    expect(seen[0]!.body).toMatchObject({ before, after: put.body.commit.sha, pusher: { name: 'hubgate-test[bot]' } });
    expect(seen[0]!.body.commits.map((c: { message: string; added: string[] }) => [c.message, c.added])).toEqual([['open TKT-9', ['TKT-9.md']]]);
    for (const delivery of seen) expect(problemsWith(webhookSchema(delivery.event, null)!, delivery.body), delivery.event).toBeFalsy();
  });

  it('sends pull_request.opened when a pull request is made, valid by the schema', async () => {
    w.installation.events.push('pull_request');
    w.installation.permissions = { ...w.installation.permissions, pull_requests: 'write' };
    const token = await w.mint();
    const main = await sim.world.git.headSha(w.inRepo.gitDir, 'main');
    await api(sim, 'POST', '/repos/octo-org/made-by-app/git/refs', { token, body: { ref: 'refs/heads/feature', sha: main } });
    await api(sim, 'PUT', '/repos/octo-org/made-by-app/contents/c.md', {
      token,
      body: { message: 'add c', content: Buffer.from('c').toString('base64'), branch: 'feature' },
    });
    const pull = await api(sim, 'POST', '/repos/octo-org/made-by-app/pulls', { token, body: { title: 'Add c', head: 'feature', base: 'main' } });
    expect(pull.status).toBe(201);
    const opened = (await payloads()).filter((d) => d.event === 'pull_request');
    expect(opened).toHaveLength(1);
    expect(opened[0]!.body).toMatchObject({ action: 'opened', number: pull.body.number, pull_request: { id: pull.body.id, head: { ref: 'feature' } } });
    expect(problemsWith(webhookSchema('pull_request', 'opened')!, opened[0]!.body)).toBeFalsy();
  });

  it('sends pull_request edited, closed and reopened on a PATCH, and push then closed with merged on a merge, valid by the schemas', async () => {
    w.installation.events.push('pull_request');
    w.installation.permissions = { ...w.installation.permissions, pull_requests: 'write' };
    const token = await w.mint();
    const main = await sim.world.git.headSha(w.inRepo.gitDir, 'main');
    await api(sim, 'POST', '/repos/octo-org/made-by-app/git/refs', { token, body: { ref: 'refs/heads/feature', sha: main } });
    await api(sim, 'PUT', '/repos/octo-org/made-by-app/contents/c.md', {
      token,
      body: { message: 'add c', content: Buffer.from('c').toString('base64'), branch: 'feature' },
    });
    const pull = await api(sim, 'POST', '/repos/octo-org/made-by-app/pulls', { token, body: { title: 'Add c', head: 'feature', base: 'main' } });
    const path = `/repos/octo-org/made-by-app/pulls/${pull.body.number}`;
    await payloads();
    sim.webhooks.deliveries.splice(0);
    expect((await api(sim, 'PATCH', path, { token, body: { title: 'Add c.md', state: 'closed' } })).status).toBe(200);
    expect((await api(sim, 'PATCH', path, { token, body: { state: 'open' } })).status).toBe(200);
    const merged = await api(sim, 'PUT', `${path}/merge`, { token, body: {} });
    expect(merged.status).toBe(200);
    const seen = await payloads();
    expect(seen.map((d) => `${d.event}:${d.body.action ?? d.body.ref}`)).toEqual([
      'pull_request:edited',
      'pull_request:closed',
      'pull_request:reopened',
      'push:refs/heads/main',
      'pull_request:closed',
    ]);
    expect(seen[0]!.body.changes).toEqual({ title: { from: 'Add c' } });
    expect(seen[1]!.body.pull_request).toMatchObject({ state: 'closed', merged: false });
    expect(seen[3]!.body).toMatchObject({ before: main, after: merged.body.sha });
    expect(seen[4]!.body.pull_request).toMatchObject({ state: 'closed', merged: true, merge_commit_sha: merged.body.sha });
    for (const delivery of seen)
      expect(problemsWith(webhookSchema(delivery.event, delivery.event === 'push' ? null : delivery.body.action)!, delivery.body), `${delivery.event} ${delivery.body.action}`).toBeFalsy();
  });

  it('sends push for a file deleted through the contents API, with the file in removed', async () => {
    const token = await w.mint();
    const file = await api(sim, 'GET', '/repos/octo-org/made-by-app/contents/README.md', { token });
    await payloads();
    sim.webhooks.deliveries.splice(0);
    const deleted = await api(sim, 'DELETE', '/repos/octo-org/made-by-app/contents/README.md', {
      token,
      body: { message: 'drop the readme', sha: file.body.sha },
    });
    expect(deleted.status).toBe(200);
    const [push] = await payloads();
    expect(push!.body).toMatchObject({ ref: 'refs/heads/main', after: deleted.body.commit.sha });
    expect(push!.body.commits.map((c: { message: string; removed: string[] }) => [c.message, c.removed])).toEqual([['drop the readme', ['README.md']]]);
    expect(problemsWith(webhookSchema('push', null)!, push!.body)).toBeFalsy();
  });

  it('sends pull_request and repository events only to installations that subscribe to them', async () => {
    w.installation.permissions = { ...w.installation.permissions, pull_requests: 'write' };
    w.installation.events = w.installation.events.filter((e) => e !== 'pull_request' && e !== 'repository');
    const token = await w.mint();
    const main = await sim.world.git.headSha(w.inRepo.gitDir, 'main');
    await api(sim, 'POST', '/repos/octo-org/made-by-app/git/refs', { token, body: { ref: 'refs/heads/feature', sha: main } });
    await api(sim, 'PUT', '/repos/octo-org/made-by-app/contents/c.md', {
      token,
      body: { message: 'add c', content: Buffer.from('c').toString('base64'), branch: 'feature' },
    });
    expect((await api(sim, 'POST', '/repos/octo-org/made-by-app/pulls', { token, body: { title: 'Add c', head: 'feature', base: 'main' } })).status).toBe(201);
    expect((await api(sim, 'PATCH', '/repos/octo-org/made-by-app', { token, body: { description: 'tickets' } })).status).toBe(200);
    const events = (await payloads()).map((d) => d.event);
    expect(events).toContain('push');
    expect(events.filter((e) => e === 'pull_request' || e === 'repository')).toEqual([]);
  });
});
