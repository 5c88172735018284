import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubSim, seedDemo } from '../src/index.js';
import { api } from './helpers.js';

async function post(url: string, form: Record<string, string | string[]>, cookie: string) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const item of [v].flat()) body.append(k, item);
  return fetch(url, { method: 'POST', body, headers: { cookie }, redirect: 'manual' });
}

async function exchange(sim: GitHubSim, params: Record<string, string>) {
  const response = await fetch(`${sim.webUrl}/login/oauth/access_token`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe('install page and OAuth', () => {
  let sim: GitHubSim;
  let demo: ReturnType<typeof seedDemo>;
  beforeEach(async () => {
    sim = await GitHubSim.start();
    demo = seedDemo(sim, {
      setupUrl: 'http://app.example/github/setup',
      callbackUrls: ['http://app.example/github/callback'],
    });
  });
  afterEach(() => sim.close());

  it('sends an unsigned-in visitor of the install page to sign in first', async () => {
    const answer = await fetch(`${sim.webUrl}/github-apps/tisket/installations/new?state=abc`, {
      redirect: 'manual',
    });
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toMatch(/^\/login\?return_to=/);
  });

  it('installs on "Only select repositories" and redirects to the setup URL with installation_id, setup_action and the state', async () => {
    const cookie = sim.sessionCookieFor('ada');
    const page = await fetch(`${sim.webUrl}/github-apps/tisket/installations/new?state=s1`, {
      headers: { cookie },
    });
    expect(await page.text()).toContain('Only select repositories');
    const org = sim.store.requireAccount('tisket-com');
    const answer = await post(
      `${sim.webUrl}/github-apps/tisket/installations`,
      { account_id: String(org.id), repository_selection: 'selected', state: 's1' },
      cookie,
    );
    expect(answer.status).toBe(302);
    const location = new URL(answer.headers.get('location')!);
    expect(location.origin + location.pathname).toBe('http://app.example/github/setup');
    const installation = sim.store.installationFor(demo.app.id, org.id)!;
    expect(location.searchParams.get('installation_id')).toBe(String(installation.id));
    expect(location.searchParams.get('setup_action')).toBe('install');
    expect(location.searchParams.get('state')).toBe('s1');
    expect(installation.selection).toBe('selected');

    const again = await post(
      `${sim.webUrl}/github-apps/tisket/installations`,
      { account_id: String(org.id), repository_selection: 'all', state: 's2' },
      cookie,
    );
    expect(new URL(again.headers.get('location')!).searchParams.get('setup_action')).toBe('update');
  });

  it('sends the user to the callback with a code when the app requests authorization during installation', async () => {
    demo.app.requestOAuthOnInstall = true;
    const cookie = sim.sessionCookieFor('ada');
    const org = sim.store.requireAccount('tisket-com');
    const answer = await post(
      `${sim.webUrl}/github-apps/tisket/installations`,
      { account_id: String(org.id), repository_selection: 'selected', state: 's1' },
      cookie,
    );
    const location = new URL(answer.headers.get('location')!);
    expect(location.pathname).toBe('/github/callback');
    const code = location.searchParams.get('code')!;
    expect(location.searchParams.get('installation_id')).toBeTruthy();
    const tokens = await exchange(sim, {
      client_id: demo.app.clientId,
      client_secret: demo.app.clientSecret,
      code,
    });
    expect(tokens.body.access_token).toMatch(/^ghu_/);
    expect(tokens.body.refresh_token).toMatch(/^ghr_/);
    expect(tokens.body.expires_in).toBe(28800);
    expect(tokens.body.scope).toBe('');
    const mine = await api(sim, 'GET', '/user/installations', { token: tokens.body.access_token });
    expect(mine.body.installations[0].account.login).toBe('tisket-com');
  });

  it('answers OAuth errors with status 200 and an error field, as GitHub does; a code works once', async () => {
    const cookie = sim.sessionCookieFor('ada');
    const authorize = await fetch(
      `${sim.webUrl}/login/oauth/authorize?client_id=${demo.app.clientId}&state=x`,
      { headers: { cookie }, redirect: 'manual' },
    );
    const code = new URL(authorize.headers.get('location')!).searchParams.get('code')!;
    const wrongSecret = await exchange(sim, { client_id: demo.app.clientId, client_secret: 'nope', code });
    expect(wrongSecret.status).toBe(200);
    expect(wrongSecret.body.error).toBe('incorrect_client_credentials');
    const first = await exchange(sim, {
      client_id: demo.app.clientId,
      client_secret: demo.app.clientSecret,
      code,
    });
    expect(first.body.access_token).toBeTruthy();
    const second = await exchange(sim, {
      client_id: demo.app.clientId,
      client_secret: demo.app.clientSecret,
      code,
    });
    expect(second.body.error).toBe('bad_verification_code');
  });

  it('refuses a redirect_uri outside the registered callback URL', async () => {
    const cookie = sim.sessionCookieFor('ada');
    const answer = await fetch(
      `${sim.webUrl}/login/oauth/authorize?client_id=${demo.app.clientId}&redirect_uri=${encodeURIComponent('http://evil.example/cb')}`,
      { headers: { cookie }, redirect: 'manual' },
    );
    expect(answer.status).toBe(400);
  });

  it('kills the old pair when a refresh token is used, and refuses the used refresh token', async () => {
    const pair = sim.world.issueUserTokens(demo.app, sim.store.requireUser('ada'));
    const refreshed = await exchange(sim, {
      client_id: demo.app.clientId,
      client_secret: demo.app.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: pair.refresh.value,
    });
    expect(refreshed.body.access_token).toMatch(/^ghu_/);
    expect((await api(sim, 'GET', '/user', { token: pair.access.value })).status).toBe(401);
    expect((await api(sim, 'GET', '/user', { token: refreshed.body.access_token })).status).toBe(200);
    const reused = await exchange(sim, {
      client_id: demo.app.clientId,
      client_secret: demo.app.clientSecret,
      grant_type: 'refresh_token',
      refresh_token: pair.refresh.value,
    });
    expect(reused.body.error).toBe('bad_refresh_token');
  });

  it("turns a member's install into a request; the owner's approval creates the installation with no state", async () => {
    const cookie = sim.sessionCookieFor('bob');
    const org = sim.store.requireAccount('tisket-com');
    const answer = await post(
      `${sim.webUrl}/github-apps/tisket/installations`,
      { account_id: String(org.id), repository_selection: 'selected', state: 's1' },
      cookie,
    );
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('Request sent');
    expect(sim.store.installationFor(demo.app.id, org.id)).toBeUndefined();
    const [request] = [...sim.store.installRequests.values()];
    const inst = sim.approveInstallRequest(request!.id, 'ada');
    expect(inst.accountId).toBe(org.id);
  });
});
