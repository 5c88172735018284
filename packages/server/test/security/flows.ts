import type { Browserless } from '../browserless.js';
import type { Harness } from '../service-harness.js';

/** A clock the test can move forward (hubgate's own; the simulator and the OpenID provider keep real time). */
export function movableClock() {
  let offsetMs = 0;
  return {
    now: () => Date.now() + offsetMs,
    advance(ms: number) {
      offsetMs += ms;
    },
    reset() {
      offsetMs = 0;
    },
  };
}

/**
 * Walks a sign-in up to the provider's redirect back to hubgate and stops there, as an attacker would: returns the
 * `/auth/callback?code&state` URL without opening it.
 */
export async function signInUpToCallback(h: Harness, browser: Browserless, sub: string, returnTo = '/workspace/settings/repos') {
  const login = await browser.get(`${h.hub.url}/auth/login?return_to=${encodeURIComponent(returnTo)}`);
  const uid = /action="\/interaction\/([\w-]+)\/login"/.exec(await login.text())![1];
  const issuer = new URL(login.finalUrl).origin;
  let next = await browser.post(`${issuer}/interaction/${uid}/login`, { form: { sub }, follow: false });
  for (let hop = 0; hop < 10; hop++) {
    const location = new URL(next.headers.get('location')!, next.finalUrl).toString();
    await next.arrayBuffer();
    if (location.startsWith(`${h.hub.url}/auth/callback`)) return location;
    next = await browser.get(location, { follow: false });
  }
  throw new Error('the provider never redirected back to hubgate');
}

/** The state of `POST /api/github/connect`, as the install URL carries it. */
export async function connectState(h: Harness, browser: Browserless & { csrf: string }): Promise<string> {
  const { body } = await h.api(browser, 'POST', '/api/github/connect', {});
  if (!body.installUrl) throw new Error(`connect refused: ${JSON.stringify(body)}`);
  return new URL(body.installUrl).searchParams.get('state')!;
}

/** Installs the app on an account straight on GitHub (no hubgate state): an unbound installation. */
export async function installWithoutState(h: Harness, browser: Browserless, githubLogin: string, accountLogin: string) {
  const sim = h.hub.sandbox!.sim;
  await h.signInToGitHub(browser, githubLogin);
  const account = sim.store.requireAccount(accountLogin);
  await browser.post(`${sim.webUrl}/github-apps/tisket/installations`, {
    form: { account_id: String(account.id), repository_selection: 'selected' },
    follow: false,
  });
  await sim.webhooks.settle();
  await h.hub.receiver.settle();
  const installed = [...sim.store.installations.values()].find((i) => i.accountId === account.id);
  if (!installed) throw new Error(`${githubLogin} could not install on ${accountLogin}`);
  return installed.id;
}
