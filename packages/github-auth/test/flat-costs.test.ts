import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { CredentialResolver, type InstallationTokenRequest, type PermissionLevel, RedisTokenStore, systemClock } from '../src/index.js';
import { startWorld } from './helpers.js';
import { redisFixture, redisUrl, silentLogger } from './redis-helpers.js';

type World = Awaited<ReturnType<typeof startWorld>>;

/** Costs that stay flat as installations and keys grow, counted (never timed: the bench times them). */
describe('flat costs', () => {
  let world: World | null = null;
  let redis: ReturnType<typeof redisFixture> | null = null;
  afterEach(async () => {
    await redis?.cleanup();
    redis = null;
    await world?.sim.close();
    world = null;
  });

  it('mints for many scopes of one installation concurrently, not one at a time', async () => {
    world = await startWorld({ mintLatencyMs: 200 });
    let inFlight = 0;
    let peak = 0;
    const countingFetch: typeof fetch = async (input, init) => {
      const mint = String(input).endsWith('/access_tokens');
      if (mint) peak = Math.max(peak, ++inFlight);
      try {
        return await fetch(input, init);
      } finally {
        if (mint) inFlight--;
      }
    };
    const provider = world.provider({ fetch: countingFetch });
    const permissionSets: Record<string, PermissionLevel>[] = [
      { contents: 'read' },
      { contents: 'write' },
      { metadata: 'read' },
      { administration: 'read' },
      { administration: 'write' },
      { contents: 'read', metadata: 'read' },
    ];
    const scopes = [[world.repoId], [world.otherRepoId], [world.repoId, world.otherRepoId]];
    const requests: InstallationTokenRequest[] = permissionSets.flatMap((permissions) =>
      scopes.map((repositoryIds) => ({ installationId: world!.installationId, repositoryIds, permissions })),
    );
    await Promise.all(requests.map((request) => provider.getToken(request)));
    expect(world.sim.mintCount()).toBe(18);
    expect(peak).toBeGreaterThanOrEqual(10);
  });

  it('keeps the process tier within its bound and counts the live tokens it had to evict', async () => {
    world = await startWorld();
    const provider = world.provider({ maxCachedTokens: 3 });
    const permissions: Record<string, PermissionLevel>[] = [
      { contents: 'read' },
      { contents: 'write' },
      { metadata: 'read' },
      { administration: 'read' },
      { administration: 'write' },
    ];
    for (const p of permissions) await provider.getToken({ installationId: world.installationId, permissions: p });
    expect(provider.cacheSize()).toEqual({ tokens: 3, installations: 1 });
    expect(provider.stats.liveEvictions).toBe(2);
    // Evicting every token of an installation leaves nothing of it behind.
    await provider.revokeInstallation(world.installationId);
    expect(provider.cacheSize()).toEqual({ tokens: 0, installations: 0 });
  });

  it('serves a process-cold token from Redis in one round trip', async () => {
    world = await startWorld();
    redis = redisFixture();
    const request = { installationId: world.installationId, repositoryIds: [world.repoId] };
    await world.provider({ redis: redis.store() }).getToken(request);
    const { client, store, commands } = countedStore(redis);
    try {
      await client.ping();
      commands.length = 0;
      const cold = world.provider({ redis: store, listenForRevocations: false });
      await cold.getToken(request);
      expect(cold.stats.redisHits).toBe(1);
      expect(commands).toHaveLength(1);
    } finally {
      await store.close();
      client.disconnect();
    }
  });

  it('serves many process-cold tokens asked at once from Redis in one command, not one per token', async () => {
    world = await startWorld();
    redis = redisFixture();
    const permissionSets: Record<string, PermissionLevel>[] = [
      { contents: 'read' },
      { contents: 'write' },
      { metadata: 'read' },
      { administration: 'read' },
    ];
    const requests: InstallationTokenRequest[] = permissionSets.flatMap((permissions) =>
      [[world!.repoId], [world!.otherRepoId]].map((repositoryIds) => ({
        installationId: world!.installationId,
        repositoryIds,
        permissions,
      })),
    );
    const minted = await Promise.all(requests.map((r) => world!.provider({ redis: redis!.store() }).getToken(r)));
    const { client, store, commands } = countedStore(redis);
    try {
      await client.ping();
      commands.length = 0;
      const cold = world.provider({ redis: store, listenForRevocations: false });
      const got = await Promise.all(requests.map((r) => cold.getToken(r)));
      expect(got.map((t) => t.token)).toEqual(minted.map((t) => t.token));
      expect(cold.stats.redisHits).toBe(requests.length);
      expect(commands).toEqual(['mget']);
      expect(world.sim.mintCount()).toBe(requests.length);
    } finally {
      await store.close();
      client.disconnect();
    }
  });

  it('shares installation lookups through Redis: a second process asks GitHub for neither', async () => {
    world = await startWorld();
    redis = redisFixture();
    const keyPath = join(mkdtempSync(join(tmpdir(), 'hubgate-lookup-')), 'app.pem');
    writeFileSync(keyPath, world.privateKey);
    const resolver = () =>
      new CredentialResolver({
        sources: [
          {
            urlPattern: '(?<baseUrl>.*)/.*',
            clientId: world!.clientId,
            privateKeyPath: keyPath,
            apiUrl: world!.sim.apiUrl,
            username: 'x-access-token',
            allowHttp: true,
          },
        ],
        redis: redis!.store(),
        listenForRevocations: false,
      });
    const url = `${world.sim.webUrl}/tisket-com/developer-guide.git`;
    const first = await resolver().resolveCredentials(url);
    const second = await resolver().resolveCredentials(url);
    expect(second.password).toBe(first.password);
    expect(world.sim.requestCount('GET /repos/{owner}/{repo}/installation')).toBe(1);
    expect(world.sim.mintCount()).toBe(1);
  });
});

/** A store on its own connection to the fixture's Redis, with the names of the commands it sends. */
function countedStore(fixture: ReturnType<typeof redisFixture>) {
  const client = new Redis(redisUrl);
  const commands: string[] = [];
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command: Parameters<typeof send>[0]) => {
    commands.push(command.name);
    return send(command);
  }) as typeof client.sendCommand;
  const store = new RedisTokenStore({
    redis: client,
    cipher: fixture.cipher,
    clock: systemClock,
    logger: silentLogger,
    prefix: fixture.prefix,
    commandTimeoutMs: 2000,
  });
  return { client, store, commands };
}
