import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../src/cli/doctor.js';
import { commands } from '../src/cli/usage.js';
import { freshDatabase } from './db-harness.js';
import { type Harness, startHarness } from './service-harness.js';

const bin = fileURLToPath(new URL('../bin/hubgate.mjs', import.meta.url));

/** Runs the built `hubgate` bin, as an operator would after `npm install @hubgate/server`. */
const hubgate = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, LOG_FORMAT: 'json' } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

describe('hubgate --help', () => {
  it('lists every command and exits 0', async () => {
    for (const args of [['--help'], ['-h'], []]) {
      const { code, stdout } = await hubgate(args);
      expect(code).toBe(0);
      for (const command of commands) expect(stdout).toContain(`  ${command} `);
    }
  });

  it('explains each command with <command> --help and exits 0, without running it', async () => {
    for (const command of commands) {
      const { code, stdout } = await hubgate([command, '--help']);
      expect(code).toBe(0);
      expect(stdout.split('\n')[0]).toMatch(new RegExp(`^hubgate ${command}\\b`));
    }
    expect((await hubgate(['help', 'doctor'])).stdout).toContain('GITHUB_APP_ID');
  });

  it('refuses an unknown command or option with exit code 2, naming it', async () => {
    const unknown = await hubgate(['serv']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no command "serv"');
    const option = await hubgate(['doctor', '--verbose']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("'--verbose'");
  });

  it('says which setting to change when its port is taken, and exits 1', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => taken.once('listening', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const dir = mkdtempSync(join(tmpdir(), 'hubgate-port-'));
      const answer = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [bin, 'serve'],
          { env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', HUBGATE_DATA_DIR: dir, LOG_FORMAT: 'json' }, timeout: 30_000 },
          (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
        );
      });
      rmSync(dir, { recursive: true, force: true });
      expect(answer.code).toBe(1);
      expect(answer.stderr).toContain(`127.0.0.1:${port} is already in use (another hubgate, or another program); set PORT to a free port, e.g. PORT=3001 npm start`);
    } finally {
      taken.close();
    }
  });
});

describe('hubgate doctor against the simulator and the sandbox OpenID provider', () => {
  let h: Harness;
  let postgres: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    h = await startHarness();
    postgres = await freshDatabase('postgres');
  });
  afterAll(async () => {
    await postgres.close();
    await h.close();
  });

  /** A production-shaped configuration of the sandbox's own app: everything right unless overridden. */
  const envFor = (overrides: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const g = h.hub.github;
    return {
      PUBLIC_URL: h.hub.url,
      GITHUB_APP_ID: String(g.appId),
      GITHUB_APP_CLIENT_ID: g.clientId,
      GITHUB_APP_CLIENT_SECRET: g.clientSecret,
      GITHUB_APP_SLUG: g.slug,
      GITHUB_APP_PRIVATE_KEY: g.privateKey!,
      GITHUB_APP_WEBHOOK_SECRET: g.webhookSecrets[0]!,
      GITHUB_API_URL: g.apiUrl,
      GITHUB_WEB_URL: g.webUrl,
      HUBGATE_SECRET_KEY: randomBytes(32).toString('hex'),
      OIDC_ISSUER: h.hub.oidc.issuer,
      OIDC_CLIENT_ID: h.hub.oidc.clientId,
      OIDC_CLIENT_SECRET: h.hub.oidc.clientSecret,
      DATABASE_URL: postgres.url!,
      REDIS_URL: process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379/0',
      HUBGATE_CACHE_KEY: randomBytes(32).toString('base64'),
      ...overrides,
    };
  };
  const doctor = async (env: NodeJS.ProcessEnv) => {
    const lines: string[] = [];
    const code = await runDoctor(env, (line) => lines.push(line));
    return { code, lines, failures: lines.filter((l) => l.startsWith('FAIL')) };
  };

  it('passes a right configuration, checking every part', async () => {
    const { code, lines, failures } = await doctor(envFor());
    expect(failures).toEqual([]);
    expect(code).toBe(0);
    const out = lines.join('\n');
    expect(out).toMatch(/app id, client id and key belong to app "tisket"/);
    expect(out).toMatch(/clock skew with GitHub: -?\d+ s/);
    expect(out).toMatch(/OIDC_ISSUER: discovery document and JWKS \(1 key\(s\)\)/);
    expect(out).toMatch(/DATABASE_URL: database \(PostgreSQL\) reachable/);
    expect(out).toMatch(/REDIS_URL: Redis answers/);
    expect(out).toMatch(/PUBLIC_URL: .*\/healthz answers/);
  });

  it('names GITHUB_APP_ID when it is another app\'s id, though GitHub accepts the JWT (issued by the client id)', async () => {
    const other = h.hub.sandbox!.sim.addApp({ slug: 'other-app', ownerLogin: 'acme-corp' });
    const { code, failures } = await doctor(envFor({ GITHUB_APP_ID: String(other.app.id) }));
    expect(code).toBe(1);
    expect(failures).toEqual([
      `FAIL  GITHUB_APP_ID is ${other.app.id}, but the key belongs to app id ${h.hub.github.appId}`,
    ]);
  });

  it('names GITHUB_APP_SLUG when it is not the app of the key', async () => {
    const { failures } = await doctor(envFor({ GITHUB_APP_SLUG: 'tiskett' }));
    expect(failures).toEqual(['FAIL  GITHUB_APP_SLUG is "tiskett", but the key belongs to app "tisket"']);
  });

  it('names OIDC_ISSUER when the issuer cannot be reached, or serves no discovery document', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = await doctor(envFor({ OIDC_ISSUER: `http://127.0.0.1:${port}` }));
    expect(unreachable.code).toBe(1);
    expect(unreachable.failures).toEqual([
      `FAIL  OIDC_ISSUER: no discovery document at http://127.0.0.1:${port}/.well-known/openid-configuration: fetch failed (ECONNREFUSED)`,
    ]);
    // hubgate itself answers, but is no OpenID provider
    const notAnIssuer = await doctor(envFor({ OIDC_ISSUER: h.hub.url }));
    expect(notAnIssuer.failures).toHaveLength(1);
    expect(notAnIssuer.failures[0]).toMatch(/^FAIL {2}OIDC_ISSUER: no discovery document at .*: HTTP 404$/);
  });

  it('names a weak webhook secret, and unreachable Redis and database, printing no secret', async () => {
    const weak = 'hunter2hunter2';
    const { code, failures } = await doctor(
      envFor({
        GITHUB_APP_WEBHOOK_SECRET: weak,
        REDIS_URL: 'redis://127.0.0.1:1',
        DATABASE_URL: 'postgres://postgres:s3cret-password@127.0.0.1:1/none',
      }),
    );
    expect(code).toBe(1);
    expect(failures.join('\n')).not.toMatch(/hunter2|s3cret-password/);
    expect(failures.map((f) => f.split(/[ :]/)[2]).sort()).toEqual([
      'DATABASE_URL',
      'GITHUB_APP_WEBHOOK_SECRET',
      'REDIS_URL',
    ]);
  });

  it('reports every configuration problem and still checks everything the problems do not touch', async () => {
    const { code, lines, failures } = await doctor(envFor({ HUBGATE_CACHE_KEY: 'too-short', OIDC_CLIENT_SECRET: '' }));
    expect(code).toBe(1);
    expect(failures.map((f) => f.split(/[ :]/)[2]).sort()).toEqual(['HUBGATE_CACHE_KEY', 'OIDC_CLIENT_SECRET']);
    const out = lines.join('\n');
    expect(out).toMatch(/not checked, because of the problems above: .*HUBGATE_CACHE_KEY.*OIDC_CLIENT_ID/);
    // The GitHub App, the database and the public URL are still checked.
    expect(out).toMatch(/app id, client id and key belong to app "tisket"/);
    expect(out).toMatch(/DATABASE_URL: database \(PostgreSQL\) reachable/);
    expect(out).toMatch(/PUBLIC_URL: .*\/healthz answers/);
  });

  it('names a malformed key as the configuration does, printing no part of it', async () => {
    const { code, failures } = await doctor(envFor({ HUBGATE_CACHE_KEY: 'too-short' }));
    expect(code).toBe(1);
    expect(failures.map((f) => f.split(/[ :]/)[2])).toEqual(['HUBGATE_CACHE_KEY']);
    expect(failures.join('\n')).not.toContain('too-short');
  });
});
