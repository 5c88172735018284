import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '@octokit/webhooks-methods';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubSim } from '../src/index.js';
import { api, goodJwt } from './helpers.js';

const form = (fields: Record<string, string>) => new URLSearchParams(fields);

describe('registering an app from a manifest', () => {
  let sim: GitHubSim;
  let receiver: Server;
  let hookUrl: string;
  const received: { headers: Record<string, unknown>; body: string }[] = [];

  beforeEach(async () => {
    received.length = 0;
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/github`;
    sim = await GitHubSim.start();
    sim.addUser('ada');
    sim.addUser('bob');
    sim.addOrg('tisket-com', { ada: 'admin', bob: 'member' });
  });
  afterEach(async () => {
    await sim.close();
    await new Promise((r) => receiver.close(r));
  });

  const manifest = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      name: 'Tisket Self Hosted',
      url: 'https://app.example',
      hook_attributes: { url: hookUrl },
      redirect_url: 'https://app.example/github/manifest',
      callback_urls: ['https://app.example/github/callback'],
      setup_url: 'https://app.example/github/setup',
      default_permissions: { contents: 'write', administration: 'write' },
      default_events: ['repository'],
      ...extra,
    });

  /** Posts the manifest, confirms as `login`, and returns where GitHub sends the browser. */
  async function registerThrough(path: string, login: string, manifestText = manifest()) {
    const received = await fetch(`${sim.webUrl}${path}?state=st4te`, {
      method: 'POST',
      body: form({ manifest: manifestText }),
      redirect: 'manual',
    });
    expect(received.status).toBe(303);
    const confirmUrl = `${sim.webUrl}${received.headers.get('location')}`;
    const anonymous = await fetch(confirmUrl, { redirect: 'manual' });
    expect(anonymous.headers.get('location')).toMatch(/^\/login\?return_to=/);
    const cookie = sim.sessionCookieFor(login);
    const confirm = await fetch(confirmUrl, { headers: { cookie } });
    if (confirm.status !== 200) return { status: confirm.status, location: null };
    expect(await confirm.text()).toContain('Create GitHub App for');
    const created = await fetch(confirmUrl, {
      method: 'POST',
      headers: { cookie },
      body: form({ name: 'Tisket Self Hosted' }),
      redirect: 'manual',
    });
    return { status: created.status, location: created.headers.get('location') };
  }

  it('redirects to redirect_url with a code and the state; the conversion answers 201 with working credentials', async () => {
    const { status, location } = await registerThrough('/settings/apps/new', 'ada');
    expect(status).toBe(302);
    const back = new URL(location!);
    expect(back.origin + back.pathname).toBe('https://app.example/github/manifest');
    expect(back.searchParams.get('state')).toBe('st4te');
    const code = back.searchParams.get('code')!;

    const converted = await api(sim, 'POST', `/app-manifests/${code}/conversions`);
    expect(converted.status).toBe(201);
    const app = converted.body;
    expect(app).toMatchObject({ slug: 'tisket-self-hosted', owner: { login: 'ada' }, events: ['repository'] });
    expect(app.permissions).toEqual({ metadata: 'read', contents: 'write', administration: 'write' });
    expect(app.client_secret).toBeTruthy();
    expect(app.pem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    // Single use.
    expect((await api(sim, 'POST', `/app-manifests/${code}/conversions`)).status).toBe(404);

    // The new app works: its JWT, an installation, a token, and signed webhooks to its hook URL.
    const jwt = goodJwt(app.pem, app.client_id, sim.clock.now());
    expect((await api(sim, 'GET', '/app', { token: jwt })).body.id).toBe(app.id);
    const installation = sim.install(sim.store.requireApp(app.id), 'tisket-com', { by: 'ada', selection: 'all' });
    const minted = await api(sim, 'POST', `/app/installations/${installation.id}/access_tokens`, { token: jwt });
    expect(minted.status).toBe(201);
    await sim.webhooks.settle();
    expect(received).toHaveLength(1);
    expect(
      await verify(app.webhook_secret, received[0]!.body, String(received[0]!.headers['x-hub-signature-256'])),
    ).toBe(true);
  });

  it('registers for an organization only when its owner confirms; a member gets 404', async () => {
    expect((await registerThrough('/organizations/tisket-com/settings/apps/new', 'bob')).status).toBe(404);
    const { location } = await registerThrough('/organizations/tisket-com/settings/apps/new', 'ada');
    const code = new URL(location!).searchParams.get('code')!;
    const converted = await api(sim, 'POST', `/app-manifests/${code}/conversions`);
    expect(converted.body.owner.login).toBe('tisket-com');
  });

  it('lets a code expire after an hour, and refuses an invalid manifest with the problem named', async () => {
    const { location } = await registerThrough('/settings/apps/new', 'ada');
    const code = new URL(location!).searchParams.get('code')!;
    sim.clock.advance(61 * 60_000);
    expect((await api(sim, 'POST', `/app-manifests/${code}/conversions`)).status).toBe(404);
    sim.clock.setOffsetMs(0);
    const invalid = await fetch(`${sim.webUrl}/settings/apps/new`, {
      method: 'POST',
      body: form({ manifest: JSON.stringify({ name: 'No url' }) }),
      redirect: 'manual',
    });
    expect(invalid.status).toBe(422);
    expect(await invalid.text()).toContain('url');
    expect(sim.store.appBySlug('no-url')).toBeUndefined();
  });
});
