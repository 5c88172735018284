import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { githubInstallations } from '../../src/db/schema/index.js';
import { type Harness, startHarness } from '../service-harness.js';

/** The "Try again" link of hubgate's error page, as the browser would follow it. */
const tryAgainLink = (html: string) => {
  const href = /<a class="button" href="([^"]+)">Try again<\/a>/.exec(html)?.[1];
  return href?.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
};

describe('connecting while GitHub is failing (8.9)', () => {
  let h: Harness;
  beforeAll(async () => {
    // The admin's wait on GitHub, shortened from 15 s so the hang test does not wait it out for real.
    h = await startHarness({ connectDeadlineMs: 1_500 });
  });
  afterAll(() => h.close());

  const sim = () => h.hub.sandbox!.sim;
  const fault = (rule: Parameters<ReturnType<typeof sim>['faults']['add']>[0]) => {
    sim().faults.add(rule);
    onTestFinished(() => sim().faults.clear());
  };
  const bound = () =>
    h.hub.db.db
      .select()
      .from(githubInstallations)
      .where(and(eq(githubInstallations.organizationId, 'org_01TISKET'), isNull(githubInstallations.deletedAt)));
  const disconnected = async (ada: Awaited<ReturnType<Harness['signIn']>>) => {
    if ((await h.api(ada, 'GET', '/api/github/connection')).body.connected) await h.api(ada, 'POST', '/api/github/disconnect', {});
  };

  it('retries a GitHub 5xx: one 502 on the way and the admin is connected all the same', async () => {
    const ada = await h.signIn('user_ada');
    await disconnected(ada);
    fault({ route: 'GET /user/installations', status: 502, times: 1 });
    const done = await h.connect(ada, 'ada', 'tisket-com');
    expect(done.finalUrl).toMatch(/\/workspace\/settings\/repos\?(re)?connected=1$/);
    expect(sim().faults.list()).toEqual([]);
  });

  it('tells an outage from a refusal (503 "GitHub is not answering, try again"), and "Try again" finishes without starting over', async () => {
    const ada = await h.signIn('user_ada');
    await disconnected(ada);
    fault({ route: 'GET /user/installations', status: 503 });
    const failed = await h.connect(ada, 'ada', 'tisket-com');
    expect(failed.status).toBe(503);
    const page = await failed.text();
    expect(page).toContain('GitHub is not answering, try again');
    expect(await bound()).toHaveLength(0);
    sim().faults.clear();
    const again = tryAgainLink(page);
    expect(again).toMatch(/\/login\/oauth\/authorize\?/);
    const done = await ada.get(again!);
    expect(done.finalUrl).toMatch(/\/workspace\/settings\/repos\?(re)?connected=1$/);
    expect(await bound()).toHaveLength(1);
  });

  it('says GitHub refused when it refuses (401), with no "Try again"', async () => {
    const ada = await h.signIn('user_ada');
    await disconnected(ada);
    fault({ route: 'GET /user/installations', status: 401, body: { message: 'Bad credentials' } });
    const refused = await h.connect(ada, 'ada', 'tisket-com');
    expect(refused.status).toBe(401);
    const page = await refused.text();
    expect(page).toMatch(/GitHub refused/);
    expect(tryAgainLink(page)).toBeUndefined();
  });

  it('keeps the admin waiting at most the connect deadline (15 s by default) when GitHub hangs, then offers "Try again"', async () => {
    const ada = await h.signIn('user_ada');
    await disconnected(ada);
    fault({ route: 'GET /app/installations/{installation_id}', hang: true });
    const started = Date.now();
    const failed = await h.connect(ada, 'ada', 'tisket-com');
    const waitedMs = Date.now() - started;
    expect([502, 503]).toContain(failed.status);
    const page = await failed.text();
    expect(page).toContain('GitHub is not answering, try again');
    expect(waitedMs).toBeGreaterThanOrEqual(1_400);
    expect(waitedMs).toBeLessThan(5_000);
    sim().faults.clear();
    const done = await ada.get(tryAgainLink(page)!);
    expect(done.finalUrl).toMatch(/\/workspace\/settings\/repos\?(re)?connected=1$/);
  });
});
