import { afterEach, describe, expect, it } from 'vitest';
import type { RevocationFailure } from '../src/index.js';
import { redisFixture, redisProxy, redisUrl } from './redis-helpers.js';
import { startWorld, useToken } from './helpers.js';

type World = Awaited<ReturnType<typeof startWorld>>;

describe('revoking an installation (disconnect) across the fleet, on real Redis', () => {
  let world: World | null = null;
  let redis: ReturnType<typeof redisFixture> | null = null;
  afterEach(async () => {
    await redis?.cleanup();
    redis = null;
    await world?.sim.close();
    world = null;
  });

  it('revokes at GitHub the tokens other replicas hold, and no tier of any replica serves them again', async () => {
    world = await startWorld();
    redis = redisFixture();
    const a = world.provider({ redis: redis.store() });
    const b = world.provider({ redis: redis.store() });
    const scoped = { installationId: world.installationId, repositoryIds: [world.repoId] };
    const whole = { installationId: world.installationId };
    // Each replica holds a token the other never saw in its process tier.
    const inA = await a.getToken(scoped);
    const inB = await b.getToken(whole);

    const report = await a.revokeInstallation(world.installationId);

    expect(report).toEqual({ installationId: world.installationId, revoked: 2, failed: [], fleetReached: true });
    expect((await useToken(world.sim, inA.token)).status).toBe(401);
    expect((await useToken(world.sim, inB.token)).status).toBe(401);
    // B's process tier heard of it; a process that starts now finds nothing in Redis either.
    expect((await b.getToken(whole)).token).not.toBe(inB.token);
    expect((await b.getToken(scoped)).token).not.toBe(inA.token);
    const fresh = world.provider({ redis: redis.store() });
    expect((await fresh.getToken(scoped)).token).not.toBe(inA.token);
    expect((await useToken(world.sim, (await fresh.getToken(scoped)).token)).status).toBe(200);
  });

  it('refuses a token minted while its installation was being revoked, and revokes it too', async () => {
    world = await startWorld({ mintLatencyMs: 400 });
    redis = redisFixture();
    const a = world.provider({ redis: redis.store() });
    const b = world.provider({ redis: redis.store() });
    const request = { installationId: world.installationId, permissions: { contents: 'read' as const } };
    const minting = a.getToken(request);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await b.revokeInstallation(world.installationId);

    await expect(minting).rejects.toMatchObject({ code: 'installation_revoked' });
    expect(world.sim.mintCount()).toBe(1);
    expect(world.sim.requestCount('DELETE /installation/token')).toBe(1);
    // Asked again after the revocation (a reconnect), a token is minted as usual.
    const after = await a.getToken(request);
    expect((await useToken(world.sim, after.token)).status).toBe(200);
  });

  it('a replica that missed a revocation while cut off from Redis drops its process tier when it reconnects', async () => {
    world = await startWorld();
    redis = redisFixture();
    const proxy = redisProxy();
    const port = await proxy.listen();
    try {
      const a = world.provider({ redis: redis.store() });
      const cutOff = redis.store({ redis: `redis://127.0.0.1:${port}${new URL(redisUrl).pathname}` });
      const b = world.provider({ redis: cutOff });
      const request = { installationId: world.installationId };
      // Wait until b's subscription is up (its first resync empties the tier), then let b cache a token.
      await waitFor(async () => (await redis!.admin.pubsub('NUMSUB', `${redis!.prefix}revocations`))[1] === 2);
      const held = await b.getToken(request);
      expect(b.cacheSize().tokens).toBe(1);

      proxy.set('down');
      await a.revokeInstallation(world.installationId);
      proxy.set('up');

      await waitFor(async () => b.cacheSize().tokens === 0);
      expect((await b.getToken(request)).token).not.toBe(held.token);
    } finally {
      proxy.set('up');
      await proxy.close();
    }
  });

  it('says so when the shared tier was out and other replicas could not be reached', async () => {
    world = await startWorld();
    redis = redisFixture();
    const down = redis.store({ redis: 'redis://127.0.0.1:1/0', commandTimeoutMs: 100 });
    const provider = world.provider({ redis: down });
    const token = await provider.getToken({ installationId: world.installationId });
    const report = await provider.revokeInstallation(world.installationId);
    expect(report).toMatchObject({ revoked: 1, fleetReached: false });
    expect((await useToken(world.sim, token.token)).status).toBe(401);
  });
});

describe('revoking an installation when GitHub fails', () => {
  let world: World | null = null;
  afterEach(async () => {
    await world?.sim.close();
    world = null;
  });

  it('retries a failed DELETE /installation/token', async () => {
    world = await startWorld();
    const provider = world.provider();
    const token = await provider.getToken({ installationId: world.installationId });
    world.sim.faults.add({ route: 'DELETE /installation/token', status: 502, times: 2 });
    expect(await provider.revokeInstallation(world.installationId)).toMatchObject({ revoked: 1, failed: [] });
    expect(world.sim.requestCount('DELETE /installation/token')).toBe(3);
    expect((await useToken(world.sim, token.token)).status).toBe(401);
  });

  it('reports a revocation GitHub keeps refusing, without the token, and hands the token to the callback for a later retry', async () => {
    world = await startWorld();
    const failures: RevocationFailure[] = [];
    const provider = world.provider({ onRevocationFailure: (failure) => void failures.push(failure) });
    const token = await provider.getToken({ installationId: world.installationId });
    world.sim.faults.add({ route: 'DELETE /installation/token', status: 503 });
    try {
      const report = await provider.revokeInstallation(world.installationId);
      expect(report.revoked).toBe(0);
      expect(report.failed).toEqual([
        { fingerprint: expect.stringMatching(/^[0-9a-f]{12}$/), expiresAt: token.expiresAt, reason: 'GitHub answered 503' },
      ]);
      expect(JSON.stringify(report)).not.toContain(token.token);
      expect(failures).toEqual([
        { installationId: world.installationId, token: token.token, expiresAt: token.expiresAt, reason: 'GitHub answered 503' },
      ]);
      expect((await useToken(world.sim, token.token)).status).toBe(200);
    } finally {
      world.sim.faults.clear();
    }
    // The server's later retry.
    expect(await provider.revokeToken(failures[0]!.token)).toBe(true);
    expect((await useToken(world.sim, token.token)).status).toBe(401);
  });
});

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
