import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubSim, type SimInstallation, seedDemo } from '../src/index.js';

async function post(url: string, form: Record<string, string | string[]>, cookie: string) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const item of [v].flat()) body.append(k, item);
  return fetch(url, { method: 'POST', body, headers: { cookie }, redirect: 'manual' });
}

describe("owner actions on the simulated GitHub's pages", () => {
  let sim: GitHubSim;
  let receiver: Server;
  let events: { event: string; guid: string; payload: any }[];
  let demo: ReturnType<typeof seedDemo>;
  let inst: SimInstallation;
  let ada: string;
  let bob: string;

  beforeEach(async () => {
    events = [];
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        events.push({
          event: String(req.headers['x-github-event']),
          guid: String(req.headers['x-github-delivery']),
          payload: JSON.parse(body),
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    sim = await GitHubSim.start();
    demo = seedDemo(sim, {
      webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/github`,
    });
    await sim.createRepository('tisket-com', 'guide');
    await sim.createRepository('tisket-com', 'tickets');
    inst = sim.install(demo.app, 'tisket-com', { by: 'ada', repositories: ['guide'] });
    ada = sim.sessionCookieFor('ada');
    bob = sim.sessionCookieFor('bob');
    await sim.webhooks.settle();
    events = [];
  });
  afterEach(async () => {
    await sim.close();
    await new Promise((r) => receiver.close(r));
  });

  const settingsUrl = () => `${sim.webUrl}/organizations/tisket-com/settings/installations/${inst.id}`;
  /** The events received, in the order the simulator sent them (deliveries run concurrently). */
  const seen = async () => {
    await sim.webhooks.settle();
    const order = (guid: string) => sim.webhooks.deliveries.findIndex((d) => d.guid === guid);
    events.sort((a, b) => order(a.guid) - order(b.guid));
    return events.map((e) => `${e.event}.${e.payload.action}`);
  };

  it('suspends, unsuspends and uninstalls from the installation page, sending the installation webhooks', async () => {
    const page = await (await fetch(settingsUrl(), { headers: { cookie: ada } })).text();
    expect(page).toContain('id="suspend"');
    expect((await post(`${settingsUrl()}/suspend`, {}, ada)).status).toBe(303);
    expect(sim.store.installations.get(inst.id)!.suspendedAt).not.toBeNull();
    expect(await (await fetch(settingsUrl(), { headers: { cookie: ada } })).text()).toContain('id="unsuspend"');
    await post(`${settingsUrl()}/unsuspend`, {}, ada);
    await post(`${settingsUrl()}/uninstall`, {}, ada);
    expect(sim.store.installations.has(inst.id)).toBe(false);
    expect(await seen()).toEqual(['installation.suspend', 'installation.unsuspend', 'installation.deleted']);
    expect(events[0]!.payload.sender.login).toBe('ada');
  });

  it('changes the selection from the page (installation_repositories.added)', async () => {
    const tickets = sim.store.findRepo('tisket-com', 'tickets')!;
    const guide = sim.store.findRepo('tisket-com', 'guide')!;
    await post(
      settingsUrl(),
      { repository_selection: 'selected', repository_ids: [String(guide.id), String(tickets.id)] },
      ada,
    );
    expect(await seen()).toEqual(['installation_repositories.added']);
    expect(events[0]!.payload.repositories_added.map((r: { name: string }) => r.name)).toEqual(['tickets']);
  });

  it("shows a member the installation read-only instead of a 404, and refuses the member's actions", async () => {
    const answer = await fetch(settingsUrl(), { headers: { cookie: bob } });
    expect(answer.status).toBe(200);
    const text = await answer.text();
    expect(text).toContain('Only owners of tisket-com');
    expect(text).not.toContain('id="uninstall"');
    expect((await post(`${settingsUrl()}/uninstall`, {}, bob)).status).toBe(404);
    expect(sim.store.installations.has(inst.id)).toBe(true);
    const stranger = sim.sessionCookieFor('cyd');
    expect((await fetch(settingsUrl(), { headers: { cookie: stranger } })).status).toBe(404);
  });

  it("lets an owner approve a member's install request on the organization's page (installation.created with the requester)", async () => {
    sim.uninstall(inst);
    await sim.webhooks.settle();
    events = [];
    const org = sim.store.requireAccount('tisket-com');
    const requested = await post(
      `${sim.webUrl}/github-apps/tisket/installations`,
      { account_id: String(org.id), repository_selection: 'all', state: 'lost' },
      bob,
    );
    expect(await requested.text()).toContain('Request sent');
    const [request] = sim.installRequests('tisket-com');
    const list = await (
      await fetch(`${sim.webUrl}/organizations/tisket-com/settings/installations`, { headers: { cookie: ada } })
    ).text();
    expect(list).toContain(`id="approve-${request!.id}"`);
    expect(
      (await fetch(`${sim.webUrl}/organizations/tisket-com/settings/installations`, { headers: { cookie: bob } }))
        .status,
    ).toBe(404);
    const approved = await post(
      `${sim.webUrl}/organizations/tisket-com/settings/installations/requests/${request!.id}/approve`,
      {},
      ada,
    );
    expect(approved.status).toBe(303);
    expect(await seen()).toEqual(['installation.created']);
    expect(events[0]!.payload.requester.login).toBe('bob');
    expect(events[0]!.payload.sender.login).toBe('ada');
    expect(sim.installRequests('tisket-com')).toEqual([]);
  });

  it('renames the organization and a repository from their settings pages', async () => {
    expect((await post(`${sim.webUrl}/organizations/tisket-com/settings/rename`, { login: 'tisket' }, bob)).status).toBe(
      404,
    );
    const renamed = await post(`${sim.webUrl}/organizations/tisket-com/settings/rename`, { login: 'tisket' }, ada);
    expect(renamed.status).toBe(303);
    const repo = await post(`${sim.webUrl}/tisket/guide/settings/rename`, { new_name: 'handbook' }, ada);
    expect(repo.status).toBe(303);
    expect(await seen()).toEqual(['installation_target.renamed', 'repository.renamed']);
    expect(events[1]!.payload.repository.full_name).toBe('tisket/handbook');
    const taken = await post(`${sim.webUrl}/organizations/tisket/settings/rename`, { login: 'acme-corp' }, ada);
    expect(taken.status).toBe(422);
  });

  it('offers the same actions as library calls for tests', async () => {
    sim.suspend(inst);
    sim.unsuspend(inst, 'ada');
    sim.setRepositorySelection(inst, 'all');
    sim.renameRepository('tisket-com', 'guide', 'handbook');
    sim.renameAccount('tisket-com', 'tisket');
    sim.uninstall(inst);
    expect(await seen()).toEqual([
      'installation.suspend',
      'installation.unsuspend',
      'installation_repositories.added',
      'repository.renamed',
      'installation_target.renamed',
      'installation.deleted',
    ]);
  });
});
