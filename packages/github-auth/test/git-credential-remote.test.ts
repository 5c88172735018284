import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCredentialInput } from '../src/git-credential-protocol.js';
import { type InstallationTokenProvider, type PermissionLevel, parseRepoUrl, runGitCredential } from '../src/index.js';
import { startWorld, useToken } from './helpers.js';
import { buildPlainHelper } from './plain-js-helper.js';

const exec = promisify(execFile);
const agentKey = 'hga_test_4f9c2e7a1b';

/**
 * A stand-in for hubgate's broker route (`POST /api/v1/tokens`, `DELETE /api/v1/tokens/current`), written to the
 * contract the helper speaks, until the server's own route exists: one agent key, one project
 * (tisket-com/developer-guide), tokens from a real provider against the simulator.
 */
async function startBroker(world: Awaited<ReturnType<typeof startWorld>>, provider: InstallationTokenProvider) {
  const calls = { tokens: 0, revocations: 0, bodies: [] as unknown[] };
  const app = new Hono();
  app.post('/api/v1/tokens', async (c) => {
    calls.tokens++;
    if (c.req.header('authorization') !== `Bearer ${agentKey}`)
      return c.json({ error: { code: 'unauthenticated', message: 'unknown or revoked agent key' } }, 401);
    const body = (await c.req.json()) as { repository: string; permissions?: Record<string, PermissionLevel>; minValidityMs?: number };
    calls.bodies.push(body);
    const repo = parseRepoUrl(body.repository.includes('/') && !body.repository.includes(':') ? `https://x/${body.repository}` : body.repository);
    if (`${repo.owner}/${repo.repo}`.toLowerCase() !== 'tisket-com/developer-guide')
      return c.json({ error: { code: 'not_found', message: 'no such project' } }, 404);
    const token = await provider.getToken({
      installationId: world.installationId,
      repositoryIds: [world.repoId],
      permissions: body.permissions,
      minValidityMs: body.minValidityMs,
    });
    return c.json({
      token: token.token,
      expiresAt: new Date(token.expiresAt).toISOString(),
      repository: { id: world.repoId, fullName: 'tisket-com/developer-guide', url: `${world.sim.webUrl}/tisket-com/developer-guide.git` },
    });
  });
  app.delete('/api/v1/tokens/current', async (c) => {
    calls.revocations++;
    const token = c.req.header('authorization')?.replace(/^Bearer /, '') ?? '';
    return (await provider.revokeToken(token)) ? c.body(null, 204) : c.body(null, 502);
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, calls, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('the git helper in remote mode (hubgate broker, no app key on the machine)', () => {
  let world: Awaited<ReturnType<typeof startWorld>>;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let helper: Awaited<ReturnType<typeof buildPlainHelper>>;
  let work: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    [world, helper] = await Promise.all([startWorld(), buildPlainHelper()]);
    broker = await startBroker(world, world.provider());
    work = mkdtempSync(join(tmpdir(), 'hubgate-remote-'));
    env = {
      ...process.env,
      GITHUB_APP_CLIENT_ID: '',
      GITHUB_APP_ID: '',
      GITHUB_APP_PRIVATE_KEY: '',
      GITHUB_APP_PRIVATE_KEY_PATH: '',
      HUBGATE_GITHUB_CONFIG: '',
      REDIS_URL: '',
      HUBGATE_URL: broker.url,
      HUBGATE_AGENT_KEY: agentKey,
      // The simulator's git is plain http: allowed here explicitly.
      HUBGATE_ALLOW_HTTP_REMOTES: '1',
      HUBGATE_CACHE_DIR: join(work, 'cache'),
      GIT_TERMINAL_PROMPT: '0',
    };
  });
  afterAll(async () => {
    await broker.close();
    await world.sim.close();
    helper.dispose();
    rmSync(work, { recursive: true, force: true });
  });
  beforeEach(() => {
    rmSync(join(work, 'cache'), { recursive: true, force: true });
  });

  const ask = (repo = 'developer-guide') =>
    `protocol=http\nhost=${new URL(world.sim.webUrl).host}\npath=tisket-com/${repo}.git\n\n`;

  it('clones and fetches with tokens from the broker, asking it once for consecutive operations', async () => {
    const before = broker.calls.tokens;
    const dir = join(work, 'guide');
    const git = (args: string[], cwd?: string) =>
      exec('git', ['-c', 'credential.helper=', '-c', `credential.helper=!node ${helper.bin}`, '-c', 'credential.useHttpPath=true', ...args], { cwd, env });
    await git(['clone', '--quiet', `${world.sim.webUrl}/tisket-com/developer-guide.git`, dir]);
    for (let i = 0; i < 5; i++) await git(['fetch', '--quiet', 'origin'], dir);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain('developer-guide');
    expect(broker.calls.tokens - before).toBe(1);
    expect(broker.calls.bodies.at(-1)).toEqual({
      repository: `${world.sim.webUrl}/tisket-com/developer-guide.git`,
      minValidityMs: 15 * 60_000,
    });
  }, 60_000);

  it('gives git no token for another host than the one the broker names, even from a broker that answers for it', async () => {
    // This stand-in answers any host; the helper itself holds git to the host of the broker's answer.
    const elsewhere = `protocol=http\nhost=localhost:${new URL(world.sim.webUrl).port}\npath=tisket-com/developer-guide.git\n\n`;
    const result = await runGitCredential('get', { stdin: elsewhere, env });
    expect(result.stdout).toBe('');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`is for ${world.sim.webUrl}, not for http://localhost:${new URL(world.sim.webUrl).port}: refused`);
  });

  it('sends the agent key only over https or to this machine', async () => {
    const requested: string[] = [];
    const recording: typeof fetch = async (input) => {
      requested.push(String(input));
      return new Response('{}', { status: 500 });
    };
    const result = await runGitCredential('get', {
      stdin: ask(),
      env: { ...env, HUBGATE_URL: 'http://hubgate.example.com' },
      fetch: recording,
    });
    expect(result).toMatchObject({ stdout: '', exitCode: 1 });
    expect(result.stderr).toMatch(/neither https nor a loopback address/);
    expect(result.stderr).not.toContain(agentKey);
    expect(requested).toEqual([]);
  });

  it('refuses a plain-http remote unless HUBGATE_ALLOW_HTTP_REMOTES=1', async () => {
    const before = broker.calls.tokens;
    const result = await runGitCredential('get', { stdin: ask(), env: { ...env, HUBGATE_ALLOW_HTTP_REMOTES: '' } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/plain http.*HUBGATE_ALLOW_HTTP_REMOTES=1/);
    expect(broker.calls.tokens).toBe(before);
  });

  it("names the broker's refusals without echoing the key", async () => {
    const unknownKey = await runGitCredential('get', { stdin: ask(), env: { ...env, HUBGATE_AGENT_KEY: 'hga_wrong' } });
    expect(unknownKey.stderr).toMatch(/refused the agent key \(HTTP 401: unknown or revoked agent key\)/);
    expect(unknownKey.stderr).not.toContain('hga_wrong');
    const notAProject = await runGitCredential('get', { stdin: ask('customer-code'), env });
    expect(notAProject.stderr).toMatch(/no token for tisket-com\/customer-code \(HTTP 404/);
  });

  it('drops the token on erase and, with HUBGATE_REVOKE_ON_ERASE=1, revokes it through the broker', async () => {
    const first = parseCredentialInput((await runGitCredential('get', { stdin: ask(), env })).stdout);
    expect((await useToken(world.sim, first.password as string)).status).toBe(200);
    const tokensAsked = broker.calls.tokens;
    await runGitCredential('erase', {
      stdin: `${ask().trimEnd()}\nusername=x-access-token\npassword=${first.password}\n\n`,
      env: { ...env, HUBGATE_REVOKE_ON_ERASE: '1' },
    });
    expect(broker.calls.revocations).toBe(1);
    expect((await useToken(world.sim, first.password as string)).status).toBe(401);
    const after = parseCredentialInput((await runGitCredential('get', { stdin: ask(), env })).stdout);
    expect(broker.calls.tokens).toBe(tokensAsked + 1);
    expect(after.password).not.toBe(first.password);
  });
});
