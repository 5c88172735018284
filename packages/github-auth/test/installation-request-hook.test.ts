import { Octokit } from '@octokit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { installationRequestHook } from '../src/index.js';
import { startWorld } from './helpers.js';

describe('requests made as an installation', () => {
  let world: Awaited<ReturnType<typeof startWorld>> | null = null;
  afterEach(async () => {
    await world?.sim.close();
    world = null;
  });

  const octokitFor = (w: NonNullable<typeof world>, provider = w.provider()) => {
    const octokit = new Octokit({ baseUrl: w.sim.apiUrl });
    octokit.hook.wrap('request', installationRequestHook(provider, { installationId: w.installationId }, { backoffMs: [300, 600, 1200] }) as never);
    return { octokit, provider };
  };

  it('retries a 401 from a token minted moments ago (GitHub replication lag)', async () => {
    world = await startWorld();
    // Long enough that the first use falls inside it even on a loaded machine; the backoffs outlast it.
    world.sim.behaviour.newTokenLagMs = 1000;
    const { octokit } = octokitFor(world);
    const { data } = await octokit.request('GET /installation/repositories');
    expect((data as { total_count: number }).total_count).toBe(2);
    expect(world.sim.requestCount('GET /installation/repositories')).toBeGreaterThan(1);
    expect(world.sim.mintCount()).toBe(1);
  });

  it('retries a 403 "not replicated yet" briefly', async () => {
    world = await startWorld();
    world.sim.faults.add({ route: 'GET /installation/repositories', status: 403, body: { message: "The permissions aren't replicated yet" }, times: 2 });
    const { octokit } = octokitFor(world);
    await octokit.request('GET /installation/repositories');
    expect(world.sim.requestCount('GET /installation/repositories')).toBe(3);
  });

  it('replaces a token GitHub no longer accepts, once', async () => {
    world = await startWorld({ manualClock: true });
    const { octokit, provider } = octokitFor(world);
    const first = await provider.getToken({ installationId: world.installationId });
    world.clock.advance(60_000);
    await fetch(`${world.sim.apiUrl}/installation/token`, { method: 'DELETE', headers: { authorization: `token ${first.token}` } });
    await octokit.request('GET /installation/repositories');
    expect(world.sim.mintCount()).toBe(2);
  });

  it('gives up on a token that keeps failing, with GitHub\'s error', async () => {
    world = await startWorld();
    world.sim.faults.add({ route: 'GET /installation/repositories', status: 403, body: { message: 'Resource not accessible by integration' } });
    const { octokit } = octokitFor(world);
    await expect(octokit.request('GET /installation/repositories')).rejects.toMatchObject({ status: 403 });
    expect(world.sim.requestCount('GET /installation/repositories')).toBe(1);
  });
});
