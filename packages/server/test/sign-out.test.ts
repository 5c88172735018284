import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitHubSim, seedDemo } from '@hubgate/github-sim';
import { afterAll, describe, expect, it } from 'vitest';
import { startHubgate } from '../src/compose/start-hubgate.js';
import { createLogger } from '../src/logger.js';
import { startLocalOidcProvider } from '../src/sandbox/local-oidc-provider.js';
import { Browserless } from './browserless.js';
import { startHarness } from './service-harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

/** Starts a sign-in at hubgate and says where the provider put the browser: its user picker, or straight back. */
async function startSignIn(browser: Browserless, hubUrl: string) {
  const login = await browser.get(`${hubUrl}/auth/login?return_to=/workspace/settings/repos`);
  const uid = /action="\/interaction\/([\w-]+)\/login"/.exec(await login.text())?.[1];
  return { picker: uid !== undefined, uid, finalUrl: login.finalUrl };
}

async function signIn(browser: Browserless, hubUrl: string, sub: string) {
  const { uid, finalUrl } = await startSignIn(browser, hubUrl);
  await browser.post(`${new URL(finalUrl).origin}/interaction/${uid}/login`, { form: { sub } });
  return csrfOf(browser, hubUrl);
}

async function csrfOf(browser: Browserless, hubUrl: string) {
  const session = (await (await browser.get(`${hubUrl}/api/session`)).json()) as { signedIn: boolean; csrfToken: string };
  expect(session.signedIn).toBe(true);
  return session.csrfToken;
}

async function signOut(browser: Browserless, hubUrl: string, csrf: string) {
  const response = await browser.post(`${hubUrl}/auth/logout`, { json: {}, headers: { 'x-csrf-token': csrf }, follow: false });
  expect(response.status).toBe(200);
  return ((await response.json()) as { signedOut: true; next: string }).next;
}

describe('Sign out', () => {
  it("ends the sandbox provider's session too, so the next sign-in asks who is signing in", async () => {
    const h = await startHarness();
    cleanups.push(() => h.close());
    const oidc = h.hub.sandbox!.oidc;
    const browser = new Browserless();
    await signIn(browser, h.hub.url, 'user_ada');
    // While the provider's session lasts, a new sign-in goes straight back as Ada (with a new hubgate session).
    expect((await startSignIn(browser, h.hub.url)).picker).toBe(false);
    const csrf = await csrfOf(browser, h.hub.url);

    const next = new URL(await signOut(browser, h.hub.url, csrf));
    expect(next.origin).toBe(oidc.issuer);
    expect(Object.fromEntries(next.searchParams)).toEqual({
      client_id: oidc.clientId,
      post_logout_redirect_uri: `${h.hub.url}/auth/signed-out`,
    });
    expect((await (await browser.get(`${h.hub.url}/api/session`)).json()) as object).toMatchObject({ signedIn: false });

    // The provider's page submits its form by itself (a script); a browser without scripts presses its button.
    const page = await browser.get(next.toString());
    const html = await page.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const back = await browser.post(new URL(action, page.finalUrl).toString(), { form: { xsrf, logout: 'yes' } });
    expect(back.finalUrl).toBe(`${h.hub.url}/workspace/settings/repos?signed_out=1`);
    expect((await startSignIn(browser, h.hub.url)).picker).toBe(true);
  }, 120_000);

  it('with a provider that publishes no end-session endpoint, still ends the hubgate session', async () => {
    const sim = await GitHubSim.start();
    cleanups.push(() => sim.close());
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    const webhookSecret = randomBytes(20).toString('hex');
    const demo = seedDemo(sim, {
      setupUrl: `${publicUrl}/github/setup`,
      callbackUrls: [`${publicUrl}/github/callback`],
      webhookUrl: `${publicUrl}/webhooks/github`,
      webhookSecret,
    });
    const oidc = await startLocalOidcProvider({
      redirectUri: `${publicUrl}/auth/callback`,
      postLogoutRedirectUri: `${publicUrl}/auth/signed-out`,
      rpInitiatedLogout: false,
    });
    cleanups.push(() => oidc.close());
    const dir = mkdtempSync(join(tmpdir(), 'hubgate-signout-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const hub = await startHubgate({
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: publicUrl,
        HUBGATE_DATA_DIR: dir,
        HUBGATE_SECRET_KEY: randomBytes(32).toString('hex'),
        HUBGATE_RECONCILE_INTERVAL_SECONDS: '0',
        GITHUB_APP_ID: String(demo.app.id),
        GITHUB_APP_CLIENT_ID: demo.app.clientId,
        GITHUB_APP_CLIENT_SECRET: demo.app.clientSecret,
        GITHUB_APP_SLUG: demo.app.slug,
        GITHUB_APP_PRIVATE_KEY: demo.privateKey,
        GITHUB_APP_WEBHOOK_SECRET: webhookSecret,
        GITHUB_API_URL: sim.apiUrl,
        GITHUB_WEB_URL: sim.webUrl,
        OIDC_ISSUER: oidc.issuer,
        OIDC_CLIENT_ID: oidc.clientId,
        OIDC_CLIENT_SECRET: oidc.clientSecret,
      },
      logger: createLogger({ level: 'silent' }),
    });
    cleanups.push(() => hub.close());
    expect(hub.sandbox).toBeNull();

    const browser = new Browserless();
    const csrf = await signIn(browser, publicUrl, 'user_ada');
    expect(await signOut(browser, publicUrl, csrf)).toBe('/auth/signed-out');
    expect((await (await browser.get(`${publicUrl}/api/session`)).json()) as object).toMatchObject({ signedIn: false });
    const back = await browser.get(`${publicUrl}/auth/signed-out`);
    expect(back.finalUrl).toBe(`${publicUrl}/workspace/settings/repos?signed_out=1`);
  }, 120_000);
});
