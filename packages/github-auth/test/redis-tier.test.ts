import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Logger, RedisTokenStore, systemClock, TokenCipher } from '../src/index.js';
import { startWorld } from './helpers.js';

const redisUrl = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379/0';

describe('the Redis tier (real Redis)', () => {
  let admin: Redis;
  let world: Awaited<ReturnType<typeof startWorld>> | null = null;
  const stores: RedisTokenStore[] = [];
  const cipher = new TokenCipher(randomBytes(32));
  const prefix = `hubgate-test:${randomBytes(4).toString('hex')}:`;

  const store = (options: Partial<ConstructorParameters<typeof RedisTokenStore>[0]> = {}) => {
    const s = new RedisTokenStore({
      redis: redisUrl,
      cipher,
      clock: systemClock,
      logger: silent(),
      prefix,
      // Generous: on a loaded test machine the default 250 ms would count slowness as an outage.
      commandTimeoutMs: 2000,
      ...options,
    });
    stores.push(s);
    return s;
  };

  beforeAll(() => {
    admin = new Redis(redisUrl);
  });
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await world?.sim.close();
    world = null;
  });

  it("lets a second process reuse the first one's token: one mint for the fleet", async () => {
    world = await startWorld();
    const a = world.provider({ redis: store() });
    const b = world.provider({ redis: store() });
    const first = await a.getToken({ installationId: world.installationId });
    const second = await b.getToken({ installationId: world.installationId });
    expect(second.token).toBe(first.token);
    expect(world.sim.mintCount()).toBe(1);
    expect(b.stats.redisHits).toBe(1);
  });

  it('keeps tokens encrypted at rest, with a TTL equal to their remaining life', async () => {
    world = await startWorld();
    const shared = store();
    const provider = world.provider({ redis: shared });
    const request = { installationId: world.installationId };
    const token = await provider.getToken(request);
    // The token's own entry, by its key (not whichever key KEYS lists last: there are index keys too).
    const entryKey = shared.entryKey(provider.cacheKey(request));
    const raw = await admin.get(entryKey);
    expect(raw).toMatch(/^[0-9a-f]{8}\./);
    expect(raw).not.toContain(token.token);
    expect(raw).not.toContain('ghs_');
    const ttl = await admin.pttl(entryKey);
    expect(ttl).toBeGreaterThan(59 * 60_000);
    expect(ttl).toBeLessThanOrEqual(60 * 60_000);
    // Nor is the token in clear anywhere else in Redis (indexes hold cache keys and hashes only).
    for (const key of await admin.keys(`${prefix}*`)) {
      const values = (await admin.type(key)) === 'zset' ? await admin.zrange(key, 0, -1) : [await admin.get(key)];
      for (const value of values) expect(value ?? '').not.toContain(token.token);
    }
  });

  it('mints once for a cold burst of 2,000 concurrent requests across four processes', async () => {
    world = await startWorld({ mintLatencyMs: 300 });
    const fleet = [1, 2, 3, 4].map(() => world!.provider({ redis: store() }));
    const tokens = await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        fleet[i % 4]!.getToken({ installationId: world!.installationId }),
      ),
    );
    expect(new Set(tokens.map((t) => t.token)).size).toBe(1);
    expect(world.sim.mintCount()).toBe(1);
  });

  it('mints again in another process when the lock holder fails', async () => {
    world = await startWorld({ mintLatencyMs: 100 });
    world.sim.faults.add({
      route: 'POST /app/installations/{installation_id}/access_tokens',
      status: 404,
      times: 1,
    });
    const a = world.provider({ redis: store() });
    const b = world.provider({ redis: store() });
    const [ra, rb] = await Promise.allSettled([
      a.getToken({ installationId: world.installationId }),
      b.getToken({ installationId: world.installationId }),
    ]);
    // The process whose mint failed reports it; the other one, waiting on the lock, mints for itself.
    expect([ra, rb].filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(world.sim.mintCount()).toBe(1);
  });

  it('answers from the process tier or mints when Redis is down, logs once, and never throws', async () => {
    world = await startWorld();
    const warnings: string[] = [];
    const down = store({
      redis: 'redis://127.0.0.1:1/0',
      logger: { ...silent(), warn: (_o, m) => warnings.push(m ?? '') },
      commandTimeoutMs: 100,
    });
    const provider = world.provider({ redis: down });
    const first = await provider.getToken({ installationId: world.installationId });
    await provider.getToken({ installationId: world.installationId, permissions: { contents: 'read' } });
    expect((await provider.getToken({ installationId: world.installationId })).token).toBe(first.token);
    expect(warnings.filter((w) => /Redis token cache unavailable/.test(w))).toHaveLength(1);
  });

  it('treats a value sealed with another key as a miss', async () => {
    world = await startWorld();
    const a = world.provider({ redis: store() });
    const b = world.provider({ redis: store({ cipher: new TokenCipher(randomBytes(32)) }) });
    const first = await a.getToken({ installationId: world.installationId });
    const second = await b.getToken({ installationId: world.installationId });
    expect(second.token).not.toBe(first.token);
  });

  it('purges a revoked token from Redis too', async () => {
    world = await startWorld();
    const a = world.provider({ redis: store() });
    const b = world.provider({ redis: store() });
    const first = await a.getToken({ installationId: world.installationId });
    await a.invalidate({ token: first.token });
    expect((await b.getToken({ installationId: world.installationId })).token).not.toBe(first.token);
  });
});

function silent(): Logger {
  return { debug() {}, info() {}, warn() {}, error() {} };
}

describe('git erase with the shared tier', () => {
  it('drops the erased token fleet-wide, so the next get mints a new one', async () => {
    const { runGitCredential } = await import('../src/index.js');
    const { parseCredentialInput } = await import('../src/git-credential-protocol.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const world = await startWorld();
    try {
      const keyPath = join(mkdtempSync(join(tmpdir(), 'hubgate-erase-')), 'app.pem');
      writeFileSync(keyPath, world.privateKey);
      const env = {
        GITHUB_APP_CLIENT_ID: world.clientId,
        GITHUB_APP_PRIVATE_KEY_PATH: keyPath,
        GITHUB_API_URL: world.sim.apiUrl,
        GITHUB_APP_ALLOW_HTTP: '1',
        REDIS_URL: redisUrl,
        HUBGATE_CACHE_KEY: randomBytes(32).toString('hex'),
      };
      const ask = `protocol=http\nhost=${new URL(world.sim.webUrl).host}\npath=tisket-com/developer-guide.git\n\n`;
      const first = parseCredentialInput((await runGitCredential('get', { stdin: ask, env })).stdout);
      const again = parseCredentialInput((await runGitCredential('get', { stdin: ask, env })).stdout);
      // A second helper process reads the first one's token from Redis.
      expect(again.password).toBe(first.password);
      expect(world.sim.mintCount()).toBe(1);
      await runGitCredential('erase', { stdin: `${ask.trimEnd()}\nusername=x-access-token\npassword=${first.password}\n\n`, env });
      const after = parseCredentialInput((await runGitCredential('get', { stdin: ask, env })).stdout);
      expect(after.password).not.toBe(first.password);
    } finally {
      await world.sim.close();
    }
  });
});
