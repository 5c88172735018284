import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../src/cli/doctor.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { type Harness, startHarness } from './service-harness.js';

describe('API callers with bearer tokens', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const call = (path: string, token: string, method = 'GET') => fetch(`${h.hub.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });

  it("accepts a JWT signed by the issuer's JWKS, with tenant and role from its claims, and needs no CSRF token", async () => {
    const adaToken = await h.hub.sandbox!.issueAccessToken('user_ada');
    const connection = await call('/api/github/connection', adaToken);
    expect(connection.status).toBe(200);
    expect(((await connection.json()) as { canManage: boolean }).canManage).toBe(true);
    const connect = await call('/api/github/connect', adaToken, 'POST');
    expect(connect.status).toBe(200);
  });

  it('refuses a member, a forged, an expired and a malformed token', async () => {
    const bob = await h.hub.sandbox!.issueAccessToken('user_bob');
    expect((await call('/api/github/connect', bob, 'POST')).status).toBe(403);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ org_id: 'org_01TISKET', role: 'admin' })
      .setProtectedHeader({ alg: 'RS256', kid: 'sandbox' })
      .setIssuer(h.hub.oidc.issuer)
      .setSubject('user_ada')
      .setExpirationTime('5m')
      .sign(privateKey);
    expect((await call('/api/github/connection', forged)).status).toBe(401);
    const expired = await h.hub.sandbox!.issueAccessToken('user_ada', { expiresIn: '-5m' });
    expect((await call('/api/github/connection', expired)).status).toBe(401);
    expect((await call('/api/github/connection', 'not-a-jwt')).status).toBe(401);
  });
});

describe('configuration', () => {
  it('lists every problem at once', () => {
    try {
      loadConfig({ GITHUB_APP_ID: 'abc', PORT: 'eighty' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.join('\n')).toMatch(/PORT/);
      expect((error as ConfigError).problems.join('\n')).toMatch(/GITHUB_APP_ID: must be the numeric App ID/);
    }
    try {
      loadConfig({ GITHUB_APP_CLIENT_ID: 'Iv1.x' });
      expect.unreachable();
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['GITHUB_APP_CLIENT_SECRET', 'GITHUB_APP_SLUG', 'GITHUB_APP_PRIVATE_KEY', 'GITHUB_APP_WEBHOOK_SECRET', 'HUBGATE_SECRET_KEY', 'OIDC_ISSUER']) {
        expect(problems).toContain(name);
      }
    }
  });

  it('names each bad value by its variable: a key that does not parse, keys of the wrong size, URLs of the wrong kind', () => {
    try {
      loadConfig({
        GITHUB_APP_CLIENT_ID: 'Iv1.x',
        GITHUB_APP_PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----',
        HUBGATE_SECRET_KEY: 'too-short',
        DATABASE_URL: 'mysql://db/hubgate',
        REDIS_URL: 'http://cache',
        HUBGATE_CACHE_KEY: 'ab',
      });
      expect.unreachable();
    } catch (error) {
      const problems = (error as ConfigError).problems;
      expect(problems.find((p) => p.startsWith('GITHUB_APP_PRIVATE_KEY:'))).toMatch(/first line|cut|incomplete|PEM/i);
      expect(problems).toContain('HUBGATE_SECRET_KEY: must be 32 bytes, as 64 hex characters or base64 (openssl rand -hex 32)');
      expect(problems).toContain('HUBGATE_CACHE_KEY: must be 32 bytes, as 64 hex characters or base64 (openssl rand -hex 32)');
      expect(problems).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
      expect(problems).toContain('REDIS_URL: must be a redis:// or rediss:// URL');
    }
  });

  it('reads an optional YAML file with the same names as the environment, the environment winning', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'hubgate-config-'));
    const file = join(dir, 'hubgate.yaml');
    writeFileSync(file, 'PORT: 4100\nLOG_LEVEL: warn\nOIDC_ORG_CLAIM: tenant\n');
    const config = loadConfig({ HUBGATE_CONFIG_FILE: file, LOG_LEVEL: 'debug' });
    expect(config).toMatchObject({ port: 4100, logLevel: 'debug' });
    writeFileSync(file, 'PORTT: 1\nPORT: [1]\n');
    expect(() => loadConfig({ HUBGATE_CONFIG_FILE: file })).toThrow(/unknown setting PORTT[\s\S]*PORT must be a plain value/);
    expect(() => loadConfig({ HUBGATE_CONFIG_FILE: join(dir, 'missing.yaml') })).toThrow(/cannot read/);
  });

  it('starts the sandbox when nothing is configured, and requires the cache key with Redis', () => {
    expect(loadConfig({}).github).toBeUndefined();
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(/HUBGATE_CACHE_KEY/);
  });
});

describe('hubgate doctor', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const envFor = (overrides: Record<string, string> = {}) => {
    const g = h.hub.github;
    return {
      GITHUB_APP_ID: String(g.appId),
      GITHUB_APP_CLIENT_ID: g.clientId,
      GITHUB_APP_CLIENT_SECRET: g.clientSecret,
      GITHUB_APP_SLUG: g.slug,
      GITHUB_APP_PRIVATE_KEY: g.privateKey!,
      GITHUB_APP_WEBHOOK_SECRET: g.webhookSecrets[0]!,
      GITHUB_API_URL: g.apiUrl,
      GITHUB_WEB_URL: g.webUrl,
      HUBGATE_SECRET_KEY: 'a'.repeat(64),
      OIDC_ISSUER: h.hub.oidc.issuer,
      OIDC_CLIENT_ID: 'x',
      OIDC_CLIENT_SECRET: 'y',
      HUBGATE_DATA_DIR: `${h.hub.config.dataDir}/doctor`,
      PUBLIC_URL: h.hub.url,
      ...overrides,
    };
  };

  it('passes on a correct app and reports clock skew', async () => {
    const lines: string[] = [];
    expect(await runDoctor(envFor(), (l) => lines.push(l))).toBe(0);
    expect(lines.join('\n')).toMatch(/belong to app "tisket"/);
    expect(lines.join('\n')).toMatch(/clock skew with GitHub: -?\d+ s/);
  });

  it('names a key of another app, without printing secrets', async () => {
    const other = h.hub.sandbox!.sim.addApp({ slug: 'someone-else', ownerLogin: 'acme-corp' });
    const lines: string[] = [];
    expect(await runDoctor(envFor({ GITHUB_APP_PRIVATE_KEY: other.privateKey! }), (l) => lines.push(l))).toBe(1);
    const out = lines.join('\n');
    expect(out).toMatch(/different apps/);
    expect(out).not.toContain('PRIVATE KEY');
  });
});

describe('metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('exposes tokens minted, cache hits by tier and webhook deliveries in Prometheus format', async () => {
    const ada = await h.signIn('user_ada');
    await h.connect(ada, 'ada', 'tisket-com');
    const { installationId } = (await h.api(ada, 'GET', '/api/github/connection')).body;
    await h.hub.apps.system.tokens.getToken({ installationId });
    await h.hub.apps.system.tokens.getToken({ installationId });
    const text = await (await fetch(`${h.hub.url}/metrics`)).text();
    expect(text).toMatch(/^hubgate_tokens_minted_total 1$/m);
    expect(text).toMatch(/^hubgate_token_cache_hits_total\{tier="process"\} 1$/m);
    expect(text).toMatch(/hubgate_webhook_deliveries_total\{event="installation",outcome="[a-z]+"\} \d+/);
    expect(text).toMatch(/^hubgate_github_rate_limit_remaining \d+$/m);
  });
});
