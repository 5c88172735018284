import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCredentialInput } from '../src/git-credential-protocol.js';
import { runGitCredential } from '../src/index.js';
import { helperAppEnv, startWorld } from './helpers.js';
import { buildPlainHelper } from './plain-js-helper.js';

const exec = promisify(execFile);

describe('the git helper without Redis: an encrypted file tier shared by its processes', () => {
  let world: Awaited<ReturnType<typeof startWorld>>;
  let helper: Awaited<ReturnType<typeof buildPlainHelper>>;
  let work: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    [world, helper] = await Promise.all([startWorld(), buildPlainHelper()]);
    work = mkdtempSync(join(tmpdir(), 'hubgate-file-tier-'));
    env = {
      ...helperAppEnv(world, work),
      GIT_TERMINAL_PROMPT: '0',
      REDIS_URL: '',
      HUBGATE_URL: '',
      HUBGATE_CACHE_DIR: join(work, 'cache'),
    };
  });
  afterAll(async () => {
    await world.sim.close();
    helper.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  const git = (args: string[], cwd?: string, gitEnv = env) =>
    exec(
      'git',
      ['-c', 'credential.helper=', '-c', `credential.helper=!node ${helper.bin}`, '-c', 'credential.useHttpPath=true', ...args],
      { cwd, env: gitEnv },
    );
  const ask = (repo: string) => `protocol=http\nhost=${new URL(world.sim.webUrl).host}\npath=tisket-com/${repo}.git\n\n`;

  it('hands git a freshly minted token only once it is the minimum age, and a cached one at once', async () => {
    const aged = { ...env, HUBGATE_GIT_MIN_TOKEN_AGE_MS: '1500', HUBGATE_CACHE_DIR: join(work, 'cache-min-age') };
    const mints = world.sim.mintCount();
    const coldStart = performance.now();
    const cold = await runGitCredential('get', { stdin: ask('engineering.tickets'), env: aged });
    const coldMs = performance.now() - coldStart;
    expect(cold.stdout).toContain('password=ghs_');
    expect(world.sim.mintCount() - mints).toBe(1);
    expect(coldMs).toBeGreaterThanOrEqual(1450);
    const warmStart = performance.now();
    const warm = await runGitCredential('get', { stdin: ask('engineering.tickets'), env: aged });
    expect(performance.now() - warmStart).toBeLessThan(1500);
    expect(warm.stdout).toBe(cold.stdout);
    const bad = await runGitCredential('get', { stdin: ask('engineering.tickets'), env: { ...aged, HUBGATE_GIT_MIN_TOKEN_AGE_MS: 'soon' } });
    expect(bad.stderr).toMatch(/HUBGATE_GIT_MIN_TOKEN_AGE_MS must be a whole number of milliseconds/);
  });

  it('mints once for a clone and 50 consecutive fetches, each a new helper process', async () => {
    const dir = join(work, 'guide');
    // Its own cache directory: another test may have left this repository's token in the shared one.
    const own = { ...env, HUBGATE_CACHE_DIR: join(work, 'cache-clone') };
    const mintsBefore = world.sim.mintCount();
    await git(['clone', '--quiet', `${world.sim.webUrl}/tisket-com/developer-guide.git`, dir], undefined, own);
    for (let i = 0; i < 50; i++) await git(['fetch', '--quiet', 'origin'], dir, own);
    expect(world.sim.requestCount('GIT git-upload-pack')).toBeGreaterThanOrEqual(51);
    expect(world.sim.mintCount() - mintsBefore).toBe(1);
  }, 180_000);

  it('answers a cached get without loading the sources, Octokit or ioredis', async () => {
    // A helper build of its own: this test removes its lazy chunks, which the other tests' helper needs.
    const own = await buildPlainHelper();
    try {
      const input = ask('engineering.tickets');
      const run = () =>
        new Promise<string>((resolve, reject) => {
          const child = execFile('node', [own.bin, 'get'], { env }, (error, stdout, stderr) =>
            error ? reject(new Error(stderr)) : resolve(stdout),
          );
          child.stdin!.end(input);
        });
      const first = parseCredentialInput(await run());
      // Only the entry and what it imports statically stay: a miss would need the removed chunks.
      for (const chunk of own.lazyChunks) rmSync(chunk);
      expect(own.lazyChunks.length).toBeGreaterThan(0);
      const second = parseCredentialInput(await run());
      expect(second.password).toBe(first.password);
    } finally {
      own.dispose();
    }
  });

  it('mints once when several helper processes miss at the same moment', async () => {
    const concurrentEnv = { ...env, HUBGATE_CACHE_DIR: join(work, 'cache-concurrent') };
    const before = world.sim.mintCount();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => runGitCredential('get', { stdin: ask('developer-guide'), env: concurrentEnv })),
    );
    expect(new Set(answers.map((a) => parseCredentialInput(a.stdout).password)).size).toBe(1);
    expect(world.sim.mintCount() - before).toBe(1);
  });

  it('keeps the tier private: directory 0700, key and entries 0600, no token in clear', async () => {
    const result = await runGitCredential('get', { stdin: ask('developer-guide'), env });
    const token = parseCredentialInput(result.stdout).password as string;
    const cache = join(work, 'cache');
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    const files = readdirSync(cache);
    expect(files).toContain('key');
    expect(files.filter((f) => f.startsWith('t-')).length).toBeGreaterThan(0);
    for (const file of files) {
      expect(statSync(join(cache, file)).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(cache, file), 'utf8')).not.toContain(token);
    }
  });

  it('drops the token on erase, so the next get mints a new one', async () => {
    const input = ask('developer-guide');
    const first = parseCredentialInput((await runGitCredential('get', { stdin: input, env })).stdout);
    const cached = parseCredentialInput((await runGitCredential('get', { stdin: input, env })).stdout);
    expect(cached.password).toBe(first.password);
    await runGitCredential('erase', {
      stdin: `${input.trimEnd()}\nusername=x-access-token\npassword=${first.password}\n\n`,
      env,
    });
    const after = parseCredentialInput((await runGitCredential('get', { stdin: input, env })).stdout);
    expect(after.password).not.toBe(first.password);
  });

  it('never answers from the cache for a configuration that no longer allows http', async () => {
    await runGitCredential('get', { stdin: ask('developer-guide'), env });
    const strict = await runGitCredential('get', { stdin: ask('developer-guide'), env: { ...env, GITHUB_APP_ALLOW_HTTP: '' } });
    expect(strict).toMatchObject({ stdout: '', exitCode: 1 });
    expect(strict.stderr).toMatch(/plain http/);
  });
});
