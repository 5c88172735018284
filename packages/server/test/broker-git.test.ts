import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acme, askToken, connected, createAgentKey, createLooseRepository, createProject, tisket } from './broker-fixtures.js';
import { type Harness, startHarness } from './service-harness.js';

const run = promisify(execFile);

/**
 * A git credential helper that knows nothing but the broker's URL and an agent key (the library's remote mode
 * is being built on another branch): on `get` it asks POST /api/v1/tokens for the repository git names.
 */
const helperSource = `
const input = require('node:fs').readFileSync(0, 'utf8');
if (process.argv[2] !== 'get') process.exit(0);
const attrs = Object.fromEntries(input.split('\\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
fetch(process.env.HUBGATE_URL + '/api/v1/tokens', {
  method: 'POST',
  headers: { authorization: 'Bearer ' + process.env.HUBGATE_AGENT_KEY, 'content-type': 'application/json' },
  body: JSON.stringify({ repository: attrs.protocol + '://' + attrs.host + '/' + attrs.path, minValidityMs: 15 * 60000 }),
}).then(async (r) => {
  if (!r.ok) { process.stderr.write('broker: HTTP ' + r.status + '\\n'); process.exit(0); }
  const body = await r.json();
  process.stdout.write('username=x-access-token\\npassword=' + body.token + '\\n');
});
`;

describe('git through the broker, with no app key on the machine', () => {
  let h: Harness;
  let work: string;
  let helper: string;
  let tisketInstallation: number;
  beforeAll(async () => {
    h = await startHarness({ driver: 'postgres' });
    tisketInstallation = await connected(h, await h.signIn('user_ada'), 'ada', 'tisket-com');
    await connected(h, await h.signIn('user_cyd'), 'cyd', 'acme-corp');
    work = mkdtempSync(join(tmpdir(), 'hubgate-broker-git-'));
    helper = join(work, 'broker-helper.cjs');
    writeFileSync(helper, helperSource);
  });
  afterAll(async () => {
    await h.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** git as an agent runs it: its own HOME, no system config, only the broker's URL and its key. */
  const agentGit = (key: string, cwd: string, ...args: string[]) =>
    run(
      'git',
      ['-c', `credential.helper=!node ${helper}`, '-c', 'credential.useHttpPath=true', '-c', 'protocol.version=2', ...args],
      {
        cwd,
        env: {
          PATH: process.env.PATH,
          HOME: work,
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_TERMINAL_PROMPT: '0',
          GIT_AUTHOR_NAME: 'Agent',
          GIT_AUTHOR_EMAIL: 'agent@example.com',
          GIT_COMMITTER_NAME: 'Agent',
          GIT_COMMITTER_EMAIL: 'agent@example.com',
          HUBGATE_URL: h.hub.url,
          HUBGATE_AGENT_KEY: key,
        },
      },
    );

  it('clones and pushes the tenant’s project; the pushed commit is on GitHub', async () => {
    const ada = await h.signIn('user_ada');
    const { repo } = await createProject(h, tisket, 'tisket-com', 'agent-workspace', { installationId: tisketInstallation });
    const key = await createAgentKey(h, ada, 'worktree agent');
    const url = `${h.hub.sandbox!.sim.webUrl}/tisket-com/${repo.name}.git`;
    const dir = join(work, 'clone');
    await agentGit(key.key, work, 'clone', '--quiet', url, dir);
    writeFileSync(join(dir, 'agent.txt'), 'written by an agent\n');
    await agentGit(key.key, dir, 'add', 'agent.txt');
    await agentGit(key.key, dir, 'commit', '--quiet', '-m', 'agent commit');
    await agentGit(key.key, dir, 'push', '--quiet', 'origin', 'HEAD');
    const head = (await agentGit(key.key, dir, 'rev-parse', 'HEAD')).stdout.trim();
    const remote = (await agentGit(key.key, work, 'ls-remote', url, 'HEAD')).stdout.split('\t')[0];
    expect(remote).toBe(head);
    const { stdout } = await run('git', ['--git-dir', repo.gitDir, 'log', '-1', '--format=%s']);
    expect(stdout.trim()).toBe('agent commit');
  });

  it('gets nothing for another tenant’s repository or a repository of its account that is no project', async () => {
    const ada = await h.signIn('user_ada');
    const key = await createAgentKey(h, ada, 'curious agent');
    const { repo: theirs } = await createProject(h, acme, 'acme-corp', 'acme-private');
    const loose = await createLooseRepository(h, 'tisket-com', 'tisket-not-a-project', tisketInstallation);
    for (const target of [`acme-corp/${theirs.name}`, `tisket-com/${loose.name}`]) {
      const url = `${h.hub.sandbox!.sim.webUrl}/${target}.git`;
      expect((await askToken(h.hub.url, key.key, { repository: url })).status).toBe(404);
      await expect(agentGit(key.key, work, 'ls-remote', url)).rejects.toThrow(/Authentication failed|could not read|terminal prompts disabled/);
    }
  });

  it('a token issued for one repository is refused by GitHub for any other, over git too', async () => {
    const ada = await h.signIn('user_ada');
    const { repo } = await createProject(h, tisket, 'tisket-com', 'scoped-one', { installationId: tisketInstallation });
    const { repo: sibling } = await createProject(h, tisket, 'tisket-com', 'scoped-two', { installationId: tisketInstallation });
    const key = await createAgentKey(h, ada, 'scoped agent');
    const token = (await askToken(h.hub.url, key.key, { repository: `tisket-com/${repo.name}` })).body.token as string;
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
    const withToken = (name: string) =>
      run('git', ['-c', `http.extraHeader=Authorization: Basic ${basic}`, 'ls-remote', `${h.hub.sandbox!.sim.webUrl}/tisket-com/${name}.git`], {
        env: { PATH: process.env.PATH, HOME: work, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' },
      });
    expect((await withToken(repo.name)).stdout).toMatch(/HEAD/);
    await expect(withToken(sibling.name)).rejects.toThrow();
    // Read-only tokens fetch but do not push.
    const readOnly = (await askToken(h.hub.url, key.key, { repository: `tisket-com/${repo.name}`, permissions: { contents: 'read' } })).body
      .token as string;
    const response = await fetch(`${h.hub.sandbox!.sim.webUrl}/tisket-com/${repo.name}.git/info/refs?service=git-receive-pack`, {
      headers: { authorization: `Basic ${Buffer.from(`x-access-token:${readOnly}`).toString('base64')}` },
    });
    expect(response.status).toBe(403);
  });
});

const libraryHelper = join(import.meta.dirname, '../../github-auth/bin/hubgate-git-credential.mjs');

describe('the library’s git helper hands a broker token only to the project’s own host', () => {
  let h: Harness;
  let work: string;
  let installationId: number;
  let attacker: { url: string; authorizations: string[]; close: () => Promise<unknown> };
  beforeAll(async () => {
    h = await startHarness();
    installationId = await connected(h, await h.signIn('user_ada'), 'ada', 'tisket-com');
    work = mkdtempSync(join(tmpdir(), 'hubgate-host-bound-'));
    // Another host that asks git for credentials, as a redirect's or a submodule's target would.
    const authorizations: string[] = [];
    const { serve } = await import('@hono/node-server');
    const { Hono } = await import('hono');
    const app = new Hono();
    app.all('*', (c) => {
      const auth = c.req.header('authorization');
      if (auth) authorizations.push(auth);
      return c.text('who are you', 401, { 'www-authenticate': 'Basic realm="git"' });
    });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    const port = (server.address() as { port: number }).port;
    attacker = { url: `http://127.0.0.1:${port}`, authorizations, close: () => new Promise((resolve) => server.close(resolve)) };
  });
  afterAll(async () => {
    await attacker.close();
    await h.close();
    rmSync(work, { recursive: true, force: true });
  });

  const helperEnv = (key: string) => ({
    PATH: process.env.PATH,
    HOME: work,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    HUBGATE_URL: h.hub.url,
    HUBGATE_AGENT_KEY: key,
    HUBGATE_ALLOW_HTTP_REMOTES: '1',
    HUBGATE_CACHE_DIR: join(work, 'cache'),
    GIT_AUTHOR_NAME: 'Agent',
    GIT_AUTHOR_EMAIL: 'agent@example.com',
    GIT_COMMITTER_NAME: 'Agent',
    GIT_COMMITTER_EMAIL: 'agent@example.com',
  });
  const git = (key: string, cwd: string, ...args: string[]) =>
    run('git', ['-c', `credential.helper=!node ${libraryHelper}`, '-c', 'credential.useHttpPath=true', '-c', 'protocol.file.allow=always', ...args], {
      cwd,
      env: helperEnv(key),
    });

  it('prints no password for a project repository named on another host (the attack in the issue)', async () => {
    const ada = await h.signIn('user_ada');
    const name = `host-bound-${Date.now().toString(36)}`;
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const key = await createAgentKey(h, ada, 'host bound');
    const child = execFile('node', [libraryHelper, 'get'], { env: helperEnv(key.key) });
    child.stdin!.end(`protocol=https\nhost=evil.example\npath=tisket-com/${name}.git\n\n`);
    const [stdout, stderr] = await Promise.all([
      new Promise<string>((resolve) => { let out = ''; child.stdout!.on('data', (d) => (out += d)); child.stdout!.on('end', () => resolve(out)); }),
      new Promise<string>((resolve) => { let out = ''; child.stderr!.on('data', (d) => (out += d)); child.stderr!.on('end', () => resolve(out)); }),
    ]);
    expect(stdout).not.toContain('password=');
    expect(stderr).toContain(`only for ${h.hub.sandbox!.sim.webUrl}; refused for https://evil.example`);
    const direct = await askToken(h.hub.url, key.key, { repository: `https://evil.example/tisket-com/${name}.git` });
    expect(direct.status).toBe(403);
    expect(direct.body.error.message).toBe(
      `Tokens for tisket-com/${name} are only for ${h.hub.sandbox!.sim.webUrl}; refused for https://evil.example.`,
    );
  });

  it('clones the project but gives a submodule on another host, and a host that asks for credentials, nothing', async () => {
    const ada = await h.signIn('user_ada');
    const name = `with-submodule-${Date.now().toString(36)}`;
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const key = await createAgentKey(h, ada, 'submodule agent');
    const web = h.hub.sandbox!.sim.webUrl;
    const url = `${web}/tisket-com/${name}.git`;
    const first = join(work, `${name}-a`);
    await git(key.key, work, 'clone', '--quiet', url, first);
    // The submodule points at the attacker's host, which answers 401 to get credentials.
    writeFileSync(join(first, '.gitmodules'), `[submodule "vendor"]\n\tpath = vendor\n\turl = ${attacker.url}/tisket-com/${name}.git\n`);
    const { stdout: tree } = await run('git', ['-C', first, 'rev-parse', 'HEAD']);
    await run('git', ['-C', first, 'update-index', '--add', '--cacheinfo', `160000,${tree.trim()},vendor`]);
    await git(key.key, first, 'add', '.gitmodules');
    await git(key.key, first, 'commit', '--quiet', '-m', 'add a submodule elsewhere');
    await git(key.key, first, 'push', '--quiet', 'origin', 'HEAD');

    const second = join(work, `${name}-b`);
    const cloned = await git(key.key, work, 'clone', '--recurse-submodules', url, second).then(
      () => ({ ok: true, stderr: '' }),
      (error: { stderr: string }) => ({ ok: false, stderr: error.stderr }),
    );
    expect(cloned.ok).toBe(false);
    expect(cloned.stderr).toContain(`refused for ${attacker.url}`);
    expect(attacker.authorizations).toEqual([]);
    // The project itself came through.
    const { stdout } = await run('git', ['-C', second, 'log', '-1', '--format=%s']);
    expect(stdout.trim()).toBe('add a submodule elsewhere');
  });
});
