import { and, eq } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventOutbox, webhookDeliveries } from '../src/db/schema/index.js';
import type { ProductEvent } from '../src/events/product-event.js';
import { EventOutboxStore } from '../src/stores/event-outbox-store.js';
import { eventually, pushCommits, type ReceivedEvent, startEndpoint } from './events-fixtures.js';
import { type Harness, startHarness } from './service-harness.js';

const tisket = 'org_01TISKET';

describe('repository events for the product (docs/events.md)', () => {
  let h: Harness;
  let endpoint: Awaited<ReturnType<typeof startEndpoint>>;
  let offsetMs = 0;
  const local: ProductEvent[] = [];

  beforeEach(async () => {
    offsetMs = 0;
    local.length = 0;
    endpoint = await startEndpoint();
    h = await startHarness({
      env: { HUBGATE_ALLOWED_PRIVATE_HOSTS: endpoint.host },
      // A clock the test can move on (the staleness bound); real time otherwise.
      clock: { now: () => Date.now() + offsetMs },
      events: { pollMs: 50, leaseMs: 1_000, schedule: { firstDelayMs: 40, maxDelayMs: 120 } },
    });
    h.hub.events.on('*', (event) => void local.push(event));
  });
  afterEach(async () => {
    await h.close();
    await endpoint.close();
  });

  const sim = () => h.hub.sandbox!.sim;
  /** ada connects tisket-com on "All repositories", sets the endpoint and creates a project: its id, token and the secret. */
  async function tenantWithProject(name = 'Events') {
    const ada = await h.signIn('user_ada');
    await h.connect(ada, 'ada', 'tisket-com', 'all');
    const saved = await h.api(ada, 'PUT', '/api/events/endpoint', { url: endpoint.url });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const created = await h.api(ada, 'POST', '/api/projects', { name });
    expect(created.status).toBe(201);
    const token = await h.hub.projects.tokenFor(tisket, created.body.id, { contents: 'write' });
    return { ada, project: created.body as { id: string; repository: { id: number; fullName: string } }, token, secret: saved.body.secret as string };
  }
  const settled = async () => {
    await sim().webhooks.settle();
    await h.hub.receiver.settle();
    await h.hub.eventDispatcher.drain();
  };
  const pushesOf = (events: ReceivedEvent[], secret: string) =>
    events
      .map((e) => ({ id: e.headers['webhook-id'], verified: new Webhook(secret).verify(e.body, e.headers as Record<string, string>) as { type: string; data: ProductEvent<'push'> } }))
      .filter((e) => e.verified.type === 'github.push');

  it('sends a push to a project repository to the in-process handler and to the signed endpoint, with tenant and project', async () => {
    const { project, token, secret } = await tenantWithProject();
    const [head] = await pushCommits(token.remoteUrl, token.token, ['open TKT-1']);
    await settled();
    await eventually('the push at the endpoint', () => pushesOf(endpoint.accepted, secret).some((e) => e.verified.data.payload.after === head));

    const atEndpoint = pushesOf(endpoint.accepted, secret).find((e) => e.verified.data.payload.after === head)!;
    // Verified by the standardwebhooks package's own verifier (it throws on a bad signature or an old timestamp).
    expect(atEndpoint.verified.data).toMatchObject({
      event: 'push',
      foundBy: 'webhook',
      tenant: { organizationId: tisket },
      project: { id: project.id, slug: 'events', fullName: project.repository.fullName, githubRepoId: project.repository.id },
      payload: { ref: 'refs/heads/main', after: head, repository: { id: project.repository.id } },
    });
    // The webhook-id is GitHub's delivery id: the same on a retry, the product's idempotency key.
    const github = sim().webhooks.deliveries.find((d) => d.event === 'push' && JSON.parse(d.body).after === head)!;
    expect(atEndpoint.id).toBe(github.guid);
    const inProcess = local.find((e) => e.event === 'push' && (e.payload as { after: string }).after === head)!;
    expect(inProcess).toMatchObject({ id: github.guid, tenant: { organizationId: tisket }, project: { id: project.id } });
  });

  it('drops, before anything is stored, the events of a repository that is no project, and sends them nowhere', async () => {
    const { token, secret } = await tenantWithProject();
    await sim().createRepository('tisket-com', 'customer-code');
    const pat = sim().world.addPersonalAccessToken(sim().store.requireAccount('ada') as never);
    const [customerHead] = await pushCommits(`${sim().webUrl}/tisket-com/customer-code.git`, pat, ['private work']);
    const [projectHead] = await pushCommits(token.remoteUrl, token.token, ['open TKT-1']);
    await settled();
    await eventually('the project push at the endpoint', () => pushesOf(endpoint.accepted, secret).some((e) => e.verified.data.payload.after === projectHead));

    const customerDelivery = sim().webhooks.deliveries.find((d) => d.event === 'push' && JSON.parse(d.body).after === customerHead)!;
    // GitHub did send it (the installation is on All repositories) and hubgate acknowledged it...
    expect(customerDelivery.statusCode).toBe(202);
    expect(JSON.parse(customerDelivery.responseBody)).toMatchObject({ dropped: true });
    // ...and kept nothing of it, and sent it nowhere.
    const stored = await h.hub.db.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.deliveryId, customerDelivery.guid));
    expect(stored).toEqual([]);
    expect(pushesOf(endpoint.received, secret).map((e) => e.verified.data.payload.after)).not.toContain(customerHead);
    expect(local.map((e) => (e.payload as { after?: string }).after)).not.toContain(customerHead);
    const metrics = await h.hub.metrics.registry.getSingleMetricAsString('hubgate_webhook_deliveries_total');
    expect(metrics).toMatch(/event="push",outcome="dropped"\} [1-9]/);
  });

  it('delivers every event once per id and in order per repository after the endpoint was down for a while', async () => {
    const { token, secret } = await tenantWithProject();
    await settled();
    endpoint.state.answer = 503;
    const heads = await pushCommits(token.remoteUrl, token.token, ['one', 'two', 'three']);
    await sim().webhooks.settle();
    await eventually('a failed attempt', () => endpoint.received.length > endpoint.accepted.length);
    endpoint.state.answer = 200;
    await eventually('the three pushes at the endpoint', () => heads.every((sha) => pushesOf(endpoint.accepted, secret).some((e) => e.verified.data.payload.after === sha)));

    const accepted = pushesOf(endpoint.accepted, secret);
    const ids = accepted.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(accepted.map((e) => e.verified.data.payload.after).filter((sha) => heads.includes(sha))).toEqual(heads);
    // The failures were real attempts, retried: more requests than acceptances.
    expect(endpoint.received.length).toBeGreaterThan(endpoint.accepted.length);
  });

  it('forwards whatever else the app subscribes to: a pull request opened and merged on a project repository, with the project', async () => {
    const { project } = await tenantWithProject('Pulls');
    // The tenant's app also subscribes to pull_request (with its permission), as docs/events.md says to.
    const inst = [...sim().store.installations.values()].find((i) => i.accountId === sim().store.requireAccount('tisket-com').id)!;
    inst.events.push('pull_request');
    inst.permissions = { ...inst.permissions, pull_requests: 'write' };
    const app = sim().store.requireApp(inst.appId);
    const token = sim().world.mintInstallationToken(app, inst).value;
    const [owner, repo] = project.repository.fullName.split('/') as [string, string];
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${sim().apiUrl}/repos/${owner}/${repo}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    const base = (await call('GET', '/git/ref/heads/main')).body.object.sha as string;
    expect((await call('POST', '/git/refs', { ref: 'refs/heads/tkt-2', sha: base })).status).toBe(201);
    expect((await call('PUT', '/contents/TKT-2.md', { message: 'TKT-2', content: Buffer.from('TKT-2').toString('base64'), branch: 'tkt-2' })).status).toBe(201);
    const pull = await call('POST', '/pulls', { title: 'TKT-2', head: 'tkt-2', base: 'main' });
    expect(pull.status).toBe(201);
    expect((await call('PUT', `/pulls/${pull.body.number}/merge`, {})).status).toBe(200);
    await settled();
    const pulls = local.filter((e) => e.event === 'pull_request');
    expect(pulls.map((e) => `${e.action}:${(e.payload as { pull_request: { merged: boolean } }).pull_request.merged}`)).toEqual(['opened:false', 'closed:true']);
    expect(pulls[1]).toMatchObject({ project: { id: project.id }, tenant: { organizationId: tisket }, foundBy: 'webhook' });
  });

  it('loses nothing when the replica sending an event dies: another takes it once the lease has passed', async () => {
    const { token, secret } = await tenantWithProject();
    await settled();
    // The replica that took the row dies mid-send: emulated by leasing the row as a dispatcher does, then nothing.
    await h.hub.eventDispatcher.stop();
    const [head] = await pushCommits(token.remoteUrl, token.token, ['while the replica dies']);
    await sim().webhooks.settle();
    await h.hub.receiver.settle();
    const store = new EventOutboxStore(h.hub.db.db);
    const leasedAt = Date.now();
    const taken = await store.take(new Date(), new Date(leasedAt + 1_000), 100, new Set());
    expect(taken.filter((r) => r.target === 'tenant' && r.event === 'push').length).toBeGreaterThan(0);
    h.hub.eventDispatcher.start();
    await eventually('the push at the endpoint', () => pushesOf(endpoint.accepted, secret).some((e) => e.verified.data.payload.after === head));
    // Not before the dead replica's lease had passed.
    expect(Date.now() - leasedAt).toBeGreaterThanOrEqual(1_000);
    const [row] = await h.hub.db.db
      .select()
      .from(eventOutbox)
      .where(and(eq(eventOutbox.target, 'tenant'), eq(eventOutbox.id, taken.find((r) => r.target === 'tenant' && r.event === 'push')!.id)));
    expect(row!.status).toBe('delivered');
  });

  it('finds a push GitHub never delivered once the staleness bound has passed, and only once', async () => {
    const { project, token } = await tenantWithProject();
    await settled();
    expect(await h.hub.eventReconcile.run()).toBe(0);
    sim().webhooks.setPaused(true);
    const [head] = await pushCommits(token.remoteUrl, token.token, ['GitHub never says']);
    await settled();
    expect(local.some((e) => (e.payload as { after?: string }).after === head)).toBe(false);
    // Seen, but younger than the bound (5 minutes by default): GitHub may still deliver it.
    expect(await h.hub.eventReconcile.run()).toBe(0);
    offsetMs += 4 * 60_000;
    expect(await h.hub.eventReconcile.run()).toBe(0);
    offsetMs += 61_000;
    expect(await h.hub.eventReconcile.run()).toBe(1);
    await settled();
    const found = local.filter((e) => e.event === 'push' && (e.payload as { after?: string }).after === head);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ foundBy: 'reconcile', id: `reconcile:${project.repository.id}:${head}`, project: { id: project.id } });
    expect(await h.hub.eventReconcile.run()).toBe(0);
  });
});
