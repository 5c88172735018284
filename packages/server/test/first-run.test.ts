import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { GitHubSim } from '@hubgate/github-sim';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type RunningHubgate, startHubgate } from '../src/compose/start-hubgate.js';
import { createLogger } from '../src/logger.js';
import { startLocalOidcProvider } from '../src/sandbox/local-oidc-provider.js';
import { expectNoAxeViolations, haveChromium, launchChromium, newVisitor } from './browser-support.js';
import { Browserless } from './browserless.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const unescape = (v: string) => v.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)));

/** The fields of the page that posts the manifest to GitHub. */
function autoPost(html: string) {
  const action = unescape(/action="([^"]+)"/.exec(html)![1]!);
  const values = Object.fromEntries([...html.matchAll(/name="(\w+)" value="([^"]*)"/g)].map((m) => [m[1]!, unescape(m[2]!)]));
  return { action, manifest: values.manifest!, state: values.state! };
}

/** A hubgate with no app and the sandbox off: `startHubgate` serves the first-run page until an app is registered. */
async function startFirstRun(env: Record<string, string>, port?: number) {
  const dir = mkdtempSync(join(tmpdir(), 'hubgate-first-run-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  port ??= await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logs: string[] = [];
  const destination = new Writable({ write: (chunk, _enc, done) => (logs.push(chunk.toString()), done()) });
  const abort = new AbortController();
  const starting = startHubgate({
    env: { PORT: String(port), HOST: '127.0.0.1', HUBGATE_DATA_DIR: dir, HUBGATE_SANDBOX: 'off', HUBGATE_RECONCILE_INTERVAL_SECONDS: '0', ...env },
    logger: createLogger({ level: 'debug', destination }),
    signal: abort.signal,
  });
  let hub: RunningHubgate | null = null;
  void starting.then((h) => (hub = h), () => undefined);
  cleanups.push(async () => {
    abort.abort(new Error('test over'));
    await starting.catch(() => undefined);
    await (hub as RunningHubgate | null)?.close();
  });
  for (let i = 0; ; i++) {
    const ready = await fetch(`${url}/healthz`).then((r) => r.status, () => 0);
    if (ready === 200) break;
    if (i > 100) throw new Error('the first-run page never answered');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { dir, url, logs, starting };
}

describe('the first-run page (no GitHub App configured, HUBGATE_SANDBOX=off)', () => {
  it('registers the system app only for the setup token holder, in the browser that started, once; shows the settings once and says what is missing', async () => {
    const sim = await GitHubSim.start();
    cleanups.push(() => sim.close());
    sim.addUser('ada');
    sim.addOrg('tisket-com', { ada: 'admin' });
    const token = 'first-run-token-0123456789abcdef';
    const { dir, url, logs, starting } = await startFirstRun({ HUBGATE_SETUP_TOKEN: token, GITHUB_API_URL: sim.apiUrl });
    let started = false;
    void starting.then(() => (started = true), () => undefined);

    const operator = new Browserless();
    const form = await operator.get(`${url}/workspace/settings/repos`);
    expect(form.finalUrl).toBe(`${url}/first-run`);
    const formHtml = await form.text();
    expect(formHtml).toContain('HUBGATE_SETUP_TOKEN');
    expect(formHtml).toContain(`value="${sim.webUrl}"`);
    expect(formHtml).toContain(`under <code>${url}</code>: PUBLIC_URL is not set`);
    const api = await operator.get(`${url}/api/projects`);
    expect(api.status).toBe(503);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('first_run');
    expect((await fetch(`${url}/readyz`)).status).toBe(503);

    const fields = { webUrl: sim.webUrl, organization: 'tisket-com', name: 'Tisket hubgate', output: 'env' };
    // No token, a wrong one: refused, and nothing is started (no cookie, no state).
    for (const wrong of [{}, { token: 'first-run-token-0123456789abcdeX' }] as Record<string, string>[]) {
      const refused = await operator.post(`${url}/first-run`, { form: { ...fields, ...wrong } });
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('not the setup token');
      expect(operator.cookie(new URL(url).host, 'hubgate_first_run')).toBeUndefined();
    }

    // The token holder starts: the manifest derives from the service's URL and goes to the organization's page.
    const started1 = await operator.post(`${url}/first-run`, { form: { ...fields, token } });
    expect(started1.status).toBe(200);
    const post1 = autoPost(await started1.text());
    expect(post1.action).toBe(`${sim.webUrl}/organizations/tisket-com/settings/apps/new`);
    expect(JSON.parse(post1.manifest)).toMatchObject({
      name: 'Tisket hubgate',
      url,
      redirect_url: `${url}/first-run/callback`,
      hook_attributes: { url: `${url}/webhooks/github` },
      setup_url: `${url}/github/setup`,
      callback_urls: [`${url}/github/callback`],
      default_permissions: { administration: 'write', contents: 'write', metadata: 'read', members: 'read' },
    });
    await operator.post(`${sim.webUrl}/session`, { form: { login: 'ada', return_to: '/' }, follow: false });
    const confirm1 = await operator.post(post1.action, { form: { manifest: post1.manifest, state: post1.state } });
    const back1 = await operator.post(confirm1.finalUrl, { form: { name: 'Tisket hubgate' }, follow: false });
    const callback1 = back1.headers.get('location')!;
    expect(callback1.startsWith(`${url}/first-run/callback?code=`)).toBe(true);

    // A stranger who got hold of the return URL (code and state) is refused: the state belongs to the operator's browser.
    const stranger = new Browserless();
    const elsewhere = await stranger.get(callback1);
    expect(elsewhere.status).toBe(403);
    expect(await elsewhere.text()).toContain('started in another browser');
    // A state the service never issued is refused.
    const forged = await operator.get(callback1.replace(/state=[^&]+/, 'state=forged'));
    expect(forged.status).toBe(400);
    // The code was spent elsewhere (a replay): GitHub refuses it, nothing is registered, and the state is spent too.
    const code1 = new URL(callback1).searchParams.get('code')!;
    expect((await fetch(`${sim.apiUrl}/app-manifests/${code1}/conversions`, { method: 'POST' })).status).toBe(201);
    const replayed = await operator.get(callback1);
    expect(replayed.status).toBe(400);
    expect(await replayed.text()).toMatch(/GitHub refused the manifest code \(HTTP 404/);
    const again = await operator.get(callback1);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('does not match a registration in progress');

    // Start again and finish: the settings are shown once, and the page says what keeps the service from running.
    const post2 = autoPost(await (await operator.post(`${url}/first-run`, { form: { ...fields, token } })).text());
    const confirm2 = await operator.post(post2.action, { form: { manifest: post2.manifest, state: post2.state } });
    const done = await operator.post(confirm2.finalUrl, { form: { name: 'Tisket hubgate 2' } });
    expect(done.status).toBe(200);
    expect(done.headers.get('cache-control')).toBe('no-store');
    const doneHtml = unescape(await done.text());
    const app = sim.store.appBySlug('tisket-hubgate-2')!;
    expect(app.webhookUrl).toBe(`${url}/webhooks/github`);
    expect(doneHtml).toContain(`GITHUB_APP_ID="${app.id}"`);
    expect(doneHtml).toContain('GITHUB_APP_SLUG="tisket-hubgate-2"');
    expect(doneHtml).toContain(`GITHUB_API_URL="${sim.apiUrl}"`);
    expect(doneHtml).toMatch(/GITHUB_APP_PRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----/);
    expect(doneHtml).toMatch(/HUBGATE_SECRET_KEY="[0-9a-f]{64}"/);
    expect(doneHtml).toContain('OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET: required with a real GitHub App');
    expect(doneHtml).toContain('then restart it');
    expect(existsSync(join(dir, 'hubgate.yaml'))).toBe(false);

    // Once registered, the page shows nothing more and starts nothing more; the service waits for its restart.
    const after = await operator.get(`${url}/first-run`);
    const afterHtml = await after.text();
    expect(afterHtml).toContain('waits for a restart');
    expect(afterHtml).not.toContain('PRIVATE KEY');
    expect((await operator.post(`${url}/first-run`, { form: { ...fields, token } })).status).toBe(409);
    expect(started).toBe(false);

    const log = logs.join('');
    expect(log).toContain(`${url}/first-run`);
    expect(log).toContain('HUBGATE_SETUP_TOKEN');
    expect(log).not.toContain(token);
    expect(log).not.toContain(code1);
    expect(log).not.toMatch(/BEGIN RSA PRIVATE KEY-----\s*[A-Za-z0-9+/]{20}/);
  }, 60_000);

  it.skipIf(!haveChromium)('registers the app in Chromium with the token from the data directory, writes a 0600 file, and the service then runs with it and connects a tenant', async () => {
    const sim = await GitHubSim.start();
    cleanups.push(() => sim.close());
    sim.addUser('ada');
    sim.addOrg('tisket-com', { ada: 'admin' });
    const port = await freePort();
    const oidc = await startLocalOidcProvider({ redirectUri: `http://127.0.0.1:${port}/auth/callback`, postLogoutRedirectUri: `http://127.0.0.1:${port}/auth/signed-out` });
    cleanups.push(() => oidc.close());
    // The port is chosen first: the OpenID provider's redirect URI names it.
    const { dir, url, logs, starting } = await startFirstRun({ OIDC_ISSUER: oidc.issuer, OIDC_CLIENT_ID: oidc.clientId, OIDC_CLIENT_SECRET: oidc.clientSecret }, port);
    const tokenFile = join(dir, 'first-run-token');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(logs.join('')).toContain(tokenFile);
    expect(logs.join('')).not.toContain(token);

    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    // The form is usable with assistive technology (axe-core needs its script let in: a context of its own).
    const axePage = await (await newVisitor(browser)).newPage();
    await axePage.goto(`${url}/first-run`);
    await expectNoAxeViolations(axePage, 'first-run form');
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${url}/`);
    expect(page.url()).toBe(`${url}/first-run`);
    await page.getByLabel('Setup token').fill(token);
    await page.getByLabel(/^GitHub/).fill(sim.webUrl);
    await page.getByLabel(/^Organization/).fill('tisket-com');
    await page.getByLabel('App name').fill('Tisket prod');
    await page.getByRole('button', { name: 'Register on GitHub' }).click();
    // The page posts the manifest by itself; the simulated GitHub asks to sign in, then to confirm.
    await page.waitForURL(`${sim.webUrl}/login*`);
    await page.getByRole('button', { name: 'Sign in as ada' }).click();
    await page.getByRole('button', { name: /Create GitHub App for tisket-com/ }).click();
    await page.waitForURL(`${url}/first-run/callback*`);
    await page.locator('#live').waitFor();
    const settingsFile = join(dir, 'hubgate.yaml');
    expect(await page.textContent('main')).toContain(`HUBGATE_CONFIG_FILE=${settingsFile}`);

    const hub = await starting;
    const app = sim.store.appBySlug('tisket-prod')!;
    expect(hub.sandbox).toBeNull();
    expect(hub.github).toMatchObject({ appId: app.id, slug: 'tisket-prod', apiUrl: sim.apiUrl });
    expect(statSync(settingsFile).mode & 0o777).toBe(0o600);
    const settings = parse(readFileSync(settingsFile, 'utf8')) as Record<string, string>;
    expect(settings).toMatchObject({ GITHUB_APP_ID: String(app.id), GITHUB_APP_SLUG: 'tisket-prod', PUBLIC_URL: url });
    expect(logs.join('')).not.toContain(settings.GITHUB_APP_PRIVATE_KEY!.slice(40, 80));
    expect(logs.join('')).not.toContain(settings.GITHUB_APP_CLIENT_SECRET!);

    // Without a restart: Ada signs in and connects her own account's installation of the new app.
    const ada = new Browserless();
    const login = await ada.get(`${url}/auth/login`);
    const uid = /action="\/interaction\/([\w-]+)\/login"/.exec(await login.text())![1];
    await ada.post(`${new URL(login.finalUrl).origin}/interaction/${uid}/login`, { form: { sub: 'user_ada' } });
    const session = (await (await ada.get(`${url}/api/session`)).json()) as { csrfToken: string };
    const connect = (await (await ada.post(`${url}/api/github/connect`, { json: {}, headers: { 'x-csrf-token': session.csrfToken } })).json()) as { installUrl: string };
    expect(connect.installUrl.startsWith(`${sim.webUrl}/github-apps/tisket-prod/installations/new`)).toBe(true);
    await ada.post(`${sim.webUrl}/session`, { form: { login: 'ada', return_to: '/' }, follow: false });
    const installed = await ada.post(`${sim.webUrl}/github-apps/tisket-prod/installations`, {
      form: { account_id: String(sim.store.requireAccount('tisket-com').id), repository_selection: 'selected', state: new URL(connect.installUrl).searchParams.get('state')! },
    });
    expect(installed.finalUrl).toContain('connected=1');
    const connection = (await (await ada.get(`${url}/api/github/connection`)).json()) as { connected: boolean; account: { login: string } };
    expect(connection).toMatchObject({ connected: true, account: { login: 'tisket-com' } });
  }, 90_000);
});
