import { createRequire } from 'node:module';
import { sign } from '@octokit/webhooks-methods';
import { count, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { webhookDeliveries } from '../src/db/schema/index.js';
import { drivers } from './db-harness.js';
import { type Harness, startHarness } from './service-harness.js';

const require = createRequire(import.meta.url);
const examples = require('@octokit/webhooks-examples/api.github.com/index.json') as {
  name: string;
  examples: Record<string, unknown>[];
}[];

describe.each(drivers)('webhooks at POST /webhooks/github (%s)', (driver) => {
  let h: Harness;
  let ada: Awaited<ReturnType<Harness['signIn']>>;
  let installationId: number;
  // Each test gets its own hubgate and simulated GitHub: several of them rename, suspend or uninstall.
  beforeEach(async () => {
    h = await startHarness({ driver, extraWebhookSecrets: ['the-previous-secret-1234'] });
    ada = await h.signIn('user_ada');
    await h.connect(ada, 'ada', 'tisket-com');
    installationId = (await h.api(ada, 'GET', '/api/github/connection')).body.installationId;
  });
  afterEach(() => h.close());

  const sim = () => h.hub.sandbox!.sim;
  const settle = async () => {
    await sim().webhooks.settle();
    await h.hub.receiver.settle();
  };
  const connection = async () => (await h.api(ada, 'GET', '/api/github/connection')).body;
  const secret = () => h.hub.github.webhookSecrets[0]!;
  const post = async (body: string, headers: Record<string, string>) =>
    fetch(`${h.hub.url}/webhooks/github`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
  const signedPost = async (event: string, payload: unknown, deliveryId = crypto.randomUUID()) => {
    const body = JSON.stringify(payload);
    return post(body, {
      'x-github-event': event,
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': await sign(secret(), body),
    });
  };

  it('follows suspend and unsuspend sent by the simulated GitHub', async () => {
    const inst = sim().store.installations.get(installationId)!;
    sim().world.suspend(inst, sim().store.requireAccount('ada'));
    await settle();
    expect((await connection()).suspended).toBe(true);
    sim().world.unsuspend(inst, sim().store.requireAccount('ada'));
    await settle();
    expect((await connection()).suspended).toBe(false);
  });

  it('follows an account rename (installation_target) and a selection change', async () => {
    sim().world.renameAccount(
      sim().store.requireAccount('tisket-com'),
      'tisket-inc',
      sim().store.requireAccount('ada'),
    );
    await settle();
    expect((await connection()).account.login).toBe('tisket-inc');
    await sim().createRepository('tisket-inc', 'customer-code');
    const inst = sim().store.installations.get(installationId)!;
    sim().world.updateSelection(inst, 'all', [], sim().store.requireAccount('ada'));
    await settle();
    expect((await connection()).repositorySelection).toBe('all');
  });

  // "applies a replayed delivery once" moved to security/webhook-trust.test.ts, where it counts handler runs (audit rows).

  it('refuses a bad signature with 401 and stores nothing but the refusal count', async () => {
    const before = await h.hub.db.db.select({ n: count() }).from(webhookDeliveries);
    const body = JSON.stringify({ action: 'deleted', installation: { id: installationId } });
    const answer = await post(body, {
      'x-github-event': 'installation',
      'x-github-delivery': crypto.randomUUID(),
      'x-hub-signature-256': await sign('wrong secret', body),
    });
    expect(answer.status).toBe(401);
    const missing = await post(body, {
      'x-github-event': 'installation',
      'x-github-delivery': crypto.randomUUID(),
    });
    expect(missing.status).toBe(401);
    expect((await h.hub.db.db.select({ n: count() }).from(webhookDeliveries))[0]!.n).toBe(before[0]!.n);
    expect((await connection()).connected).toBe(true);
    const metrics = await (await fetch(`${h.hub.url}/metrics`)).text();
    expect(metrics).toMatch(/hubgate_webhook_refusals_total\{reason="unauthenticated"\} 2/);
  });

  it('refuses malformed deliveries with 400: no event, no JSON, wrong content type', async () => {
    const body = '{not json';
    const sig = await sign(secret(), body);
    expect(
      (
        await post(body, {
          'x-github-event': 'installation',
          'x-github-delivery': crypto.randomUUID(),
          'x-hub-signature-256': sig,
        })
      ).status,
    ).toBe(400);
    const ok = JSON.stringify({ action: 'x' });
    const okSig = await sign(secret(), ok);
    expect(
      (await post(ok, { 'x-github-delivery': crypto.randomUUID(), 'x-hub-signature-256': okSig })).status,
    ).toBe(400);
    const form = await fetch(`${h.hub.url}/webhooks/github`, {
      method: 'POST',
      body: ok,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-github-event': 'ping',
        'x-github-delivery': crypto.randomUUID(),
        'x-hub-signature-256': okSig,
      },
    });
    expect(form.status).toBe(400);
  });

  it('accepts the previous secret during a rotation', async () => {
    const body = JSON.stringify({ zen: 'Keep it logically awesome.' });
    const answer = await post(body, {
      'x-github-event': 'ping',
      'x-github-delivery': crypto.randomUUID(),
      'x-hub-signature-256': await sign('the-previous-secret-1234', body),
    });
    expect(answer.status).toBe(202);
  });

  it('acknowledges every payload of @octokit/webhooks-examples without a 5xx', async () => {
    let sent = 0;
    for (const group of examples) {
      for (const example of group.examples) {
        const answer = await signedPost(group.name, example);
        expect(answer.status, `${group.name}.${String(example.action)}`).toBe(202);
        sent++;
      }
    }
    await settle();
    expect(sent).toBeGreaterThan(200);
    const failed = await h.hub.db.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.status, 'failed'));
    expect(failed).toEqual([]);
  });

  it('retires the binding when the app is uninstalled on GitHub', async () => {
    const inst = sim().store.installations.get(installationId)!;
    sim().world.uninstall(inst, sim().store.requireAccount('ada'));
    await settle();
    expect((await connection()).connected).toBe(false);
  });
});

describe('an installation approved by an org owner arrives without state', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('is not bound by the webhook, and an admin claims it through the ownership check', async () => {
    const sim = h.hub.sandbox!.sim;
    const bobOnGitHub = new (await import('./browserless.js')).Browserless();
    await h.signInToGitHub(bobOnGitHub, 'bob');
    const org = sim.store.requireAccount('tisket-com');
    const requested = await bobOnGitHub.post(`${sim.webUrl}/github-apps/tisket/installations`, {
      form: { account_id: String(org.id), repository_selection: 'selected' },
    });
    expect(await requested.text()).toContain('Request sent');
    const [request] = [...sim.store.installRequests.values()];
    const inst = sim.approveInstallRequest(request!.id, 'ada');
    await sim.webhooks.settle();
    await h.hub.receiver.settle();
    const ada = await h.signIn('user_ada');
    expect((await h.api(ada, 'GET', '/api/github/connection')).body.connected).toBe(false);

    const claim = await h.api(ada, 'POST', '/api/github/claim', { installationId: inst.id });
    expect(claim.status).toBe(200);
    await h.signInToGitHub(ada, 'ada');
    const done = await ada.get(claim.body.authorizeUrl);
    expect(done.finalUrl).toBe(`${h.hub.url}/workspace/settings/repos?connected=1`);
    expect((await h.api(ada, 'GET', '/api/github/connection')).body).toMatchObject({
      connected: true,
      installationId: inst.id,
    });
    expect((await h.api(ada, 'POST', '/api/github/claim', { installationId: 'one' })).status).toBe(400);
  });
});
