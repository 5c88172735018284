import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningHubgate, startHubgate } from '../src/compose/start-hubgate.js';
import { RedisRateLimiter } from '../src/broker/key-rate-limiter.js';
import { createLogger } from '../src/logger.js';
import { askToken, connected, createAgentKey, createProject, revokeToken, tisket } from './broker-fixtures.js';
import { type Harness, startHarness } from './service-harness.js';

const redisUrl = process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379/0';

/**
 * A second replica of the service: the same PostgreSQL database, configured for the first one's simulated
 * GitHub and sign-in as a real deployment would be (environment variables), with its own process caches.
 */
async function secondReplica(first: RunningHubgate, env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'hubgate-replica-'));
  const github = first.github;
  const hub = await startHubgate({
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      HUBGATE_DATA_DIR: dataDir,
      DATABASE_URL: first.config.databaseUrl!,
      HUBGATE_RECONCILE_INTERVAL_SECONDS: '0',
      GITHUB_APP_ID: String(github.appId),
      GITHUB_APP_CLIENT_ID: github.clientId!,
      GITHUB_APP_CLIENT_SECRET: github.clientSecret!,
      GITHUB_APP_SLUG: github.slug!,
      GITHUB_APP_PRIVATE_KEY: github.privateKey!,
      GITHUB_APP_WEBHOOK_SECRET: github.webhookSecrets[0]!,
      GITHUB_API_URL: github.apiUrl,
      GITHUB_WEB_URL: github.webUrl,
      HUBGATE_SECRET_KEY: first.sandbox!.secretKey,
      OIDC_ISSUER: first.oidc.issuer,
      OIDC_CLIENT_ID: first.oidc.clientId,
      OIDC_CLIENT_SECRET: first.oidc.clientSecret,
      ...env,
    },
    logger: createLogger({ level: 'silent' }),
    githubRetryBaseMs: 10,
  });
  return {
    hub,
    async close() {
      await hub.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Fixed one-minute windows: start a rate test well inside one. */
async function awayFromWindowEdge() {
  const intoWindow = Date.now() % 60_000;
  if (intoWindow > 50_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoWindow));
}

describe('two replicas sharing PostgreSQL', () => {
  let h: Harness;
  let replica: Awaited<ReturnType<typeof secondReplica>>;
  let installationId: number;
  beforeAll(async () => {
    h = await startHarness({ driver: 'postgres' });
    replica = await secondReplica(h.hub);
    installationId = await connected(h, await h.signIn('user_ada'), 'ada', 'tisket-com');
  });
  afterAll(async () => {
    await replica.close();
    await h.close();
  });

  it('stops a key revoked on one replica at once on the other', async () => {
    const ada = await h.signIn('user_ada');
    await createProject(h, tisket, 'tisket-com', 'replicated', { installationId });
    const key = await createAgentKey(h, ada, 'fleet agent');
    const body = { repository: 'tisket-com/replicated' };
    expect((await askToken(replica.hub.url, key.key, body)).status).toBe(200);
    expect((await askToken(replica.hub.url, key.key, body)).status).toBe(200);
    const held = (await askToken(replica.hub.url, key.key, body)).body.token as string;
    const revoked = await h.api(ada, 'DELETE', `/api/agent-keys/${key.id}`);
    expect(revoked.body).toEqual({ revoked: true, tokensRevoked: 1, tokensFailed: 0 });
    const refused = await askToken(replica.hub.url, key.key, body);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('unauthenticated');
    // The token the other replica handed out is dead at GitHub too.
    const check = await fetch(`${h.hub.sandbox!.sim.apiUrl}/repos/tisket-com/replicated`, { headers: { authorization: `token ${held}` } });
    expect(check.status).toBe(401);
  });

  it('two jobs of two keys on two replicas: one ends its lease, the other’s token still works at GitHub', async () => {
    const ada = await h.signIn('user_ada');
    await createProject(h, tisket, 'tisket-com', 'two-jobs', { installationId });
    const a = await createAgentKey(h, ada, 'job a');
    const b = await createAgentKey(h, ada, 'job b');
    const body = { repository: 'tisket-com/two-jobs' };
    const jobA = (await askToken(h.hub.url, a.key, body)).body;
    const jobB = (await askToken(replica.hub.url, b.key, body)).body;
    expect(jobA.token).not.toBe(jobB.token);
    expect((await revokeToken(replica.hub.url, jobA.token)).status).toBe(204);
    const at = (token: string) =>
      fetch(`${h.hub.sandbox!.sim.apiUrl}/repos/tisket-com/two-jobs`, { headers: { authorization: `token ${token}` } }).then((r) => r.status);
    expect(await at(jobA.token)).toBe(401);
    expect(await at(jobB.token)).toBe(200);
    // Key B asks again through the first replica (without Redis each replica caches alone): B's token still works.
    const again = (await askToken(h.hub.url, b.key, body)).body;
    expect(await at(again.token)).toBe(200);
    expect(await at(jobB.token)).toBe(200);
  });

  it('never hands out again a token revoked through the other replica, though its own cache still holds it', async () => {
    const ada = await h.signIn('user_ada');
    await createProject(h, tisket, 'tisket-com', 'revoked-elsewhere', { installationId });
    const key = await createAgentKey(h, ada, 'job agent');
    const body = { repository: 'tisket-com/revoked-elsewhere' };
    const held = (await askToken(replica.hub.url, key.key, body)).body.token as string;
    expect((await revokeToken(h.hub.url, held)).status).toBe(204);
    const next = await askToken(replica.hub.url, key.key, body);
    expect(next.status).toBe(200);
    expect(next.body.token).not.toBe(held);
    const check = await fetch(`${h.hub.sandbox!.sim.apiUrl}/repos/tisket-com/revoked-elsewhere`, {
      headers: { authorization: `token ${next.body.token}` },
    });
    expect(check.status).toBe(200);
  });
});

describe('the per-key rate limit in one process without Redis', () => {
  let h: Harness;
  let installationId: number;
  beforeAll(async () => {
    h = await startHarness({ env: { HUBGATE_AGENT_RATE_LIMIT: '3' } });
    installationId = await connected(h, await h.signIn('user_ada'), 'ada', 'tisket-com');
  });
  afterAll(() => h.close());

  it('answers 429 with Retry-After past the limit, per key', { timeout: 60_000 }, async () => {
    const ada = await h.signIn('user_ada');
    await createProject(h, tisket, 'tisket-com', 'limited', { installationId });
    const busy = await createAgentKey(h, ada, 'busy');
    const calm = await createAgentKey(h, ada, 'calm');
    await awayFromWindowEdge();
    const body = { repository: 'tisket-com/limited' };
    for (let i = 0; i < 3; i++) expect((await askToken(h.hub.url, busy.key, body)).status).toBe(200);
    const over = await askToken(h.hub.url, busy.key, body);
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe('rate_limited');
    const retryAfter = Number(over.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    // A sliding window: the calls of this minute still count in the next one, fading.
    expect(retryAfter).toBeLessThanOrEqual(120);
    expect((await askToken(h.hub.url, calm.key, body)).status).toBe(200);
  });
});

describe('the per-key rate limit of a fleet sharing Redis', () => {
  const redisEnv = {
    REDIS_URL: redisUrl,
    HUBGATE_CACHE_KEY: randomBytes(32).toString('hex'),
    HUBGATE_AGENT_RATE_LIMIT: '4',
  };
  let h: Harness;
  let replica: Awaited<ReturnType<typeof secondReplica>>;
  let installationId: number;
  beforeAll(async () => {
    h = await startHarness({ driver: 'postgres', env: redisEnv });
    replica = await secondReplica(h.hub, redisEnv);
    installationId = await connected(h, await h.signIn('user_ada'), 'ada', 'tisket-com');
  });
  afterAll(async () => {
    await replica.close();
    await h.close();
  });

  it('is one limit for the fleet, and one mint for the fleet', { timeout: 60_000 }, async () => {
    const ada = await h.signIn('user_ada');
    const name = `fleet-${randomBytes(4).toString('hex')}`;
    await createProject(h, tisket, 'tisket-com', name, { installationId });
    const key = await createAgentKey(h, ada, 'fleet-limited');
    await awayFromWindowEdge();
    const sim = h.hub.sandbox!.sim;
    const mints = sim.mintCount(installationId);
    const body = { repository: `tisket-com/${name}` };
    const tokens = new Set<string>();
    for (const url of [h.hub.url, replica.hub.url, h.hub.url, replica.hub.url]) {
      const answer = await askToken(url, key.key, body);
      expect(answer.status).toBe(200);
      tokens.add(answer.body.token);
    }
    expect(tokens.size).toBe(1);
    expect(sim.mintCount(installationId) - mints).toBe(1);
    expect((await askToken(replica.hub.url, key.key, body)).status).toBe(429);
    expect((await askToken(h.hub.url, key.key, body)).status).toBe(429);
  });
});

describe('the Redis rate limiter when Redis does not answer', () => {
  it('lets calls through and says so once, not at every call', async () => {
    const warnings: string[] = [];
    const logger = { warn: (_: object, msg: string) => warnings.push(msg), info: () => {} };
    // Nothing listens on port 1: a real connection refused, no fake.
    const limiter = new RedisRateLimiter('redis://127.0.0.1:1/0', 1, logger);
    try {
      for (let i = 0; i < 3; i++) expect((await limiter.hit('key', Date.now())).allowed).toBe(true);
      expect(warnings).toEqual(['Redis does not answer: agent rate limits are not enforced until it does']);
    } finally {
      await limiter.close();
    }
  });
});
