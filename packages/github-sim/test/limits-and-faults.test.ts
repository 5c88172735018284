import { describe, expect, it } from 'vitest';
import { GitHubSim } from '../src/index.js';
import { api, type BasicWorld, useBasicWorld } from './helpers.js';

describe('rate limits, faults and counters', () => {
  let sim: GitHubSim;
  let w: BasicWorld;
  useBasicWorld((s, world) => {
    sim = s;
    w = world;
  }, { sim: {
      rateLimits: { installation: 3, maxConcurrent: 2, secondaryRetryAfterSeconds: 7 },
    } });

  it("sends x-ratelimit headers and answers 403 with remaining 0 once the installation's budget is spent", async () => {
    const token = await w.mint();
    const first = await api(sim, 'GET', '/installation/repositories', { token });
    expect(first.headers.get('x-ratelimit-limit')).toBe('3');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('2');
    expect(Number(first.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    await api(sim, 'GET', '/installation/repositories', { token });
    await api(sim, 'GET', '/installation/repositories', { token });
    const limited = await api(sim, 'GET', '/installation/repositories', { token });
    expect(limited.status).toBe(403);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.body.message).toMatch(/API rate limit exceeded for installation ID/);
    // Another token of the same installation shares the budget.
    expect((await api(sim, 'GET', '/installation/repositories', { token: await w.mint() })).status).toBe(403);
  });

  it('answers a secondary limit with retry-after when too many requests are in flight', async () => {
    const token = await w.mint();
    sim.faults.add({ route: 'GET /installation/repositories', latencyMs: 200, times: 3 });
    const answers = await Promise.all(
      [1, 2, 3].map(() => api(sim, 'GET', '/installation/repositories', { token })),
    );
    const limited = answers.filter((a) => a.status === 403);
    expect(limited).toHaveLength(1);
    expect(limited[0]!.headers.get('retry-after')).toBe('7');
    expect(limited[0]!.body.message).toMatch(/secondary rate limit/);
  });

  it('injects a 5xx a given number of times, then answers normally', async () => {
    sim.faults.add({
      route: 'POST /app/installations/{installation_id}/access_tokens',
      status: 502,
      times: 2,
    });
    const path = `/app/installations/${w.installation.id}/access_tokens`;
    expect((await api(sim, 'POST', path, { token: w.jwt() })).status).toBe(502);
    expect((await api(sim, 'POST', path, { token: w.jwt() })).status).toBe(502);
    expect((await api(sim, 'POST', path, { token: w.jwt() })).status).toBe(201);
    expect(sim.requestCount('POST /app/installations/{installation_id}/access_tokens')).toBe(3);
    expect(sim.mintCount(w.installation.id)).toBe(1);
  });

  it('takes faults and clock offsets from its admin endpoints and reports counters', async () => {
    const added = await fetch(`${sim.webUrl}/_sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ route: 'GET /app', status: 503, times: 1 }),
    });
    expect(added.status).toBe(201);
    expect((await api(sim, 'GET', '/app', { token: w.jwt() })).status).toBe(503);
    expect((await fetch(`${sim.webUrl}/_sim/faults`, { method: 'POST', body: '{}' })).status).toBe(422);
    await fetch(`${sim.webUrl}/_sim/clock`, { method: 'PUT', body: JSON.stringify({ offsetMs: 120_000 }) });
    const dated = await api(sim, 'GET', '/app', { token: w.jwt() });
    expect(Date.parse(dated.headers.get('date')!) - Date.now()).toBeGreaterThan(100_000);
    const counters = (await (await fetch(`${sim.webUrl}/_sim/counters`)).json()) as {
      requests: Record<string, number>;
    };
    expect(counters.requests['GET /app']).toBe(2);
  });

  it('hangs a request when told to, so that client timeouts can be tested', async () => {
    sim.faults.add({ route: 'GET /app', hang: true, times: 1 });
    const started = Date.now();
    await expect(
      fetch(`${sim.apiUrl}/app`, {
        headers: { authorization: `Bearer ${w.jwt()}` },
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('gives the concurrency slot of a hung request back when the client gives up', async () => {
    const token = await w.mint();
    sim.faults.add({ route: 'GET /installation/repositories', hang: true, times: 2 });
    const abandoned = [1, 2].map(() =>
      fetch(`${sim.apiUrl}/installation/repositories`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(200),
      }).catch(() => 'gave up'),
    );
    expect(await Promise.all(abandoned)).toEqual(['gave up', 'gave up']);
    await new Promise((r) => setTimeout(r, 50));
    expect(sim.limits.inFlightCount(`installation:${w.installation.id}`)).toBe(0);
    // Both slots (maxConcurrent 2) are free again: no secondary-limit 403 GitHub would never send.
    sim.limits.reset();
    const after = await Promise.all(
      [1, 2].map(() => api(sim, 'GET', '/installation/repositories', { token })),
    );
    expect(after.map((a) => a.status)).toEqual([200, 200]);
  });

  it("spends an installation's budget on request (sim.exhaustRateLimit), until the window resets", async () => {
    const token = await w.mint();
    sim.exhaustRateLimit(w.installation);
    const limited = await api(sim, 'GET', '/installation/repositories', { token });
    expect(limited.status).toBe(403);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    sim.clock.advance(3600_000);
    expect((await api(sim, 'GET', '/installation/repositories', { token: await w.mint() })).status).toBe(200);
  });
});
