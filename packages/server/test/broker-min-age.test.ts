import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askToken, connected, createAgentKey, createProject, tisket } from './broker-fixtures.js';
import { type Harness, startHarness } from './service-harness.js';

describe('no token too fresh to work', () => {
  const minAgeMs = 1_500;
  let h: Harness;
  let installationId: number;
  beforeAll(async () => {
    h = await startHarness({ env: { HUBGATE_TOKEN_MIN_AGE_MS: String(minAgeMs) } });
    installationId = await connected(h, await h.signIn('user_ada'), 'ada', 'tisket-com');
  });
  afterAll(() => h.close());

  it('holds a freshly minted token until it is the minimum age, and answers a cached one at once', async () => {
    const ada = await h.signIn('user_ada');
    await createProject(h, tisket, 'tisket-com', 'fresh-tokens', { installationId });
    const key = await createAgentKey(h, ada, 'fresh');
    const mints = h.hub.sandbox!.sim.mintCount(installationId);
    const coldStart = performance.now();
    const cold = await askToken(h.hub.url, key.key, { repository: 'tisket-com/fresh-tokens' });
    const coldMs = performance.now() - coldStart;
    expect(cold.status).toBe(200);
    expect(h.hub.sandbox!.sim.mintCount(installationId) - mints).toBe(1);
    // The mint itself is a few milliseconds against the simulator: the rest is the wait.
    expect(coldMs).toBeGreaterThanOrEqual(minAgeMs - 50);
    const warmStart = performance.now();
    const warm = await askToken(h.hub.url, key.key, { repository: 'tisket-com/fresh-tokens' });
    const warmMs = performance.now() - warmStart;
    expect(warm.body.token).toBe(cold.body.token);
    expect(warmMs).toBeLessThan(minAgeMs);
  });
});
