import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sign, verify } from '@octokit/webhooks-methods';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubSim } from '../src/index.js';
import { api, basicWorld } from './helpers.js';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('webhook deliveries', () => {
  let sim: GitHubSim;
  let receiver: Server;
  let received: Received[];
  let answerStatus: number;
  let w: Awaited<ReturnType<typeof basicWorld>>;
  const secret = "It's a Secret to Everybody";

  beforeEach(async () => {
    received = [];
    answerStatus = 202;
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(answerStatus).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    sim = await GitHubSim.start();
    w = await basicWorld(sim);
    w.app.webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/github`;
    w.app.webhookSecret = secret;
  });
  afterEach(async () => {
    await sim.close();
    await new Promise((r) => receiver.close(r));
  });

  it("matches GitHub's published signature test vector", async () => {
    expect(await sign(secret, 'Hello, World!')).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });

  it("signs deliveries so that @octokit/webhooks-methods verifies them, with GitHub's headers", async () => {
    await api(sim, 'PUT', `/app/installations/${w.installation.id}/suspended`, { token: w.jwt() });
    await sim.webhooks.settle();
    expect(received).toHaveLength(1);
    const [delivery] = received;
    expect(await verify(secret, delivery!.body, String(delivery!.headers['x-hub-signature-256']))).toBe(true);
    expect(delivery!.headers['x-github-event']).toBe('installation');
    expect(delivery!.headers['x-github-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    expect(delivery!.headers['user-agent']).toMatch(/^GitHub-Hookshot\//);
    expect(delivery!.headers['x-github-hook-installation-target-type']).toBe('integration');
    const payload = JSON.parse(delivery!.body);
    expect(payload.action).toBe('suspend');
    expect(payload.installation.suspended_at).toBeTruthy();
  });

  it('sends installation_repositories when the selection changes, repository.renamed on rename, and nothing on deletion', async () => {
    sim.world.updateSelection(w.installation, 'selected', [w.inRepo.id, w.otherRepo.id], w.admin);
    const token = await w.mint();
    await api(sim, 'PATCH', '/repos/octo-org/made-by-app', { token, body: { name: 'renamed-guide' } });
    await sim.world.deleteRepository(sim.store.repos.get(w.otherRepo.id)!);
    await sim.webhooks.settle();
    const events = received.map((r) => `${r.headers['x-github-event']}.${JSON.parse(r.body).action}`);
    expect(events).toEqual(['installation_repositories.added', 'repository.renamed']);
    const renamed = JSON.parse(received[1]!.body);
    expect(renamed.changes.repository.name.from).toBe('made-by-app');
  });

  it('sends repository.created to the installations that reach a new repository, none to those that do not', async () => {
    const other = sim.addApp({ slug: 'other-app', ownerLogin: 'octo-org' });
    other.app.webhookUrl = w.app.webhookUrl;
    sim.install(other.app, 'octo-org', { by: 'octo-admin', selection: 'selected', repositories: ['customer-code'] });
    await sim.webhooks.settle();
    received.length = 0;
    const token = await w.mint();
    const created = await api(sim, 'POST', '/orgs/octo-org/repos', { token, body: { name: 'new-tickets' } });
    expect(created.status).toBe(201);
    await sim.webhooks.settle();
    expect(received.map((r) => `${r.headers['x-github-event']}.${JSON.parse(r.body).action}`)).toEqual(['repository.created']);
    expect(received[0]!.headers['x-github-hook-installation-target-id']).toBe(String(w.app.id));
    expect(JSON.parse(received[0]!.body).repository).toMatchObject({ id: created.body.id, name: 'new-tickets' });
    // a seeded repository (no one created it through the API) sends nothing
    await sim.createRepository('octo-org', 'seeded-quietly');
    await sim.webhooks.settle();
    expect(received).toHaveLength(1);
  });

  it('sends installation_target.renamed when the account changes its login, and github_app_authorization.revoked', async () => {
    sim.world.renameAccount(w.org, 'octo-org-renamed', w.admin);
    sim.world.issueUserTokens(w.app, w.admin);
    sim.world.revokeAuthorization(w.app, w.admin);
    await sim.webhooks.settle();
    const target = JSON.parse(received[0]!.body);
    expect(target.changes.login.from).toBe('octo-org');
    expect(target.account.login).toBe('octo-org-renamed');
    expect(received[1]!.headers['x-github-event']).toBe('github_app_authorization');
  });

  it('never retries a failed delivery by itself; a redelivery keeps the delivery id', async () => {
    answerStatus = 500;
    await api(sim, 'PUT', `/app/installations/${w.installation.id}/suspended`, { token: w.jwt() });
    await sim.webhooks.settle();
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toHaveLength(1);
    const list = await api(sim, 'GET', '/app/hook/deliveries', { token: w.jwt() });
    const failed = list.body.find((d: { status_code: number }) => d.status_code === 500);
    expect(failed.status).toBe('Invalid HTTP Response: 500');
    answerStatus = 200;
    expect(
      (await api(sim, 'POST', `/app/hook/deliveries/${failed.id}/attempts`, { token: w.jwt() })).status,
    ).toBe(202);
    await sim.webhooks.settle();
    expect(received).toHaveLength(2);
    expect(received[1]!.headers['x-github-delivery']).toBe(received[0]!.headers['x-github-delivery']);
    const after = await api(sim, 'GET', '/app/hook/deliveries', { token: w.jwt() });
    expect(after.body[0].redelivery).toBe(true);
    expect(after.body[0].status).toBe('OK');
  });

  it('filters GET /app/hook/deliveries by status (success 200-399, failure 400-599) and pages it with a cursor', async () => {
    answerStatus = 500;
    await api(sim, 'PUT', `/app/installations/${w.installation.id}/suspended`, { token: w.jwt() });
    await sim.webhooks.settle();
    answerStatus = 200;
    await api(sim, 'DELETE', `/app/installations/${w.installation.id}/suspended`, { token: w.jwt() });
    sim.world.updateSelection(w.installation, 'selected', [w.inRepo.id, w.otherRepo.id], w.admin);
    await sim.webhooks.settle();
    const failed = await api(sim, 'GET', '/app/hook/deliveries?status=failure', { token: w.jwt() });
    expect(failed.body.map((d: { action: string }) => d.action)).toEqual(['suspend']);
    const ok = await api(sim, 'GET', '/app/hook/deliveries?status=success&per_page=1', { token: w.jwt() });
    expect(ok.body.map((d: { action: string }) => d.action)).toEqual(['added']);
    const next = /<([^>]+)>; rel="next"/.exec(ok.headers.get('link')!)![1]!;
    expect(new URL(next).searchParams.get('cursor')).toMatch(/^v1_\d+$/);
    expect(new URL(next).searchParams.get('status')).toBe('success');
    const second = await api(sim, 'GET', next.slice(sim.apiUrl.length), { token: w.jwt() });
    expect(second.body.map((d: { action: string }) => d.action)).toEqual(['unsuspend']);
    expect(second.headers.get('link')).toBeNull();
    expect((await api(sim, 'GET', '/app/hook/deliveries?status=broken', { token: w.jwt() })).status).toBe(422);
  });
});
