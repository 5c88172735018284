import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import * as schema from '../../src/db/schema/index.js';
import { loginCookieName } from '../../src/identity/oidc-login.js';
import { Browserless } from '../browserless.js';
import { drivers } from '../db-harness.js';
import { type Harness, startHarness } from '../service-harness.js';
import { movableClock, signInUpToCallback } from './flows.js';

describe.each(drivers)('sign-in (%s)', (driver) => {
  let h: Harness;
  const clock = movableClock();
  beforeAll(async () => {
    h = await startHarness({ driver, clock });
  });
  afterAll(() => h.close());
  const session = async (browser: Browserless) => (await (await browser.get(`${h.hub.url}/api/session`)).json()) as any;

  it('refuses a sign-in callback opened in a browser that did not start the sign-in (login CSRF, 8.1)', async () => {
    const victim = await h.signIn('user_ada');
    const attacker = new Browserless();
    const callback = await signInUpToCallback(h, attacker, 'user_cyd');
    const answer = await victim.get(callback, { follow: false });
    expect(answer.status).toBe(400);
    expect(await answer.text()).toMatch(/not started in this browser/);
    const after = await session(victim);
    expect(after).toMatchObject({ signedIn: true, organizationId: 'org_01TISKET', user: { id: 'user_ada' } });
  });

  it('uses a sign-in state once: the same callback opened again in the same browser is refused', async () => {
    const browser = new Browserless();
    const callback = await signInUpToCallback(h, browser, 'user_ada');
    const login = browser.cookie(new URL(h.hub.url).host, loginCookieName)!;
    expect((await browser.get(callback, { follow: false })).status).toBe(302);
    // The callback clears the login cookie: the same browser cannot finish that sign-in again.
    expect(browser.cookie(new URL(h.hub.url).host, loginCookieName)).toBeUndefined();
    const again = await browser.get(callback, { follow: false });
    expect(again.status).toBe(400);
    expect(await again.text()).toMatch(/not started in this browser/);
    // With the cookie captured before its use and put back, the provider's single-use code still refuses it.
    const replay = new Browserless();
    replay.setCookie(new URL(h.hub.url).host, loginCookieName, login);
    const replayed = await replay.get(callback, { follow: false });
    expect(replayed.status).toBeGreaterThanOrEqual(400);
    expect(replay.cookie(new URL(h.hub.url).host, 'hubgate_session')).toBeUndefined();
  });

  it('refuses a sign-in finished more than ten minutes after it started', async () => {
    onTestFinished(() => clock.reset());
    const browser = new Browserless();
    const callback = await signInUpToCallback(h, browser, 'user_ada');
    clock.advance(11 * 60_000);
    const answer = await browser.get(callback, { follow: false });
    expect(answer.status).toBe(400);
    expect(await answer.text()).toMatch(/expired/);
  });

  it('ends a session after eight hours', async () => {
    onTestFinished(() => clock.reset());
    const ada = await h.signIn('user_ada');
    expect((await session(ada)).signedIn).toBe(true);
    clock.advance(8 * 3600_000 + 1000);
    expect((await session(ada)).signedIn).toBe(false);
    expect((await h.api(ada, 'GET', '/api/github/connection')).status).toBe(401);
  });

  it('writes nothing to the database for sign-ins that are started and never finished (8.8)', async () => {
    const rows = async () => {
      let total = 0;
      for (const table of [schema.sessions, schema.installStates, schema.auditEvents]) {
        total += (await h.hub.db.db.select({ n: count() }).from(table))[0]!.n;
      }
      return total;
    };
    const before = await rows();
    await Promise.all(
      Array.from({ length: 50 }, () => fetch(`${h.hub.url}/auth/login?return_to=/workspace/settings/repos`, { redirect: 'manual' })),
    );
    expect(await rows()).toBe(before);
  });

  it('keeps return_to to 512 characters: a longer one signs in to the settings page', async () => {
    const browser = new Browserless();
    const long = `/workspace/settings/repos?x=${'a'.repeat(600)}`;
    const callback = await signInUpToCallback(h, browser, 'user_ada', long);
    const cookie = browser.cookie(new URL(h.hub.url).host, loginCookieName)!;
    expect(cookie.length).toBeLessThan(1200);
    const done = await browser.get(callback, { follow: false });
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/workspace/settings/repos');
    const fine = new Browserless();
    const ok = await fine.get(await signInUpToCallback(h, fine, 'user_ada', '/workspace/settings/repos?tab=1'), { follow: false });
    expect(ok.headers.get('location')).toBe('/workspace/settings/repos?tab=1');
  });
});
