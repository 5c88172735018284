import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitHubSim } from '@hubgate/github-sim';
import { afterAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runDoctor } from '../src/cli/doctor.js';
import { runSetup } from '../src/cli/setup.js';
import { registeredSettings, writeSettingsFile } from '../src/manifest/registered-settings.js';
import { startHubgate } from '../src/compose/start-hubgate.js';
import { createLogger } from '../src/logger.js';
import { startLocalOidcProvider } from '../src/sandbox/local-oidc-provider.js';
import { Browserless } from './browserless.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

it('registers the system app with `hubgate setup` through GitHub\'s manifest flow, and the service starts with it and connects a tenant (its settings added to the operator\'s file, mode 0600)', async () => {
  const sim = await GitHubSim.start();
  cleanups.push(() => sim.close());
  sim.addUser('ada');
  sim.addOrg('tisket-com', { ada: 'admin' });
  const dir = mkdtempSync(join(tmpdir(), 'hubgate-setup-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const outFile = join(dir, 'hubgate.yaml');
  const printed: string[] = [];
  // The operator's file already holds the sign-in settings: setup adds the app's to them.
  const oidc = await startLocalOidcProvider({ redirectUri: `${publicUrl}/auth/callback`, postLogoutRedirectUri: `${publicUrl}/auth/signed-out` });
  cleanups.push(() => oidc.close());
  writeFileSync(outFile, stringify({ OIDC_ISSUER: oidc.issuer, OIDC_CLIENT_ID: oidc.clientId, OIDC_CLIENT_SECRET: oidc.clientSecret }), { mode: 0o644 });

  const setup = await runSetup({ publicUrl, apiUrl: sim.apiUrl, webUrl: sim.webUrl, organization: 'tisket-com', name: 'Tisket hubgate', outFile, print: (l) => printed.push(l) });
  const browser = new Browserless();
  await browser.post(`${sim.webUrl}/session`, { form: { login: 'ada', return_to: '/' }, follow: false });
  // The local page posts the manifest to GitHub (a browser would submit the form by itself).
  const page = await (await browser.get(setup.url)).text();
  const action = /action="([^"]+)"/.exec(page)![1]!.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)));
  const values = Object.fromEntries([...page.matchAll(/name="(\w+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]!.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)))]));
  expect(action).toBe(`${sim.webUrl}/organizations/tisket-com/settings/apps/new`);
  expect(JSON.parse(values.manifest!)).toMatchObject({
    hook_attributes: { url: `${publicUrl}/webhooks/github` },
    setup_url: `${publicUrl}/github/setup`,
    callback_urls: [`${publicUrl}/github/callback`],
    default_permissions: { administration: 'write', contents: 'write', metadata: 'read', members: 'read' },
  });
  const confirm = await browser.post(action, { form: { manifest: values.manifest!, state: values.state! } });
  const created = await browser.post(confirm.finalUrl, { form: { name: 'Tisket hubgate' } });
  expect(created.status).toBe(200);
  const result = await setup.done;

  expect(statSync(outFile).mode & 0o777).toBe(0o600);
  const settings = parse(readFileSync(outFile, 'utf8')) as Record<string, string>;
  expect(settings).toMatchObject({ GITHUB_APP_ID: String(result.appId), GITHUB_APP_SLUG: result.slug, PUBLIC_URL: publicUrl });
  expect(settings.GITHUB_APP_PRIVATE_KEY).toMatch(/BEGIN RSA PRIVATE KEY/);
  expect(printed.join('\n')).not.toContain(settings.GITHUB_APP_PRIVATE_KEY!.slice(40, 80));

  expect(settings.OIDC_ISSUER).toBe(oidc.issuer);
  expect(settings.HUBGATE_CACHE_KEY).toMatch(/^[0-9a-f]{64}$/);
  // doctor accepts what setup wrote, PUBLIC_URL and Redis included (before hubgate serves: its URL only warns).
  const doctorLines: string[] = [];
  const doctorCode = await runDoctor(
    { HUBGATE_CONFIG_FILE: outFile, HUBGATE_DATA_DIR: join(dir, 'doctor'), REDIS_URL: process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379/0' },
    (line) => doctorLines.push(line),
  );
  expect(doctorLines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
  expect(doctorCode).toBe(0);
  // Setup run again into the same file keeps the keys that sealed what is stored.
  writeSettingsFile(outFile, registeredSettings({ id: 1, client_id: 'Iv1.x', client_secret: 's', slug: 'again', pem: 'k', webhook_secret: 'w' } as never, { apiUrl: sim.apiUrl, webUrl: sim.webUrl, publicUrl }));
  const again = parse(readFileSync(outFile, 'utf8')) as Record<string, string>;
  expect(again.GITHUB_APP_SLUG).toBe('again');
  expect([again.HUBGATE_SECRET_KEY, again.HUBGATE_CACHE_KEY]).toEqual([settings.HUBGATE_SECRET_KEY, settings.HUBGATE_CACHE_KEY]);
  writeSettingsFile(outFile, settings);
  // The service starts with that file alone (a real OpenID provider), and an admin connects tisket-com.
  const hub = await startHubgate({
    env: {
      HUBGATE_CONFIG_FILE: outFile,
      PORT: String(port),
      HOST: '127.0.0.1',
      HUBGATE_DATA_DIR: dir,
      HUBGATE_RECONCILE_INTERVAL_SECONDS: '0',
    },
    logger: createLogger({ level: 'silent' }),
  });
  cleanups.push(() => hub.close());
  expect(hub.sandbox).toBeNull();
  // The sandbox's demo workload issuer exists only in the sandbox.
  expect((await fetch(`${publicUrl}/sandbox/workload/token?subject=x&audience=y`, { headers: { authorization: 'bearer sandbox-workload' } })).status).toBe(404);
  const login = await browser.get(`${publicUrl}/auth/login`);
  const uid = /action="\/interaction\/([\w-]+)\/login"/.exec(await login.text())![1];
  await browser.post(`${new URL(login.finalUrl).origin}/interaction/${uid}/login`, { form: { sub: 'user_ada' } });
  const session = (await (await browser.get(`${publicUrl}/api/session`)).json()) as { csrfToken: string; isAdmin: boolean };
  expect(session.isAdmin).toBe(true);
  const start = (await (await browser.post(`${publicUrl}/api/github/connect`, { json: {}, headers: { 'x-csrf-token': session.csrfToken } })).json()) as { installUrl: string };
  const state = new URL(start.installUrl).searchParams.get('state')!;
  const done = await browser.post(`${sim.webUrl}/github-apps/${result.slug}/installations`, {
    form: { account_id: String(sim.store.requireAccount('tisket-com').id), repository_selection: 'selected', state },
  });
  expect(done.finalUrl).toContain('connected=1');
  const connection = (await (await browser.get(`${publicUrl}/api/github/connection`)).json()) as { connected: boolean; account: { login: string } };
  expect(connection).toMatchObject({ connected: true, account: { login: 'tisket-com' } });
}, 90_000);
