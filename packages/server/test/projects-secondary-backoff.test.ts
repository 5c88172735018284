import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './service-harness.js';

/**
 * GitHub's rule for a secondary limit that says no `retry-after` (the content-creation shape): wait at least a
 * minute, longer each time it comes again (github-facts.md, "Rate limits").
 */
describe('repository creation after secondary limits without retry-after', () => {
  let h: Harness;
  let offsetMs = 0;
  beforeEach(async () => {
    offsetMs = 0;
    h = await startHarness({ clock: { now: () => Date.now() + offsetMs } });
  });
  afterEach(() => h.close());

  const sim = () => h.hub.sandbox!.sim;

  it('waits a minute, then two, while GitHub keeps refusing, and a minute again once a creation went through', async () => {
    const ada = await h.signIn('user_ada');
    await h.connect(ada, 'ada', 'tisket-com');
    const create = async (name: string) => {
      const answer = await h.api(ada, 'POST', '/api/projects', { name });
      const message = answer.body.error?.message as string | undefined;
      return { status: answer.status, retryAfter: /try again in (\d+) s/.exec(message ?? '')?.[1] ?? null, message };
    };
    const refuse = () => sim().faults.add({ route: 'POST /orgs/{org}/repos', kind: 'content-creation', times: 1 });

    refuse();
    expect(await create('First')).toEqual({ status: 429, retryAfter: '60', message: 'GitHub asks us to slow down creating repositories; try again in 60 s.' });
    // while blocked, hubgate does not ask GitHub at all
    const asked = sim().requestCount('POST /orgs/{org}/repos');
    expect((await create('Blocked')).status).toBe(429);
    expect(sim().requestCount('POST /orgs/{org}/repos')).toBe(asked);

    offsetMs += 61_000;
    refuse();
    expect(await create('Second')).toMatchObject({ status: 429, retryAfter: '120' });
    offsetMs += 121_000;
    refuse();
    expect(await create('Third')).toMatchObject({ status: 429, retryAfter: '240' });

    offsetMs += 241_000;
    expect((await create('Works')).status).toBe(201);
    offsetMs += 2_000;
    refuse();
    expect(await create('Fresh')).toMatchObject({ status: 429, retryAfter: '60' });
  });
});
