import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCredentialOutput, parseCredentialInput } from '../src/git-credential-protocol.js';
import { runGitCredential } from '../src/index.js';
import { helperAppEnv, startWorld } from './helpers.js';

const exec = promisify(execFile);
const helperBin = fileURLToPath(new URL('../bin/hubgate-git-credential.mjs', import.meta.url));

describe('git credential protocol', () => {
  it('reads key=value lines up to a blank line, with multi-valued keys', () => {
    const attrs = parseCredentialInput(
      'protocol=https\nhost=github.com\nwwwauth[]=Basic realm="GitHub"\nwwwauth[]=Bearer\n\nignored=1\n',
    );
    expect(attrs).toMatchObject({
      protocol: 'https',
      host: 'github.com',
      'wwwauth[]': ['Basic realm="GitHub"', 'Bearer'],
    });
    expect(attrs.ignored).toBeUndefined();
  });

  it('refuses malformed input and values with newlines', () => {
    expect(() => parseCredentialInput('protocol\n')).toThrow(/key=value/);
    expect(() => formatCredentialOutput({ password: 'a\nb' })).toThrow(/newline/);
  });
});

describe('hubgate-git-credential with real git against the simulator', () => {
  let world: Awaited<ReturnType<typeof startWorld>>;
  let work: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    world = await startWorld();
    work = mkdtempSync(join(tmpdir(), 'hubgate-git-'));
    env = {
      ...helperAppEnv(world, work),
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
      REDIS_URL: '',
      HUBGATE_URL: '',
      HUBGATE_CACHE_DIR: join(work, 'cache'),
    };
  });
  afterAll(async () => {
    await world.sim.close();
    rmSync(work, { recursive: true, force: true });
  });

  const git = (
    args: string[],
    options: { cwd?: string; useHttpPath?: boolean; extraEnv?: NodeJS.ProcessEnv } = {},
  ) =>
    exec(
      'git',
      [
        '-c',
        'credential.helper=',
        '-c',
        `credential.helper=!node ${helperBin}`,
        '-c',
        `credential.useHttpPath=${options.useHttpPath ?? true}`,
        ...args,
      ],
      { cwd: options.cwd, env: { ...env, ...options.extraEnv } },
    );

  it('clones and pushes a repository the app reaches', async () => {
    const dir = join(work, 'guide');
    await git(['clone', '--quiet', `${world.sim.webUrl}/tisket-com/developer-guide.git`, dir]);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain('developer-guide');
    writeFileSync(join(dir, 'ticket.md'), 'TKT-033\n');
    await git(['add', '.'], { cwd: dir });
    await git(['commit', '--quiet', '-m', 'ticket'], { cwd: dir });
    await git(['push', '--quiet', 'origin', 'main'], { cwd: dir });
    const repo = world.sim.store.findRepo('tisket-com', 'developer-guide')!;
    expect((await world.sim.world.git.readFile(repo.gitDir, 'main', 'ticket.md'))?.content.toString()).toBe(
      'TKT-033\n',
    );
  });

  it('fails, naming why, for a repository the app was not given', async () => {
    const error = await git([
      'clone',
      '--quiet',
      `${world.sim.webUrl}/tisket-com/customer-code.git`,
      join(work, 'customer'),
    ]).catch((e) => e);
    expect(error.stderr).toMatch(/not installed for tisket-com\/customer-code/);
  });

  it("answers from the host alone when git sends no path, given the source's installation id", async () => {
    const dir = join(work, 'hostonly');
    await git(['clone', '--quiet', `${world.sim.webUrl}/tisket-com/engineering.tickets.git`, dir], {
      useHttpPath: false,
      extraEnv: { GITHUB_APP_INSTALLATION_ID: String(world.installationId) },
    });
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain('engineering.tickets');
  });

  it('scopes the token to the one repository and gives git its expiry', async () => {
    const result = await runGitCredential('get', {
      stdin: `protocol=http\nhost=${new URL(world.sim.webUrl).host}\npath=tisket-com/developer-guide.git\n\n`,
      env,
    });
    expect(result.exitCode).toBe(0);
    const out = parseCredentialInput(result.stdout);
    expect(out.username).toBe('x-access-token');
    expect(Number(out.password_expiry_utc) * 1000 - Date.now()).toBeGreaterThan(15 * 60_000);
    const listed = (await (
      await fetch(`${world.sim.apiUrl}/installation/repositories`, {
        headers: { authorization: `token ${out.password}` },
      })
    ).json()) as {
      repositories: { name: string }[];
    };
    expect(listed.repositories.map((r) => r.name)).toEqual(['developer-guide']);
  });

  it('refuses to send a token to a plain-http remote unless a source allows http, and says how', async () => {
    const strict = { ...env, GITHUB_APP_ALLOW_HTTP: '' };
    const host = new URL(world.sim.webUrl).host;
    const mints = world.sim.mintCount();
    const withPath = await runGitCredential('get', {
      stdin: `protocol=http\nhost=${host}\npath=tisket-com/developer-guide.git\n\n`,
      env: strict,
    });
    expect(withPath).toMatchObject({ stdout: '', exitCode: 1 });
    expect(withPath.stderr).toMatch(/refusing to send a token over plain http.*allowHttp: true.*GITHUB_APP_ALLOW_HTTP=1/);
    const hostOnly = await runGitCredential('get', {
      stdin: `protocol=http\nhost=${host}\n\n`,
      env: { ...strict, GITHUB_APP_INSTALLATION_ID: String(world.installationId) },
    });
    expect(hostOnly.stderr).toMatch(/plain http/);
    expect(world.sim.mintCount()).toBe(mints);
  });

  it('refuses a path with a ".." owner', async () => {
    const result = await runGitCredential('get', {
      stdin: `protocol=http\nhost=${new URL(world.sim.webUrl).host}\npath=../developer-guide.git\n\n`,
      env,
    });
    expect(result).toMatchObject({ stdout: '', exitCode: 1 });
    expect(result.stderr).toMatch(/path segment/);
  });

  it('refuses an unknown operation and a missing host, and ignores store', async () => {
    expect((await runGitCredential('fetch', { stdin: '', env })).stderr).toMatch(/unknown operation/);
    expect((await runGitCredential('get', { stdin: 'protocol=https\n\n', env })).stderr).toMatch(/no host/);
    expect(await runGitCredential('store', { stdin: 'protocol=https\nhost=x\npassword=p\n\n', env })).toEqual(
      { stdout: '', stderr: '', exitCode: 0 },
    );
  });
});
