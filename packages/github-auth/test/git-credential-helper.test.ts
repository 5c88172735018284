import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCredentialOutput, parseCredentialInput, runGitCredential } from '../src/index.js';
import { startWorld } from './helpers.js';

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
    const keyPath = join(work, 'app.pem');
    writeFileSync(keyPath, world.privateKey);
    env = {
      ...process.env,
      GITHUB_APP_CLIENT_ID: world.clientId,
      GITHUB_APP_PRIVATE_KEY_PATH: keyPath,
      GITHUB_API_URL: world.sim.apiUrl,
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
      REDIS_URL: '',
      HUBGATE_BROKER_URL: '',
      HUBGATE_GIT_CACHE_DIR: join(work, 'answers'),
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

  it('answers a repeated get from its encrypted local cache, and forgets it on erase', async () => {
    const stdin = `protocol=http\nhost=${new URL(world.sim.webUrl).host}\npath=tisket-com/developer-guide.git\n\n`;
    const helper = (operation: string, input: string, extraEnv: NodeJS.ProcessEnv = {}) =>
      new Promise<string>((resolve, reject) => {
        const child = execFile('node', [helperBin, operation], { env: { ...env, ...extraEnv } }, (error, stdout) =>
          error ? reject(error) : resolve(stdout),
        );
        child.stdin!.end(input);
      });
    const first = await helper('get', stdin);
    const mints = world.sim.mintCount();
    // A new process without Redis would mint again: the same answer with no mint came from the cache.
    expect(await helper('get', stdin)).toBe(first);
    expect(world.sim.mintCount()).toBe(mints);
    const token = parseCredentialInput(first).password as string;
    const entries = readdirSync(join(work, 'answers'));
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(readFileSync(join(work, 'answers', entry), 'utf8')).not.toContain(token);
    // Another setting is another answer.
    await helper('get', stdin, { HUBGATE_GIT_MIN_VALIDITY_SECONDS: '600' });
    expect(world.sim.mintCount()).toBe(mints + 1);
    await helper('erase', `${stdin.trimEnd()}\nusername=x-access-token\npassword=${token}\n\n`);
    expect(await helper('get', stdin)).not.toBe(first);
    expect(world.sim.mintCount()).toBe(mints + 2);
  });

  it('refuses an unknown operation and a missing host, and ignores store', async () => {
    expect((await runGitCredential('fetch', { stdin: '', env })).stderr).toMatch(/unknown operation/);
    expect((await runGitCredential('get', { stdin: 'protocol=https\n\n', env })).stderr).toMatch(/no host/);
    expect(await runGitCredential('store', { stdin: 'protocol=https\nhost=x\npassword=p\n\n', env })).toEqual(
      { stdout: '', stderr: '', exitCode: 0 },
    );
  });
});
