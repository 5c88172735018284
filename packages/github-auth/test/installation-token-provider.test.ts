import { afterEach, describe, expect, it } from 'vitest';
import { GitHubAuthError } from '../src/index.js';
import { tokenCacheKey } from '../src/installation-token.js';
import { startWorld, useToken } from './helpers.js';

type World = Awaited<ReturnType<typeof startWorld>>;

describe('installation token provider', () => {
  let world: World | null = null;
  afterEach(async () => {
    await world?.sim.close();
    world = null;
  });

  it('says when each token was minted, on the local clock', async () => {
    world = await startWorld({ manualClock: true });
    const provider = world.provider();
    const mintedAt = world.clock.now();
    const token = await provider.getToken({ installationId: world.installationId });
    expect(token.createdAt).toBe(mintedAt);
    // GitHub's expires_at is in whole seconds.
    expect(token.expiresAt - token.createdAt).toBeGreaterThan(3599_000);
    expect(token.expiresAt - token.createdAt).toBeLessThanOrEqual(3600_000);
  });

  it('mints once and answers later calls from the process tier', async () => {
    world = await startWorld();
    const provider = world.provider();
    const first = await provider.getToken({ installationId: world.installationId });
    const second = await provider.getToken({ installationId: world.installationId });
    expect(second).toBe(first);
    expect(world.sim.mintCount()).toBe(1);
    expect(provider.stats.memoryHits).toBe(1);
    expect((await useToken(world.sim, first.token)).status).toBe(200);
  });

  it('shares one mint among a thousand concurrent callers in a process', async () => {
    world = await startWorld({ mintLatencyMs: 50 });
    const provider = world.provider();
    const tokens = await Promise.all(
      Array.from({ length: 1000 }, () => provider.getToken({ installationId: world!.installationId })),
    );
    expect(new Set(tokens.map((t) => t.token)).size).toBe(1);
    expect(world.sim.mintCount()).toBe(1);
  });

  it('scopes tokens by repository ids and permissions, each scope its own cache entry', async () => {
    world = await startWorld();
    const provider = world.provider();
    const scoped = await provider.getToken({
      installationId: world.installationId,
      repositoryIds: [world.repoId],
      permissions: { contents: 'read' },
    });
    expect(scoped.repositoryIds).toEqual([world.repoId]);
    expect(scoped.permissions).toEqual({ contents: 'read' });
    const listed = (await (await useToken(world.sim, scoped.token)).json()) as { total_count: number };
    expect(listed.total_count).toBe(1);
    const again = await provider.getToken({
      installationId: world.installationId,
      repositoryIds: [world.repoId],
      permissions: { contents: 'read' },
    });
    expect(again.token).toBe(scoped.token);
    await provider.getToken({
      installationId: world.installationId,
      repositoryIds: [world.repoId],
      permissions: { contents: 'write' },
    });
    expect(world.sim.mintCount()).toBe(2);
  });

  it('builds cache keys from app, API URL, installation, sorted repositories and sorted permissions', () => {
    const a = tokenCacheKey('client:x', 'https://api.github.com', {
      installationId: 1,
      repositoryIds: [3, 1],
      permissions: { metadata: 'read', contents: 'write' },
    });
    const b = tokenCacheKey('client:x', 'https://api.github.com', {
      installationId: 1,
      repositoryIds: [1, 3],
      permissions: { contents: 'write', metadata: 'read' },
    });
    expect(a).toBe(b);
    expect(tokenCacheKey('client:y', 'https://api.github.com', { installationId: 1 })).not.toBe(
      tokenCacheKey('client:x', 'https://api.github.com', { installationId: 1 }),
    );
    expect(tokenCacheKey('client:x', 'https://ghe.example/api/v3', { installationId: 1 })).not.toBe(
      tokenCacheKey('client:x', 'https://api.github.com', { installationId: 1 }),
    );
    expect(tokenCacheKey('c', 'u', { installationId: 1, repositoryNames: ['Repo.git'] })).toBe(
      tokenCacheKey('c', 'u', { installationId: 1, repositoryNames: ['repo'] }),
    );
  });

  it('never returns a token with less than the asked validity left', async () => {
    world = await startWorld({ manualClock: true });
    const provider = world.provider({ refreshMarginMs: 5 * 60_000 });
    const first = await provider.getToken({ installationId: world.installationId });
    world.clock.advance(40 * 60_000);
    // 20 minutes left: fine for a 5-minute need, not for a 30-minute clone.
    expect(
      (await provider.getToken({ installationId: world.installationId, minValidityMs: 5 * 60_000 })).token,
    ).toBe(first.token);
    const long = await provider.getToken({
      installationId: world.installationId,
      minValidityMs: 30 * 60_000,
    });
    expect(long.token).not.toBe(first.token);
    expect(long.expiresAt - world.clock.now()).toBeGreaterThan(59 * 60_000);
  });

  it('refreshes ahead: near expiry the caller gets the current token and one background refresh starts', async () => {
    world = await startWorld({ manualClock: true, mintLatencyMs: 30 });
    const provider = world.provider({ refreshMarginMs: 10 * 60_000, minValidityMs: 60_000 });
    const first = await provider.getToken({ installationId: world.installationId });
    world.clock.advance(52 * 60_000);
    const during = await Promise.all(
      Array.from({ length: 50 }, () => provider.getToken({ installationId: world!.installationId })),
    );
    expect(during.every((t) => t.token === first.token)).toBe(true);
    expect(provider.stats.refreshesStarted).toBe(1);
    await provider.whenIdle();
    const after = await provider.getToken({ installationId: world.installationId });
    expect(after.token).not.toBe(first.token);
    expect(world.sim.mintCount()).toBe(2);
    expect(provider.stats.waited).toBe(1);
  });

  it('invalidates a token by value (git erase) and mints anew', async () => {
    world = await startWorld();
    const provider = world.provider();
    const first = await provider.getToken({ installationId: world.installationId });
    await provider.invalidate({ token: first.token });
    const second = await provider.getToken({ installationId: world.installationId });
    expect(second.token).not.toBe(first.token);
  });

  it("revokes an installation's cached tokens at GitHub and purges them", async () => {
    world = await startWorld();
    const provider = world.provider();
    const a = await provider.getToken({ installationId: world.installationId });
    const b = await provider.getToken({
      installationId: world.installationId,
      repositoryIds: [world.repoId],
    });
    expect(await provider.revokeInstallation(world.installationId)).toMatchObject({ revoked: 2, failed: [] });
    expect((await useToken(world.sim, a.token)).status).toBe(401);
    expect((await useToken(world.sim, b.token)).status).toBe(401);
    expect((await provider.getToken({ installationId: world.installationId })).token).not.toBe(a.token);
  });

  it('retries GitHub 5xx with backoff and succeeds', async () => {
    world = await startWorld();
    world.sim.faults.add({
      route: 'POST /app/installations/{installation_id}/access_tokens',
      status: 502,
      times: 2,
    });
    const provider = world.provider();
    await provider.getToken({ installationId: world.installationId });
    expect(world.sim.requestCount('POST /app/installations/{installation_id}/access_tokens')).toBe(3);
  });

  it('retries a request that timed out', async () => {
    world = await startWorld();
    world.sim.faults.add({
      route: 'POST /app/installations/{installation_id}/access_tokens',
      hang: true,
      times: 1,
    });
    const provider = world.provider({ http: { retryBaseMs: 5, timeoutMs: 300 } });
    expect((await provider.getToken({ installationId: world.installationId })).token).toMatch(/^ghs_/);
  });

  it('waits out a secondary rate limit with retry-after, once', async () => {
    world = await startWorld();
    world.sim.faults.add({
      route: 'POST /app/installations/{installation_id}/access_tokens',
      status: 403,
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      },
      headers: { 'retry-after': '1' },
      times: 1,
    });
    const provider = world.provider();
    const started = Date.now();
    await provider.getToken({ installationId: world.installationId });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('gives up on a rate limit longer than it waits, saying when to try again', async () => {
    world = await startWorld();
    world.sim.faults.add({
      route: 'POST /app/installations/{installation_id}/access_tokens',
      status: 403,
      body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
      headers: { 'retry-after': '120' },
      times: 1,
    });
    const error = await world.provider().getToken({ installationId: world.installationId }).catch((e) => e);
    expect(error).toMatchObject({ code: 'rate_limited', status: 403, retryAfterSeconds: 120 });
    expect(world.sim.requestCount('POST /app/installations/{installation_id}/access_tokens')).toBe(1);
  });

  it('reports a missing installation, and does not cache the failure', async () => {
    world = await startWorld();
    const provider = world.provider();
    const error = await provider.getToken({ installationId: 999 }).catch((e) => e);
    expect(error).toBeInstanceOf(GitHubAuthError);
    expect(error.code).toBe('installation_not_found');
    await provider.getToken({ installationId: 999 }).catch(() => {});
    expect(world.sim.requestCount('POST /app/installations/{installation_id}/access_tokens')).toBe(2);
  });

  it('reports a suspended installation', async () => {
    world = await startWorld();
    const inst = world.sim.store.installations.get(world.installationId)!;
    world.sim.world.suspend(inst, world.sim.store.requireAccount('ada'));
    await expect(world.provider().getToken({ installationId: world.installationId })).rejects.toMatchObject({
      code: 'installation_suspended',
    });
  });

  it('refuses impossible requests before calling GitHub', async () => {
    world = await startWorld();
    const provider = world.provider();
    await expect(provider.getToken({ installationId: -1 })).rejects.toThrow(/positive integer/);
    await expect(provider.getToken({ installationId: 1, minValidityMs: 2 * 3600_000 })).rejects.toThrow(
      /minValidityMs/,
    );
    await expect(
      provider.getToken({ installationId: 1, repositoryIds: Array.from({ length: 501 }, (_, i) => i + 1) }),
    ).rejects.toThrow(/at most 500/);
    expect(world.sim.requestCount('POST /app/installations/{installation_id}/access_tokens')).toBe(0);
  });

  it('handles the long stateless token format', async () => {
    world = await startWorld();
    world.sim.behaviour.statelessTokens = true;
    const token = await world.provider().getToken({ installationId: world.installationId });
    expect(token.token.length).toBeGreaterThan(400);
    expect((await useToken(world.sim, token.token)).status).toBe(200);
  });
});
