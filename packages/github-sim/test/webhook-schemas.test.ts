import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubSim } from '../src/index.js';
import { api, type BasicWorld, basicWorld } from './helpers.js';
import { problemsWith, webhookSchema } from './openapi-schemas.js';

describe("webhook payloads against GitHub's published webhook schemas", () => {
  let sim: GitHubSim;
  let w: BasicWorld;
  let receiver: Server;
  const received: { headers: Record<string, unknown>; body: string }[] = [];
  const secret = 'webhook-secret';

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
    sim = await GitHubSim.start();
    w = await basicWorld(sim);
    w.app.webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/github`;
    w.app.webhookSecret = secret;
  });
  afterEach(async () => {
    await sim.close();
    await new Promise((r) => receiver.close(r));
  });

  /** Plays every event the simulator sends, through the same paths a client or owner would use. */
  async function everyEvent() {
    const token = await w.mint();
    sim.setRepositorySelection(w.installation, 'selected', ['made-by-app', 'customer-code']);
    sim.setRepositorySelection(w.installation, 'selected', ['made-by-app']);
    const patch = (body: unknown) => api(sim, 'PATCH', '/repos/octo-org/made-by-app', { token, body });
    await patch({ description: 'tickets' });
    await patch({ private: false });
    await patch({ private: true });
    await patch({ archived: true });
    await patch({ archived: false });
    await patch({ name: 'renamed-guide' });
    // the app creates a repository (it reaches it, even on "Only select repositories"): repository.created
    expect((await api(sim, 'POST', '/orgs/octo-org/repos', { token, body: { name: 'new-tickets' } })).status).toBe(201);
    sim.world.acceptNewPermissions(w.installation, { ...w.installation.permissions, issues: 'read' }, w.admin);
    sim.suspend(w.installation);
    sim.unsuspend(w.installation);
    sim.addOrg('second-org', { 'octo-admin': 'admin' });
    sim.install(w.app, 'second-org', { selection: 'all' });
    sim.transferRepository('octo-org', 'renamed-guide', 'second-org');
    sim.renameAccount('octo-org', 'octo-renamed');
    sim.world.issueUserTokens(w.app, w.admin);
    sim.world.revokeAuthorization(w.app, w.admin);
    sim.uninstall(w.installation);
    sim.install(w.app, 'octo-renamed', { selection: 'all' });
    await sim.webhooks.settle();
  }

  it('sends payloads that validate against x-webhooks, for every event and action', async () => {
    await everyEvent();
    const seen = new Set<string>();
    const violations: string[] = [];
    for (const delivery of sim.webhooks.deliveries) {
      const name = `${delivery.event}.${delivery.action}`;
      seen.add(name);
      const schema = webhookSchema(delivery.event, delivery.action);
      if (!schema) {
        violations.push(`${name}: no schema in GitHub's description`);
        continue;
      }
      const problems = problemsWith(schema, JSON.parse(delivery.body));
      if (problems) violations.push(`${name}: ${problems}`);
    }
    expect(violations).toEqual([]);
    expect([...seen].sort()).toEqual([
      'github_app_authorization.revoked',
      'installation.created',
      'installation.deleted',
      'installation.new_permissions_accepted',
      'installation.suspend',
      'installation.unsuspend',
      'installation_repositories.added',
      'installation_repositories.removed',
      'installation_target.renamed',
      'repository.archived',
      'repository.created',
      'repository.edited',
      'repository.privatized',
      'repository.publicized',
      'repository.renamed',
      'repository.transferred',
      'repository.unarchived',
    ]);
  });

  it('carries the full organization, no REST-only account fields, only subscribable events, and custom_properties', async () => {
    const token = await w.mint();
    await api(sim, 'PATCH', '/repos/octo-org/made-by-app', { token, body: { archived: true } });
    sim.suspend(w.installation);
    await sim.webhooks.settle();
    const [archived, suspended] = sim.webhooks.deliveries.map((d) => JSON.parse(d.body));
    expect(archived.organization).toMatchObject({
      login: 'octo-org',
      url: `${sim.apiUrl}/orgs/octo-org`,
      members_url: `${sim.apiUrl}/orgs/octo-org/members{/member}`,
      description: null,
    });
    expect(archived.repository.custom_properties).toEqual({});
    expect(archived.repository.archived).toBe(true);
    expect(suspended.installation.account).not.toHaveProperty('slug');
    expect(suspended.installation.account).not.toHaveProperty('created_at');
    expect(suspended.installation.events).toEqual(['repository']);
  });

  it('signs with X-Hub-Signature (sha1) beside X-Hub-Signature-256', async () => {
    sim.suspend(w.installation);
    await sim.webhooks.settle();
    const [delivery] = received;
    const sha1 = createHmac('sha1', secret).update(delivery!.body).digest('hex');
    expect(delivery!.headers['x-hub-signature']).toBe(`sha1=${sha1}`);
    expect(delivery!.headers['x-hub-signature-256']).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('sends repository.edited with the old description, publicized/privatized and archived/unarchived on PATCH; an archived repository is read-only', async () => {
    const token = await w.mint();
    const patch = (body: unknown) => api(sim, 'PATCH', '/repos/octo-org/made-by-app', { token, body });
    await patch({ description: 'tickets', visibility: 'public' });
    await patch({ archived: true });
    await patch({ archived: true });
    expect((await patch({ archived: 'yes' })).status).toBe(422);
    const write = await api(sim, 'PUT', '/repos/octo-org/made-by-app/contents/a.md', {
      token,
      body: { message: 'a', content: Buffer.from('a').toString('base64') },
    });
    expect(write.status).toBe(403);
    expect(write.body.message).toBe('Repository was archived so is read-only.');
    await sim.webhooks.settle();
    const payloads = sim.webhooks.deliveries.map((d) => JSON.parse(d.body));
    expect(payloads.map((p) => p.action)).toEqual(['edited', 'publicized', 'archived']);
    expect(payloads[0].changes).toEqual({ description: { from: null } });
  });
});
