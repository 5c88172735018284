import type { GitHubSim } from '@hubgate/github-sim';
import { Browserless } from '../browserless.js';

export type SignedIn = Browserless & { csrf: string };

/** Ada's sign-in through the proxy: the same form posts as service-harness.ts, against the standalone provider. */
export async function signInThrough(proxyUrl: string, sub: string): Promise<SignedIn> {
  const browser = new Browserless() as SignedIn;
  const login = await browser.get(`${proxyUrl}/auth/login?return_to=/workspace/settings/repos`);
  const uid = /action="\/interaction\/([\w-]+)\/login"/.exec(await login.text())?.[1];
  if (!uid) throw new Error(`no sign-in form at ${login.finalUrl} (${login.status})`);
  const issuer = new URL(login.finalUrl).origin;
  const done = await browser.post(`${issuer}/interaction/${uid}/login`, { form: { sub } });
  if (!done.finalUrl.startsWith(`${proxyUrl}/workspace/settings/repos`)) throw new Error(`sign-in ended at ${done.finalUrl}`);
  const session = (await (await browser.get(`${proxyUrl}/api/session`)).json()) as { csrfToken: string };
  browser.csrf = session.csrfToken;
  return browser;
}

export async function callApi(
  browser: SignedIn,
  proxyUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any; replica: string | null }> {
  const response = await browser.request(method, `${proxyUrl}${path}`, {
    json: body,
    headers: { 'x-csrf-token': browser.csrf, accept: 'application/json' },
    follow: false,
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: response.status, body: parsed, replica: response.headers.get('x-fleet-replica') };
}

/** The agents' API through the proxy: `POST /api/v1/tokens` with an agent key as the bearer. */
export async function askToken(proxyUrl: string, key: string, body: unknown) {
  const response = await fetch(`${proxyUrl}/api/v1/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any, replica: response.headers.get('x-fleet-replica') };
}

/**
 * The signed-in admin connects `account` on "All repositories" through the proxy: hubgate's connect, the simulated
 * GitHub's install page as `login`, and the return to hubgate (the final response).
 */
export async function connectThrough(browser: SignedIn, proxyUrl: string, sim: GitHubSim, login: string, account: string) {
  const started = await callApi(browser, proxyUrl, 'POST', '/api/github/connect', {});
  if (started.status !== 200) throw new Error(`connect answered ${started.status}: ${JSON.stringify(started.body)}`);
  await browser.post(`${sim.webUrl}/session`, { form: { login, return_to: '/' }, follow: false });
  const state = new URL(started.body.installUrl).searchParams.get('state')!;
  const accountId = sim.store.requireAccount(account).id;
  return browser.post(`${sim.webUrl}/github-apps/tisket/installations`, {
    form: { account_id: String(accountId), repository_selection: 'all', state },
  });
}
